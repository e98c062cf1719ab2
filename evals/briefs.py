"""Brief faithfulness and completeness, checked deterministically against the case's evidence.

A statement is *faithful* when every citation is an evidence id of the case and at least
`SUPPORT_SHARE` of its content words occur in the cited evidence or in the case record the drafter was
given (ticket summary, band, score, renewal, signal names and details); the drafters' framing words
(`FRAME`) are left out of the count. *Strictly grounded* counts
only the cited evidence's own words. A brief is *complete* when intent, tried, results, status and
escalation reason are all present, non-empty and cite at least one valid evidence id.

A field that says it is "not known from the record" (`agent.extractive.NOT_KNOWN`: the drafter found no
message that states it) makes no claim: it is counted apart (`not_known`) and left out of the
faithfulness shares, which measure the claims a brief makes; `faithfulness_all_fields` counts it as
unfaithful, for comparison.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from agent.context import CaseContext
from agent.extractive import NOT_KNOWN
from agent.outputs import BRIEF_FIELDS, Brief

SUPPORT_SHARE = 0.8
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    "a an the and or but of to in on at for from by with as is are was were be been has have had it its this that "
    "these those our your their we you they i me my he she his her them us not no yes so if then than there here "
    "do does did can could will would should may might just also very into over since about".split()
)
# The drafters' own framing words ("Support: ...", "Customer asks: ..."): they state which
# field a statement fills, not a fact about the case, so they are not checked against evidence.
FRAME = frozenset(
    "customer asks latest support action reply record recent messages window reaction risk raised score "
    "renewal days open red amber green case shows escalation".split()
)


def words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1}


def evidence_texts(ctx: CaseContext) -> dict[str, str]:
    """Each evidence ref of the case -> the words it stands for (message text, quotes, signal details)."""
    texts: dict[str, list[str]] = {m.ref: [m.text] for m in ctx.messages}
    for signal in ctx.signals:
        for ev in signal.evidence:
            texts.setdefault(ev.ref, []).extend([ev.quote, ev.record_id, ev.record_type])
    return {ref: " ".join(parts) for ref, parts in texts.items()}


def record_text(ctx: CaseContext) -> str:
    parts = [ctx.tickets_summary, ctx.band or "", f"{ctx.score:.0f}" if ctx.score is not None else "",
             str(ctx.renewal_days or ""), "risk score renewal days"]
    for s in ctx.signals:
        parts += [s.kind.replace("_", " "), s.detail]
    return " ".join(parts)


def judge(brief: Brief, ctx: CaseContext) -> dict[str, Any]:
    """Per-statement verdicts and the brief's completeness."""
    brief = brief.restored()
    evidence, record = evidence_texts(ctx), words(record_text(ctx))
    allowed = ctx.allowed_refs
    verdicts = {}
    for name in BRIEF_FIELDS:
        st = getattr(brief, name, None)
        if st is None:
            verdicts[name] = {"present": False, "valid_citations": False, "faithful": False, "strict": False}
            continue
        valid = bool(st.citations) and set(st.citations) <= allowed
        cited = set().union(*(words(evidence.get(ref, "")) for ref in st.citations)) if st.citations else set()
        content = words(st.text) - FRAME
        strict_share = len(content & cited) / len(content) if content else 0.0
        share = len(content & (cited | record)) / len(content) if content else 0.0
        verdicts[name] = {"present": bool(st.text.strip()), "valid_citations": valid,
                          "faithful": valid and share >= SUPPORT_SHARE, "not_known": st.text.strip() == NOT_KNOWN,
                          "strict": valid and strict_share >= SUPPORT_SHARE, "support_share": round(share, 3)}
    complete = all(v["present"] and v["valid_citations"] for v in verdicts.values())
    return {"source": brief.source, "complete": complete, "statements": verdicts}


def brief_metrics(cases: Iterable[CaseContext], draft: Callable[[CaseContext], Brief]) -> dict[str, Any]:
    judged = [judge(draft(ctx), ctx) | {"account_id": ctx.account_id} for ctx in cases]
    fields = [v for j in judged for v in j["statements"].values()]
    statements = [v for v in fields if not v.get("not_known")]  # the claims
    n = len(statements)
    return {
        "briefs": len(judged),
        "sources": sorted({j["source"] for j in judged}),
        "faithfulness": round(sum(v["faithful"] for v in statements) / n, 4) if n else None,
        "faithfulness_all_fields": round(sum(v["faithful"] for v in fields) / len(fields), 4) if fields else None,
        "not_known": len(fields) - n, "fields": len(fields),
        "strict_grounding": round(sum(v["strict"] for v in statements) / n, 4) if n else None,
        "valid_citations": round(sum(v["valid_citations"] for v in fields) / len(fields), 4) if fields else None,
        "completeness": round(sum(j["complete"] for j in judged) / len(judged), 4) if judged else None,
        "unfaithful": [{"account_id": j["account_id"], "field": f, "support_share": v.get("support_share")}
                       for j in judged for f, v in j["statements"].items()
                       if not v["faithful"] and not v.get("not_known")][:20],
    }
