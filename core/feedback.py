"""Turn what the operator already records into labels: CSAT comments and what reviewers said at case close.

- A CSAT comment carries the customer's own rating: bad (1-2) labels its text negative, good (4-5)
  positive; a middling 3 is not a label (Zendesk's good/bad ratings map to 5/1 on import).
- A closed case labels the risk: "this was a real risk" (any decision comment or the close reason)
  confirms it, whatever the outcome; otherwise a false-positive outcome, or "false positive" / "false
  alarm" in a comment, dismisses it; saved, churned and resolved cases are confirmed.
- "not negative" in a comment corrects the reader: the messages cited as negative-sentiment evidence of
  the case's assessment are labelled neutral.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence

import sqlalchemy as sa

from core.store.labels import (
    RISK,
    SENTIMENT,
    ClosedCase,
    OperatorLabel,
    RatedComment,
    closed_cases,
    message_texts,
    rated_comments,
    record_labels,
)

SYSTEM_ACTOR = "system:feedback"
HOLDBACK = 0.25
_REAL_RISK = re.compile(r"\b(was|is) (a )?(real|genuine) risk\b|\breal risk\b", re.IGNORECASE)
_FALSE_POSITIVE = re.compile(r"\bfalse[- ]positive\b|\bfalse alarm\b|\bnot a (real )?risk\b", re.IGNORECASE)
_NOT_NEGATIVE = re.compile(r"\b(not|wasn'?t|was not|isn'?t|is not) (really )?negative\b|\btone was fine\b",
                           re.IGNORECASE)
_SENTIMENT_SIGNALS = ("negative_sentiment", "tone_drift")


def held_back(ref: str, share: float = HOLDBACK) -> bool:
    """A stable split of labels by provenance: the same label always falls on the same side of a refit,
    whatever else arrives, so a held-back label is never trained on."""
    return int(hashlib.sha256(ref.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < share


def csat_labels(comments: Sequence[RatedComment]) -> list[OperatorLabel]:
    """One sentiment label per rated comment (bad -> negative, good -> positive; 3 is skipped)."""
    out = []
    for c in comments:
        label = "negative" if c.score <= 2 else "positive" if c.score >= 4 else None
        if label is None or not c.comment.strip():
            continue
        out.append(OperatorLabel(kind=SENTIMENT, label=label, source="csat", source_ref=f"csat:{c.id}",
                                 actor="customer", text=c.comment.strip(), account_id=c.account_id,
                                 detail={"score": c.score}, created_at=c.created_at))
    return out


def _said(case: ClosedCase) -> str:
    return " \n".join((case.reason, *case.comments))


def risk_label(case: ClosedCase) -> OperatorLabel | None:
    """Confirmed or dismissed, with the signal values the case was opened on; None without an assessment."""
    said = _said(case)
    if _REAL_RISK.search(said):
        label = "confirmed"
    elif case.outcome == "false_positive" or _FALSE_POSITIVE.search(said):
        label = "dismissed"
    elif case.outcome in ("saved", "churned", "resolved"):
        label = "confirmed"
    else:
        return None
    if not case.assessment:
        return None
    signals = {s["kind"]: float(s.get("value", 0.0)) for s in case.assessment.get("signals", []) if "kind" in s}
    return OperatorLabel(kind=RISK, label=label, source="review", source_ref=f"case:{case.id}", actor=SYSTEM_ACTOR,
                         account_id=case.account_id, escalation_id=case.id, note=said.strip()[:2000] or None,
                         detail={"signals": signals, "score": case.assessment.get("score"),
                                 "outcome": case.outcome}, created_at=case.closed_at)


def negative_evidence(case: ClosedCase) -> list[str]:
    """Message ids cited as negative-sentiment evidence in the case's assessment."""
    ids: list[str] = []
    for s in (case.assessment or {}).get("signals", []):
        if s.get("kind") in _SENTIMENT_SIGNALS:
            ids += [e["record_id"] for e in s.get("evidence", []) if e.get("record_type") == "message"]
    return list(dict.fromkeys(ids))


def correction_labels(case: ClosedCase, texts: Mapping[str, str]) -> list[OperatorLabel]:
    """'not negative' at close: the case's negative-evidence messages, labelled neutral."""
    said = _said(case)
    if not _NOT_NEGATIVE.search(said):
        return []
    return [OperatorLabel(kind=SENTIMENT, label="neutral", source="review", source_ref=f"case:{case.id}:message:{mid}",
                          actor=SYSTEM_ACTOR, text=texts[mid], account_id=case.account_id, escalation_id=case.id,
                          note=said.strip()[:2000], created_at=case.closed_at)
            for mid in negative_evidence(case) if texts.get(mid, "").strip()]


def collect(engine: sa.Engine, *, csat: bool = True, reviews: bool = True) -> dict[str, int]:
    """Derive labels from the store's CSAT comments and closed cases and record them (idempotent)."""
    counts = {"csat": 0, "review_sentiment": 0, "review_risk": 0}
    if csat:
        counts["csat"] = record_labels(engine, csat_labels(rated_comments(engine)))
    if reviews:
        cases = closed_cases(engine)
        texts = message_texts(engine, [m for c in cases for m in negative_evidence(c)])
        risk = [x for x in (risk_label(c) for c in cases) if x is not None]
        counts["review_risk"] = record_labels(engine, risk)
        counts["review_sentiment"] = record_labels(engine, [x for c in cases for x in correction_labels(c, texts)])
    return counts
