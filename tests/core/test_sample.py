"""The sample generator: deterministic, valid, varied, and truthful about what it planted."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from datetime import UTC, datetime

import pytest

from core.events import EVENT_ADAPTER, dump_event
from core.models.records import AuthorSide
from core.sample import (
    COMPLIANCE_TERMS,
    ESCALATION_PHRASES,
    SPECS,
    Archetype,
    ListTextSource,
    generate,
    read_events,
    sample_path,
    truth_path,
    write_sample,
)
from core.sample.files import SAMPLE_ACCOUNTS, SAMPLE_MONTHS, SAMPLE_SEED


@pytest.fixture(scope="module")
def sample():
    return generate()


def _by_account(sample):
    out: dict[str, list] = {}
    for e in sample.events:
        out.setdefault(getattr(e.payload, "account_id", None) or e.payload.id, []).append(e)
    return out


def test_same_seed_gives_identical_events(sample) -> None:
    assert generate().events_jsonl() == sample.events_jsonl()


def test_different_seed_gives_different_events(sample) -> None:
    assert generate(seed=8, n_accounts=15).events_jsonl() != sample.events_jsonl()


def test_every_event_validates_against_the_ingest_adapter(sample) -> None:
    for event in sample.events:
        assert EVENT_ADAPTER.validate_json(dump_event(event)) == event


def test_event_ids_are_unique(sample) -> None:
    ids = [e.event_id for e in sample.events]
    assert len(ids) == len(set(ids))


def test_events_are_sorted_and_inside_the_window(sample) -> None:
    times = [e.occurred_at for e in sample.events]
    assert times == sorted(times)
    assert max(times) <= datetime(2026, 11, 20, tzinfo=UTC)


def test_every_archetype_is_present(sample) -> None:
    mix = Counter(t.archetype for t in sample.truth)
    assert set(mix) == set(Archetype)
    assert sum(mix.values()) == 40


def test_escalations_follow_their_first_warning_sign(sample) -> None:
    escalating = [t for t in sample.truth if t.escalates]
    assert len(escalating) >= 10
    events = _by_account(sample)
    for truth in escalating:
        assert truth.first_signal_at is not None and truth.escalation_at is not None
        assert truth.first_signal_at < truth.escalation_at, truth.account_id
        at_escalation = [e for e in events[truth.account_id]
                         if e.type == "message.created" and e.occurred_at == truth.escalation_at]
        assert at_escalation and at_escalation[0].payload.author_side == AuthorSide.customer


def test_truth_matches_archetype_spec(sample) -> None:
    for truth in sample.truth:
        spec = SPECS[truth.archetype]
        assert truth.at_risk == spec.at_risk and truth.escalates == spec.escalates
        assert (truth.expected_tier is None) == (not spec.at_risk)
        assert truth.has_compliance_terms == (truth.archetype == Archetype.compliance)
        if truth.has_compliance_terms:
            assert "compliance" in truth.expected_roles


def _customer_texts(events):
    return [e.payload.text.lower() for e in events
            if e.type == "message.created" and e.payload.author_side == AuthorSide.customer]


def test_compliance_terms_appear_only_in_compliance_accounts(sample) -> None:
    events = _by_account(sample)
    for truth in sample.truth:
        texts = [e.payload.text.lower() for e in events[truth.account_id] if e.type == "message.created"]
        hits = any(term in text for text in texts for term in COMPLIANCE_TERMS)
        assert hits == truth.has_compliance_terms, truth.account_id


def test_healthy_and_hard_negative_customers_never_use_escalation_language(sample) -> None:
    events = _by_account(sample)
    for truth in sample.truth:
        if truth.at_risk:
            continue
        for text in _customer_texts(events[truth.account_id]):
            assert not any(p in text for p in ESCALATION_PHRASES), (truth.account_id, text)


def test_ticket_changes_are_new_snapshots(sample) -> None:
    snapshots = Counter(e.payload.id for e in sample.events if e.type == "ticket.upserted")
    assert max(snapshots.values()) >= 4
    reopened = [e for e in sample.events if e.type == "ticket.upserted" and e.payload.reopen_count > 0]
    owned = [e for e in sample.events if e.type == "ticket.upserted" and e.payload.engineering_owner]
    assert reopened and owned


def test_usage_drop_is_at_least_40_percent_week_over_week(sample) -> None:
    events = _by_account(sample)
    for truth in sample.truth:
        usage = [e.payload.active_users for e in events[truth.account_id] if e.type == "usage.recorded"]
        worst = min(b / a for a, b in zip(usage, usage[1:], strict=False) if a)
        if truth.archetype in (Archetype.usage_drop_renewal, Archetype.seasonal_dip):
            assert worst <= 0.6, truth.account_id
        elif truth.archetype != Archetype.silence_before_renewal:
            assert worst > 0.8, truth.account_id


def test_message_texts_are_varied(sample) -> None:
    texts = [e.payload.text for e in sample.events if e.type == "message.created"]
    assert len(texts) > 1000
    assert len(set(texts)) / len(texts) > 0.95
    subjects = {e.payload.subject for e in sample.events if e.type == "ticket.upserted"}
    assert len(subjects) > 150
    assert not any("lorem" in t.lower() for t in texts)


def test_text_source_supplies_customer_sentences() -> None:
    marker = {"negative": ["NEG-REAL sentence."], "neutral": ["NEU-REAL sentence."], "positive": ["POS-REAL sentence."]}
    sample = generate(seed=3, n_accounts=14, text_source=ListTextSource(marker))
    texts = _customer_texts(sample.events)
    for label in ("neg-real", "neu-real", "pos-real"):
        assert any(label in t for t in texts), label
    drift = next(t for t in sample.truth if t.archetype == Archetype.slow_drift)
    late = [e for e in _by_account(sample)[drift.account_id] if e.type == "message.created"
            and e.payload.author_side == AuthorSide.customer and e.occurred_at >= drift.first_signal_at]
    assert any("neg-real" in e.payload.text.lower() for e in late)


def test_list_text_source_rejects_unknown_labels() -> None:
    with pytest.raises(ValueError):
        ListTextSource({"angry": ["x"]})


def test_naive_end_is_refused() -> None:
    with pytest.raises(ValueError):
        generate(n_accounts=2, end=datetime(2026, 1, 1))


def test_committed_sample_matches_regeneration(tmp_path) -> None:
    committed = sample_path()
    events_path, truth = write_sample(tmp_path, seed=SAMPLE_SEED, n_accounts=SAMPLE_ACCOUNTS, months=SAMPLE_MONTHS,
                                      compress=committed.suffix == ".gz")
    assert events_path.name == committed.name
    assert events_path.read_bytes() == committed.read_bytes()
    assert truth.read_bytes() == truth_path().read_bytes()
    assert committed.stat().st_size < 3_000_000


def test_committed_sample_reads_back(tmp_path) -> None:
    events = read_events()
    assert len(events) > 3000
    truth = json.loads(truth_path().read_text())
    assert len(truth) == SAMPLE_ACCOUNTS
    gz, _ = write_sample(tmp_path, n_accounts=3, compress=True)
    assert gzip.decompress(gz.read_bytes()).count(b"\n") == len(read_events(gz))
