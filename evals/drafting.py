"""Which drafter writes the briefs: extractive (`none`), recorded model answers (`cassette`), or the
embedded model served for the run (`embedded`)."""

from __future__ import annotations

import importlib.util
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from agent.context import CaseContext
from agent.drafting import draft_brief
from agent.outputs import Brief
from core.settings import Settings

LlmMode = Literal["none", "cassette", "embedded"]
REPO = Path(__file__).resolve().parents[1]
CASSETTES = REPO / "tests" / "agent" / "cassettes"
# Recorded drafts are named <draft>_<account id>.yaml after tests/agent/agent_cases.recorded_cases()
# (tests/agent/record_drafts.py records them; test_cassettes.py and `python -m evals.drafting` replay them).


def extractive(settings: Settings) -> Callable[[CaseContext], Brief]:
    off = settings.model_copy(update={"llm_enabled": False})
    return lambda ctx: draft_brief(ctx, None, off)


@contextmanager
def embedded(settings: Settings, threads: int = 2) -> Iterator[Callable[[CaseContext], Brief]]:
    """Start agent.llm_server for the run (assembling the model from its packages) and stop it after."""
    from agent.llm import ChatModelPort
    from agent.llm_server import running_server

    on = settings.model_copy(update={"llm_enabled": True})
    with running_server(on, threads=threads, show_progress=False) as server:
        live = on.model_copy(update={"llm_base_url": server.base_url})
        model = ChatModelPort.from_settings(live)
        yield lambda ctx: draft_brief(ctx, model, live)


def cassette_briefs() -> list[tuple[CaseContext, Brief]]:
    """The embedded model's recorded briefs, replayed (never calling out); a partly played cassette fails."""
    import vcr

    contexts = {case.ctx.account_id: case.ctx for case in recorded_cases()}
    recorder = vcr.VCR(cassette_library_dir=str(CASSETTES), record_mode="none",
                       match_on=["method", "uri", "body"], decode_compressed_response=True)
    out = []
    from agent.llm import ChatModelPort

    names = sorted(p.stem for p in CASSETTES.glob("brief_*.yaml"))
    if not names:
        raise FileNotFoundError(f"no recorded brief (brief_*.yaml) in {CASSETTES}")
    for name in names:
        ctx = contexts[name.removeprefix("brief_")]
        with tempfile.TemporaryDirectory() as tmp, recorder.use_cassette(f"{name}.yaml") as cassette:
            # Default URL and model name: the request must match the recording byte for byte.
            settings = Settings(data_dir=Path(tmp), llm_timeout_s=600, llm_max_retries=0)
            brief = draft_brief(ctx, ChatModelPort.from_settings(settings), settings)
            if not cassette.all_played:
                raise RuntimeError(f"cassette {name} was only partly played")
        out.append((ctx, brief))
    return out


def describe(mode: LlmMode) -> dict[str, Any]:
    return {
        "none": {"drafter": "extractive (model disabled)"},
        "cassette": {"drafter": "extractive on generated cases + recorded embedded-model briefs "
                                "(tests/agent/cassettes) on the recorded cases"},
        "embedded": {"drafter": "embedded model (agent.llm_server) on generated cases"},
    }[mode]


# ---- replay of every recorded draft, judged independently ------------------------------------------------

KINDS = ("brief", "next_actions", "customer_update", "knowledge")
# Placeholders a reader would see as unfilled: brackets, braces, angle tags, XXX, "your name" (written here,
# not taken from agent.grounding). Redaction markers such as [EMAIL_1] in a knowledge article are its
# intended form (articles stay redacted) and are counted apart.
PLACEHOLDER = re.compile(r"\[[^\]]*\]?|\{[^}]*\}|<[^>]*>|\bXXX\b|your name|customer name|\bTBD\b", re.I)
REDACTION = re.compile(r"\[[A-Z]+_\d+\]")


