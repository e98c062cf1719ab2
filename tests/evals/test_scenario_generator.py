"""The scenario generator (evals/scenario): deterministic, valid, varied, and truthful about what it planted."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from datetime import UTC, datetime

import pytest

from core.events import EVENT_ADAPTER, dump_event
from core.models.records import AuthorSide
from core.sample import read_events, truth_path
from evals.scenario import SPECS, Archetype, ListTextSource, generate
from evals.scenario.files import SAMPLE_ACCOUNTS, write_sample


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


def test_healthy_accounts_carry_realistic_noise(sample) -> None:
    """Warning signs are not free labels: healthy accounts also breach SLAs, change hands and complain."""
    events = _by_account(sample)
    healthy = [t for t in sample.truth if not t.at_risk]
    breached = [t for t in healthy if any(e.type == "sla.recorded" and e.payload.status.value == "breached"
                                          for e in events[t.account_id])]
    assert len(breached) >= len(healthy) // 3
    assert any(t.archetype == Archetype.rough_but_loyal for t in healthy)


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
            assert worst > 0.4, truth.account_id  # a one-week blip (noise) goes down to ~55 %


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
    with pytest.raises(ValueError):
        ListTextSource({}, {"sarcasm": ["x"]})


def test_real_frustration_text_reaches_at_risk_stories() -> None:
    source = ListTextSource({}, {"frustration": ["REAL-FRUSTRATION sentence here."]})
    sample = generate(seed=5, n_accounts=15, text_source=source)
    drift = [t.account_id for t in sample.truth if t.archetype == Archetype.slow_drift]
    texts = [e.payload.text for e in sample.events if e.type == "message.created"
             and e.payload.account_id in drift]
    assert any("REAL-FRUSTRATION" in t for t in texts)


def test_naive_end_is_refused() -> None:
    with pytest.raises(ValueError):
        generate(n_accounts=2, end=datetime(2026, 1, 1))


def test_committed_sample_reads_back(tmp_path) -> None:
    events = read_events()
    assert len(events) > 3000
    truth = json.loads(truth_path().read_text())
    assert len(truth) == SAMPLE_ACCOUNTS
    gz, _ = write_sample(tmp_path, n_accounts=3, compress=True)
    assert gzip.decompress(gz.read_bytes()).count(b"\n") == len(read_events(gz))
