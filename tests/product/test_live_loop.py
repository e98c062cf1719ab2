"""The live loop on SQLite and PostgreSQL: events arrive -> accounts assessed -> one case per Red account.

Jobs run inside `enqueue` (huey immediate mode) and the clock is fixed, so each test controls time; the
detection, decision and case code is the production code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.db import schema as t
from core.events import account_of
from core.ingest import write_events
from core.sample import read_events
from core.settings import Settings
from core.store.approvals import list_approvals
from core.store.cases import list_escalations
from core.store.detection import due_accounts, pending_count
from core.store.ledger import read_outbox
from core.store.reviews import list_reviews
from product import Product, build_product
from product.assess import assess_pending, run_assessment, sweep
from product.clock import FixedClock

ACCOUNTS = 14  # the first accounts of the committed sample: small enough to run on both databases
# None of these 14 reaches the shipped Red score fitted on dev (rules/fitted/thresholds.yaml: 50); the case
# mechanics are tested with an operator's thresholds file at the former hand-set 25 (the shipped risk model
# stays loaded, so its review items run through the loop too).
OPERATOR_RED = "signals:\n  band_red: 25\nrules:\n  red_score: 25\n"


def _events() -> list:
    events = sorted(read_events(), key=lambda e: (e.occurred_at, e.event_id))
    keep = sorted({account_of(e) for e in events})[:ACCOUNTS]
    return [e for e in events if account_of(e) in keep]


@pytest.fixture
def product(db_url: str, tmp_path: Path) -> Iterator[Product]:
    events = _events()
    settings = Settings(data_dir=tmp_path / "data", database_url=db_url, llm_enabled=False,
                        thresholds_file=_operator_red(tmp_path))
    built = build_product(settings, clock=FixedClock(events[0].occurred_at), immediate_jobs=True)
    yield built
    built.close()


def _operator_red(tmp_path: Path) -> Path:
    path = tmp_path / "thresholds.yaml"
    path.write_text(OPERATOR_RED)
    return path


def _stream(product: Product, events: list, chunk: int = 40) -> None:
    """Events arrive in time order, a chunk at a time; the clock follows them; each batch is assessed."""
    assert isinstance(product.clock, FixedClock)
    for i in range(0, len(events), chunk):
        part = events[i : i + chunk]
        product.clock._frozen = max(product.clock(), part[-1].occurred_at)
        write_events(product.engine, part)
        assess_pending(product)


def _rows(engine: sa.Engine, table: sa.Table) -> list[sa.Row]:
    with engine.connect() as c:
        return list(c.execute(sa.select(table)))


def test_each_red_account_opens_one_case_that_waits_for_its_first_approval(product: Product) -> None:
    events = _events()
    _stream(product, events)
    _stream(product, events)  # the same events again (a retried delivery): nothing changes

    assert pending_count(product.engine) == 0
    windows = {r.account_id: r.events for r in _rows(product.engine, t.signal_windows)}
    assert windows == dict(Counter(account_of(e) for e in events)), "each event folded exactly once"

    cases = list_escalations(product.engine)
    assert cases, "the sample's first accounts must contain a Red one"
    assert len({c.account_id for c in cases}) == len(cases)
    assessments = {r.id: r for r in _rows(product.engine, t.assessments)}
    for case in cases:
        decided_by = assessments[case.assessment_id]
        assert decided_by.account_id == case.account_id and decided_by.band == "red" and not decided_by.needs_review
        waiting = list_approvals(product.engine, case_id=case.id)
        assert len(waiting) == 1 and waiting[0].request.action == "validate_brief", waiting
    opened = [o for o in read_outbox(product.engine, kind="notification") if o["payload"]["event"] == "case_opened"]
    assert sorted(o["escalation_id"] for o in opened) == sorted(c.id for c in cases)
    assert all(o["escalation_id"] in {c.id for c in cases} for o in read_outbox(product.engine))
    for review in list_reviews(product.engine, status=None):
        body = assessments[review.assessment_id]
        # Any band: the risk model may ask a person to look at a green account (few signals, high probability).
        assert body.needs_review


def test_per_account_folding_matches_one_batch_assessment(product: Product, tmp_path: Path) -> None:
    events = _events()
    _stream(product, events, chunk=25)
    end = product.clock()
    live = {a.account_id: a for a in product.detection.assess_all(product.engine, end, persist=False)}
    batch_settings = Settings(data_dir=tmp_path / "batch", llm_enabled=False, thresholds_file=product.settings.thresholds_file)
    other = build_product(batch_settings, clock=FixedClock(end), immediate_jobs=True)
    try:
        write_events(other.engine, events)
        batch = {a.account_id: a for a in other.detection.assess_all(other.engine, end)}
    finally:
        other.close()
    assert live.keys() == batch.keys()
    for account_id, a in batch.items():
        b = live[account_id]
        assert (round(a.score, 3), a.band, sorted(a.triggered_rules)) == (round(b.score, 3), b.band,
                                                                          sorted(b.triggered_rules)), account_id


def test_an_account_that_goes_quiet_is_assessed_when_its_clock_comes_due(product: Product) -> None:
    events = _events()
    _stream(product, events)
    end = product.clock()
    before = {c.account_id for c in list_escalations(product.engine)}
    assessed_before = len(_rows(product.engine, t.assessments))
    # No new event from here on: only the recorded next_due_at moments move anything.
    horizon = end + timedelta(days=60)
    runs = 0
    while True:
        due = due_accounts(product.engine, horizon, limit=1)
        if not due:
            break
        product.clock._frozen = max(product.clock(), due[0][1])  # type: ignore[attr-defined]
        sweep(product)
        runs += 1
        assert runs < 2000, "the clock must move forward, not loop"
    assert runs > 0
    assert len(_rows(product.engine, t.assessments)) > assessed_before
    new_cases = [c for c in list_escalations(product.engine) if c.account_id not in before]
    last_event = {a: max(e.occurred_at for e in events if account_of(e) == a) for a in {account_of(e) for e in events}}
    for case in new_cases:
        assert case.opened_at > last_event[case.account_id]  # opened by time alone
    schedule = {r.account_id: r.next_due_at for r in _rows(product.engine, t.assessment_schedule)}
    assert all(at is None or at > horizon for at in schedule.values())


def test_events_before_their_account_record_wait_for_it(product: Product) -> None:
    events = _events()
    first = account_of(events[-1])
    theirs = [e for e in events if account_of(e) == first]
    record = [e for e in theirs if e.type == "account.upserted"]
    others = [e for e in theirs if e.type != "account.upserted"]
    product.clock._frozen = theirs[-1].occurred_at  # type: ignore[attr-defined]
    write_events(product.engine, others)
    outcome, decision = run_assessment(product, first)
    assert outcome is not None and not outcome.known_account and decision.kind == "none"
    assert not list_escalations(product.engine) and not list_reviews(product.engine)
    write_events(product.engine, record)
    outcome, _ = run_assessment(product, first)
    assert outcome is not None and outcome.known_account and outcome.folded == len(record)
