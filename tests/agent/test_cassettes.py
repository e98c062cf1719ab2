"""Replay of the real embedded model's drafts (vcrpy cassettes recorded by tests/agent/record_drafts.py).

Replay never calls out (record mode "none"); a partly played cassette fails. What is checked here is
what reaches the inbox after the grounding and sendability checks: no placeholder, no unsupported
statement, article solutions traceable to resolution evidence. Brief faithfulness is scored by
`evals.briefs.judge`, which shares no code with `agent.grounding` (the checker).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
import vcr

from agent.drafting import draft_brief, draft_customer_update, extract_knowledge, propose_next_actions
from agent.grounding import Grounder, minilm_grounder
from agent.llm import ChatModelPort
from agent.outputs import BRIEF_FIELDS, Brief, CustomerUpdate, KnowledgeDraft, NextActions
from core.settings import Settings
from evals.briefs import judge
from tests.agent.agent_cases import case_contexts, resolution_for, update_facts_for

CASSETTES = Path(__file__).parent / "cassettes"
CASES = {ctx.account_id: ctx for ctx in case_contexts()}
recorder = vcr.VCR(cassette_library_dir=str(CASSETTES), record_mode="none", match_on=["method", "uri", "body"],
                   filter_headers=["authorization", "cookie", "set-cookie"], decode_compressed_response=True)
# The test's own placeholder detector (not the checker's): brackets, braces, angle tags, XXX, "Your Name".
PLACEHOLDER = re.compile(r"\[[^\]]*\]?|\{[^}]*\}|<[^>]*>|XXX|your name|customer name", re.I)


def _recorded(kind: str) -> list[str]:
    return sorted(p.stem.removeprefix(f"{kind}_") for p in CASSETTES.glob(f"{kind}_*.yaml"))


def _texts(ctx) -> dict[str, str]:  # type: ignore[no-untyped-def]
    texts = {m.ref: m.text for m in ctx.messages}
    for signal in ctx.signals:
        for ev in signal.evidence:
            texts[ev.ref] = f"{texts.get(ev.ref, '')} {ev.quote} {signal.detail}"
    return texts


@cache
def _grounder() -> Grounder:
    return minilm_grounder()


def _replay(kind: str, account_id: str, tmp_path: Path, run: Callable[[ChatModelPort, Settings], object]) -> object:
    settings = Settings(data_dir=tmp_path, llm_timeout_s=900, llm_max_retries=0, llm_enabled=True)
    with recorder.use_cassette(f"{kind}_{account_id}.yaml") as cassette:
        result = run(ChatModelPort.from_settings(settings), settings)
    assert cassette.all_played, f"cassette {kind}_{account_id} was only partly played"
    return result


def replay_brief(account_id: str, tmp_path: Path) -> Brief:
    ctx = CASES[account_id]
    return _replay("brief", account_id, tmp_path,  # type: ignore[return-value]
                   lambda m, s: draft_brief(ctx, m, s, grounder=_grounder()))


@pytest.mark.parametrize("account_id", _recorded("brief"))
def test_recorded_briefs_reach_the_inbox_only_with_supported_statements(account_id: str, tmp_path: Path) -> None:
    ctx = CASES[account_id]
    brief = replay_brief(account_id, tmp_path)
    for name, st in brief.statements().items():
        assert st.text and st.citations and set(st.citations) <= ctx.allowed_refs
        if brief.source == "model" and name not in brief.fallbacks:
            # Independently of the checker: every number the statement states is in its cited evidence.
            cited = " ".join(_texts(ctx).get(ref, "") for ref in st.citations) + ctx.tickets_summary
            shown = brief.restored().statements()[name].text
            assert set(re.findall(r"\d+", shown)) <= set(re.findall(r"\d+", cited)), shown
        assert not PLACEHOLDER.search(brief.restored().statements()[name].text)
    dumped = brief.model_dump_json(exclude={"redactions"})
    assert "4111" not in dumped and "DE89" not in dumped


def test_recorded_model_statements_are_faithful_by_an_independent_judge(tmp_path: Path) -> None:
    accounts = _recorded("brief")
    if not accounts:
        pytest.skip("no recorded briefs")
    verdicts = []
    for account_id in accounts:
        brief = replay_brief(account_id, tmp_path)
        if brief.source != "model":
            continue
        judged = judge(brief, CASES[account_id])["statements"]
        verdicts += [judged[name]["faithful"] for name in BRIEF_FIELDS if name not in brief.fallbacks]
    assert verdicts, "no model statement survived the checks on any recorded case"
    assert sum(verdicts) / len(verdicts) >= 0.9


@pytest.mark.parametrize("account_id", _recorded("next_actions"))
def test_recorded_actions_cite_the_case_and_promise_nothing(account_id: str, tmp_path: Path) -> None:
    ctx = CASES[account_id]
    actions: NextActions = _replay("next_actions", account_id, tmp_path,  # type: ignore[assignment]
                                   lambda m, s: propose_next_actions(ctx, m, s, grounder=_grounder()))
    assert 1 <= len(actions.actions) <= 3
    for action in actions.actions:
        assert set(action.citations) <= ctx.allowed_refs
        assert not re.search(r"refund|credit|compensat", f"{action.action} {action.rationale}", re.I)


@pytest.mark.parametrize("account_id", _recorded("customer_update"))
def test_recorded_updates_can_be_sent(account_id: str, tmp_path: Path) -> None:
    ctx, facts = CASES[account_id], update_facts_for(CASES[account_id])
    update: CustomerUpdate = _replay("customer_update", account_id, tmp_path,  # type: ignore[assignment]
                                     lambda m, s: draft_customer_update(ctx, m, s, facts=facts, grounder=_grounder()))
    shown = update.restored()
    assert not PLACEHOLDER.search(shown.body) and not PLACEHOLDER.search(shown.subject)
    assert shown.body.startswith("Hello Alex,") and shown.body.rstrip().endswith(facts.owner_title or "")
    assert "Priya Raman" in shown.body and facts.ticket_refs[0] in shown.subject
    assert not re.search(r"refund|credit|the customer|internal", shown.body, re.I)
    assert set(update.citations) <= ctx.allowed_refs


@pytest.mark.parametrize("account_id", _recorded("knowledge"))
def test_recorded_article_solutions_trace_to_resolution_evidence(account_id: str, tmp_path: Path) -> None:
    ctx, resolution = CASES[account_id], resolution_for(CASES[account_id])
    draft: KnowledgeDraft = _replay("knowledge", account_id, tmp_path,  # type: ignore[assignment]
                                    lambda m, s: extract_knowledge(ctx, m, s, resolution=resolution,
                                                                   grounder=_grounder()))
    words = lambda text: set(re.findall(r"[a-z0-9]{4,}", text.lower()))  # noqa: E731
    solved = set().union(*(words(r.text) for r in resolution))
    share = len(words(draft.solution) & solved) / max(1, len(words(draft.solution)))
    assert share >= 0.6, draft.solution
    assert {r.ref for r in resolution} & set(draft.citations)
