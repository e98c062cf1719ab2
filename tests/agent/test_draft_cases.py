"""The recording cases drawn from the evaluation's generated histories (evals/draft_cases.py)."""

from __future__ import annotations

from collections import Counter

from agent.drafting import _prepare
from evals.draft_cases import draft_cases, resolver_note
from evals.scenario import SPECS, Archetype


def test_sixty_red_cases_from_at_risk_generated_accounts() -> None:
    cases = draft_cases()
    assert len(cases) == 60
    assert len({c.ctx.account_id for c in cases}) == 60
    assert all(c.ctx.band == "red" and c.ctx.allowed_refs for c in cases)
    archetypes = Counter(c.archetype for c in cases)
    assert all(SPECS[Archetype(a)].at_risk for a in archetypes) and len(archetypes) >= 6


def test_update_facts_and_resolution_come_from_the_record() -> None:
    cases = draft_cases()
    for c in cases:
        assert c.facts.owner_name and c.facts.owner_title
        for r in c.resolution:
            assert r.ref.startswith(("approval:", "message:")) and r.text.strip()
    assert sum(bool(c.resolution) for c in cases) >= 30


def test_resolver_note_reuses_the_slot_values_the_subject_names() -> None:
    assert resolver_note("SSO broken for 37 users", "acc-x")  # a topic subject with a {count} slot
    assert resolver_note("A subject no topic has", "acc-x") == ""


def test_prompts_are_the_same_from_run_to_run() -> None:
    first = [_prepare(c.ctx)[3] for c in draft_cases()[:5]]
    draft_cases.cache_clear()
    assert [_prepare(c.ctx)[3] for c in draft_cases()[:5]] == first