def recorded_cases() -> list[Any]:
    """tests/agent/agent_cases.recorded_cases(): the cases whose drafts are recorded (tests are no package
    of the product, so the module is loaded from its file)."""
    spec = importlib.util.spec_from_file_location("_agent_cases", REPO / "tests" / "agent" / "agent_cases.py")
    if spec is None or spec.loader is None:
        raise FileNotFoundError("tests/agent/agent_cases.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.recorded_cases()  # type: ignore[no-any-return]


def replay_draft(kind: str, case: Any, grounder: Any, tmp: Path) -> Any:
    """One recorded draft of `case`, replayed through the product's drafting function and checks; None
    when it was never recorded. A partly played cassette raises."""
    import vcr

    from agent.drafting import draft_customer_update, extract_knowledge, propose_next_actions
    from agent.llm import ChatModelPort

    name = f"{kind}_{case.ctx.account_id}.yaml"
    if not (CASSETTES / name).exists():
        return None
    recorder = vcr.VCR(cassette_library_dir=str(CASSETTES), record_mode="none",
                       match_on=["method", "uri", "body"], decode_compressed_response=True)
    settings = Settings(data_dir=tmp, llm_timeout_s=900, llm_max_retries=0, llm_enabled=True)
    with recorder.use_cassette(name) as cassette:
        model = ChatModelPort.from_settings(settings)
        if kind == "brief":
            out: Any = draft_brief(case.ctx, model, settings, grounder=grounder)
        elif kind == "next_actions":
            out = propose_next_actions(case.ctx, model, settings, grounder=grounder)
        elif kind == "customer_update":
            out = draft_customer_update(case.ctx, model, settings, facts=case.facts, grounder=grounder)
        else:
            out = extract_knowledge(case.ctx, model, settings, resolution=case.resolution, grounder=grounder)
        if not cassette.all_played:
            raise RuntimeError(f"cassette {name} was only partly played")
    return out


def _judged(kind: str, out: Any, case: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """(model statements with the judge's verdict, texts shown to the reviewer) of one replayed draft."""
    from agent.extractive import NOT_KNOWN, SOLUTION_UNKNOWN
    from evals.faithfulness import judge_statement, shown_for

    shown = shown_for(case.ctx)
    rows: list[dict[str, Any]] = []
    texts: list[str] = []

    def add(field: str, text: str, cited: str, check: str = "statement") -> None:
        j = judge_statement(text, cited, shown.header)
        # An action or a letter proposes or tells rather than reports: only its specifics must be in the case.
        reasons = [r for r in j.reasons if check != "specifics" or "is not in" in r]
        rows.append({"case": case.ctx.account_id, "draft": kind, "field": field, "text": text,
                     "faithful": not reasons, "reasons": reasons, "check": check})

    if kind == "brief":
        restored = out.restored()
        for name, st in restored.statements().items():
            texts.append(st.text)
            if out.source == "model" and name not in out.fallbacks:
                add(name, st.text, shown.cited(st.citations))
            elif st.text.strip() == NOT_KNOWN:  # a field left unknown claims nothing: counted apart
                rows.append({"case": case.ctx.account_id, "draft": kind, "field": name, "text": st.text,
                             "faithful": None, "reasons": [], "check": "not_known"})
            else:  # the extractive statement that stands in the inbox instead
                add(name, st.text, shown.cited(st.citations), "extractive")
    elif kind == "next_actions":
        for a in out.actions:
            texts += [a.action, a.rationale]
            if out.source == "model":
                from agent.pii import restore

                add("rationale", restore(a.rationale, out.redactions), shown.cited(a.citations))
                add("action", restore(a.action, out.redactions), "\n".join(shown.evidence.values()), "specifics")
    elif kind == "customer_update":
        letter = out.restored()
        texts += [letter.subject, letter.body]
        if out.source == "model":
            from agent.extractive import fixed_update_phrases

            facts = case.facts
            middle = letter.body
            for phrase in fixed_update_phrases(facts):
                middle = middle.replace(phrase, " ")
            record = "\n".join([*shown.evidence.values(), facts.owner_name or "", facts.owner_title or "",
                                " ".join(facts.ticket_refs), facts.topic])
            add("body", " ".join(middle.split()), record, "specifics")
    else:
        texts += [out.title, out.problem, out.solution]
        if out.source == "model":
            if "problem" not in out.fallbacks:
                add("problem", out.problem, shown.cited(out.citations))
            if "solution" not in out.fallbacks:
                add("solution", out.solution, "\n".join(r.text for r in case.resolution))
        published = out.solution.strip() != SOLUTION_UNKNOWN
        if published:
            j = judge_statement(out.solution, "\n".join(r.text for r in case.resolution))
            rows.append({"case": case.ctx.account_id, "draft": kind, "field": "traceable",
                         "faithful": j.faithful and bool({r.ref for r in case.resolution} & set(out.citations)),
                         "reasons": list(j.reasons), "check": "traceable", "text": out.solution})
    return rows, texts


def dropped_brief_statements(case: Any, out: Any) -> list[dict[str, Any]]:
    """The model's own brief statements that the checks dropped, read from the cassette and judged: a
    calibration of the judge (it should find most of them unfaithful)."""
    import json

    import yaml

    from agent.drafting import _prepare, tidy, unquote
    from agent.pii import restore
    from evals.faithfulness import judge_statement, shown_for

    if out.source != "model" and "invalid" in out.note:
        return []
    data = yaml.safe_load((CASSETTES / f"brief_{case.ctx.account_id}.yaml").read_text())
    content = json.loads(data["interactions"][-1]["response"]["body"]["string"])["choices"][0]["message"]["content"]
    try:
        raw = json.loads(content)
    except ValueError:
        return []
    red, mapping, cat, _ = _prepare(case.ctx)
    shown = shown_for(case.ctx)
    fields = out.fallbacks if out.source == "model" else list(raw)
    rows = []
    for name in fields:
        claim = raw.get(name) or {}
        refs = cat.resolve(claim.get("refs", []), red.allowed_refs)
        text = restore(tidy(unquote(claim.get("text", "")), 90), mapping)
        if not refs or not text:
            continue
        j = judge_statement(text, shown.cited(refs), shown.header)
        rows.append({"case": case.ctx.account_id, "field": name, "text": text, "faithful": j.faithful})
    return rows


def replay_report(cases: list[Any] | None = None) -> dict[str, Any]:
    """Every recorded draft replayed: what reaches the inbox, judged by evals.faithfulness (not the checker)."""
    from agent.grounding import minilm_grounder

    cases = cases if cases is not None else recorded_cases()
    grounder = minilm_grounder()
    statements: list[dict[str, Any]] = []
    per_kind: dict[str, dict[str, Any]] = {k: {"recorded": 0, "model_source": 0, "fallback_fields": 0} for k in KINDS}
    placeholders: list[dict[str, str]] = []
    redaction_markers = 0
    dropped: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            for kind in KINDS:
                out = replay_draft(kind, case, grounder, Path(tmp))
                if out is None:
                    continue
                k = per_kind[kind]
                k["recorded"] += 1
                k["model_source"] += out.source == "model"
                k["fallback_fields"] += len(out.fallbacks) if out.source == "model" else 0
                rows, texts = _judged(kind, out, case)
                statements += rows
                if kind == "brief":
                    dropped += dropped_brief_statements(case, out)
                for text in texts:
                    hits = [m.group(0) for m in PLACEHOLDER.finditer(text)]
                    marks = [h for h in hits if REDACTION.fullmatch(h)]
                    redaction_markers += len(marks) if kind == "knowledge" else 0
                    real = [h for h in hits if not (kind == "knowledge" and REDACTION.fullmatch(h))]
                    placeholders += [{"case": case.ctx.account_id, "draft": kind, "placeholder": h} for h in real]

    def share(rows: list[dict[str, Any]]) -> float | None:
        return round(sum(r["faithful"] for r in rows) / len(rows), 4) if rows else None

    judged = [r for r in statements if r["check"] == "statement"]
    extractive = [r for r in statements if r["check"] == "extractive"]
    traced = [r for r in statements if r["check"] == "traceable"]
    specifics = [r for r in statements if r["check"] == "specifics"]
    return {
        "cases": len(cases),
        "generated_cases": sum(c.archetype != "hand-written" for c in cases),
        "drafts": per_kind,
        "placeholders": len(placeholders), "placeholder_examples": placeholders[:5],
        "article_redaction_markers": redaction_markers,
        "model_statements_judged": len(judged),
        "model_statement_faithfulness": share(judged),
        "faithfulness_by_draft": {k: share([r for r in judged if r["draft"] == k]) for k in KINDS},
        "unfaithful_examples": [{k: r[k] for k in ("case", "draft", "field", "text", "reasons")}
                                for r in judged if not r["faithful"]][:12],
        "extractive_brief_statements_judged": len(extractive),
        "extractive_brief_faithfulness": share(extractive),
        "brief_fields_not_known": sum(r["check"] == "not_known" for r in statements),
        # The same share with every "not known" field counted as unfaithful (the strictest reading).
        "extractive_brief_faithfulness_all_fields": share(
            [r | {"faithful": bool(r["faithful"])} for r in statements if r["check"] in ("extractive", "not_known")]),
        "extractive_unfaithful_examples": [{k: r[k] for k in ("case", "field", "text", "reasons")}
                                           for r in extractive if not r["faithful"]][:6],
        "specifics_supported": share(specifics), "specifics_judged": len(specifics),
        "specifics_failures": [{k: r[k] for k in ("case", "draft", "field", "text", "reasons")}
                               for r in specifics if not r["faithful"]][:8],
        "checker_dropped_brief_statements": len(dropped),
        "judge_faithful_among_dropped": share(dropped),
        "published_articles": len(traced), "articles_traceable": share(traced),
        "untraceable_examples": [{k: r[k] for k in ("case", "text", "reasons")} for r in traced if not r["faithful"]][:5],
    }


if __name__ == "__main__":
    import json
    import sys

    report = replay_report()
    text = json.dumps(report, indent=1, default=str)
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_text(text)
    print(text)
