"""Drafting cases drawn from the evaluation's generated account histories (evals/scenario).

Each at-risk account of the test split (template text, so the cases do not depend on downloaded data)
is replayed through the in-memory detector up to the moment its case opens (evals.replay: the escalation,
else the first Red flag after the first warning sign), and the drafting context is built from that
snapshot exactly as the product builds it for a case (evals.routing.case_context mirrors
graph/case_context.build_case_context). The customer-update facts are filled from the record as
graph/case_context.update_facts fills them; the knowledge draft's context is the same account as of the
end of its history, with the support reply that reports a fix (agent.extractive.find_resolution) as its
only resolution evidence (a generated history has no resolver's note).

Everything is deterministic (fixed seed, lexicon sentiment, no embeddings), so the prompts are
byte-identical from run to run and recorded model answers (tests/agent/cassettes) replay.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path

from agent.context import CaseContext, ResolutionEvidence, UpdateFacts
from core.models import AuthorSide, Contact, Role
from core.sample import DEFAULT_END
from core.settings import Settings
from evals.replay import AccountRun, CaseSnapshot, grid, replay_account
from evals.routing import case_context
from evals.scenario import generate
from evals.scenario.text import fill
from evals.scenario.topics import TOPICS, fill_slots
from evals.scenarios import MIXES, SEEDS
from graph.case_context import resolution_evidence
from graph.roster import ROLE_TITLES

N_ACCOUNTS = 160  # the test split's mix at this size holds 60+ at-risk accounts with a Red case
MONTHS = 6
_OPEN = ("new", "open", "pending", "on_hold")
# First-response / next-update targets by priority, hours (the shipped SLA policy's order of magnitude);
# only used to say when the next customer update is due.
_NEXT_UPDATE_H = {"p1": 4, "p2": 24, "p3": 48, "p4": 72}


@dataclass(frozen=True)
class DraftCase:
    """One case to draft: the context at case open, the update's record facts, and the resolution evidence
    a knowledge draft may take its solution from (empty: the solution is unknown)."""

    ctx: CaseContext
    facts: UpdateFacts
    resolution: tuple[ResolutionEvidence, ...]
    archetype: str = ""


def _detector():  # type: ignore[no-untyped-def]
    from rules.detect import default_ruleset
    from rules.detector import Detector
    from rules.reference import ReferenceEvaluator
    from rules.signals.lexicon import LexiconSentiment
    from rules.thresholds import Thresholds

    settings = Settings(data_dir=Path("/nonexistent-draft-cases"), llm_enabled=False)
    engine = default_ruleset(settings)
    return Detector(Thresholds(), LexiconSentiment(), ReferenceEvaluator(engine.ruleset),  # type: ignore[attr-defined]
                    settings.review_confidence_floor)


def _update_facts(snap: CaseSnapshot, contacts: dict[str, Contact]) -> UpdateFacts:
    """As graph/case_context.update_facts: the contact who wrote last, the owner (the account's CSM, the
    role every at-risk case includes), open tickets, the next update due from the main ticket."""
    writers = [m.author_id for m in snap.messages if m.author_side == AuthorSide.customer and m.author_id in contacts]
    contact = contacts[writers[-1]] if writers else next(iter(contacts.values()), None)
    main = min(snap.tickets, key=lambda t: (t.priority.value, -t.created_at.timestamp()), default=None)
    due = snap.at + timedelta(hours=_NEXT_UPDATE_H.get(main.priority.value, 24)) if main else None
    return UpdateFacts(
        contact_name=contact.name if contact else None, owner_name=snap.account.csm,
        owner_title=ROLE_TITLES[Role.csm], ticket_refs=[f"#{t.id}" for t in snap.tickets[-3:]],
        topic=main.subject if main else "", next_update_at=due,
    )


def _template(subject: str) -> re.Pattern[str]:
    names: set[str] = set()

    def slot(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in names:
            return f"(?P={name})"
        names.add(name)
        return f"(?P<{name}>.+?)"

    return re.compile(re.sub(r"\\\{(\w+)\\\}", slot, re.escape(subject)) + "$", re.I)


def resolver_note(subject: str, account_id: str) -> str:
    """What the resolver wrote on closing the case: one of the generator's own fixes for the ticket's topic,
    with the slot values the subject names (a generated history ends before any case is resolved)."""
    for topic in TOPICS:
        for template in topic.subjects:
            found = _template(template).match(subject)
            if not found:
                continue
            rng = random.Random(account_id)
            slots = {**fill_slots(topic, rng), **found.groupdict()}
            for fix in rng.sample(topic.fixes, len(topic.fixes)):
                try:
                    return fill(fix, slots)
                except KeyError:
                    continue  # this fix needs a value the ticket never had
    return ""


@cache
def draft_cases(limit: int = 60) -> tuple[DraftCase, ...]:
    """Up to `limit` cases from the test split's at-risk accounts, in account order."""
    sample = generate(seed=SEEDS["test"], n_accounts=N_ACCOUNTS, months=MONTHS, weights=MIXES["test"])
    by_account: dict[str, list] = {}  # type: ignore[type-arg]
    contacts: dict[str, dict[str, Contact]] = {}
    for event in sample.events:
        account = event.payload.id if event.type == "account.upserted" else event.payload.account_id
        by_account.setdefault(account, []).append(event)
        if event.type == "contact.upserted":
            contacts.setdefault(account, {})[event.payload.id] = event.payload
    detector = _detector()
    start = DEFAULT_END - timedelta(days=30 * MONTHS) + timedelta(days=14)
    times = grid(start, DEFAULT_END, timedelta(hours=12))
    out: list[DraftCase] = []
    for truth in sample.truth:
        if not truth.at_risk or len(out) >= limit:
            continue
        events = by_account[truth.account_id]
        run: AccountRun = replay_account(detector, truth, events, times, DEFAULT_END)
        if run.case is None:
            continue
        snap = run.case
        snap.tickets = [t for t in snap.tickets if t.status.value in _OPEN]
        try:
            ctx = case_context(snap)
        except ValueError:
            continue  # no evidence and no message: the product opens no case it could not cite
        if ctx.band != "red":
            continue  # the product opens a case (and drafts) only on Red
        facts = _update_facts(snap, contacts.get(truth.account_id, {}))
        note = resolver_note(facts.topic, truth.account_id) if facts.topic else ""
        resolution = resolution_evidence(ctx, note, f"approval:apr-{truth.account_id}-resolve", snap.at)
        out.append(DraftCase(ctx, facts, tuple(resolution), truth.archetype.value))
    return tuple(out)
