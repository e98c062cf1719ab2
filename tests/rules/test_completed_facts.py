"""Facts that were defaults before issue 12: pricing topic, resource conflict, prior Red cases; the risk model."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from rules.detector import Detector
from rules.facts import rule_facts
from rules.risk_model import RiskModel, RiskModelError, RiskModelSpec, Term, load_risk_model, risk_features
from rules.scoring import score_signals
from rules.signals import compute_signals
from rules.thresholds import Thresholds
from tests.rules.history import History, healthy


def _facts(h: History) -> dict:
    detector = Detector(Thresholds())
    detector.process(h.events)
    facts, signals = compute_signals(detector.window(h.account_id), h.now.timestamp(), detector.th)
    return rule_facts(facts, score_signals(signals, facts, detector.th))


def test_pricing_topic_comes_from_customer_words() -> None:
    h = healthy(weeks=1)
    assert _facts(h)["pricing_or_contract_topic"] is False
    h.ticket("t9", subject="Question").say("t9", "Could you send the invoice for the extra seats?")
    assert _facts(h)["pricing_or_contract_topic"] is True


def test_pricing_words_inside_other_words_do_not_count() -> None:
    h = healthy(weeks=1)
    h.ticket("t9", subject="Question").say("t9", "The priceless dashboard contractor view is great.")
    assert _facts(h)["pricing_or_contract_topic"] is False


def test_resource_conflict_is_ownership_ping_pong() -> None:
    h = healthy(weeks=1)
    for who in ("maya", "leo", "camille"):
        h.wait(hours=3).ticket("t9", subject="Sync stuck", status="open", assignee=who)
    assert _facts(h)["resource_conflict"] is False  # handed on, never back
    h.wait(hours=3).ticket("t9", subject="Sync stuck", status="open", assignee="leo")
    assert _facts(h)["resource_conflict"] is True


def test_prior_red_cases_counts_red_episodes_in_the_last_year() -> None:
    h = healthy(weeks=1)
    detector = Detector(Thresholds())
    detector.process(h.events)
    w = detector.window(h.account_id)
    t0 = h.now.timestamp()
    w.mark_red(t0)
    w.mark_red(t0 + 3600)  # same episode
    assert w.red_cases(t0 + 7200) == 0  # the current episode is not a prior case
    w.mark_red(t0 + 10 * 86400)
    assert w.red_cases(t0 + 20 * 86400) == 2
    assert w.red_cases(t0 + 370 * 86400) == 1  # the first episode fell out of the 12 months


def _spec(**terms: float) -> RiskModelSpec:
    return RiskModelSpec(version="t", intercept=-1.0, review_threshold=0.5,
                         terms={k: Term(mean=0.0, scale=1.0, weight=w) for k, w in terms.items()})


def test_risk_model_is_a_logistic_regression_with_contributions() -> None:
    model = RiskModel(_spec(sla_breached=2.0, reopened=0.5))
    est = model.estimate({"sla_breached": 1.0, "reopened": 0.0})
    assert est.probability == pytest.approx(1 / (1 + math.exp(-1.0)), abs=1e-4)
    assert est.contributions == {"sla_breached": 2.0, "reopened": 0.0}
    assert est.top() == [("sla_breached", 2.0)]


def test_risk_model_raises_a_review_item_but_never_a_case() -> None:
    h = healthy(weeks=2)
    plain = Detector(Thresholds())
    plain.process(h.events)
    base = plain.assess(h.account_id, h.now)
    eager = Detector(Thresholds(), risk_model=RiskModel(_spec(log_events=5.0)))
    eager.process(h.events)
    a = eager.assess(h.account_id, h.now)
    assert a.context["risk_probability"] > 0.5 and a.needs_review
    assert a.band == base.band and a.score == base.score
    assert "log_events" in a.context["risk_drivers"]


def test_risk_features_cover_every_signal_kind() -> None:
    h = healthy(weeks=1)
    detector = Detector(Thresholds())
    detector.process(h.events)
    feats = detector.risk_features(h.account_id, h.now + timedelta(hours=1))
    assert {"sig_sla_breach", "sig_escalation_language", "log_hours_since_ticket_update"} <= set(feats)
    assert feats == risk_features(*compute_signals(detector.window(h.account_id),
                                                   (h.now + timedelta(hours=1)).timestamp(), detector.th))


def test_a_bad_risk_model_file_is_a_clear_error(tmp_path) -> None:
    bad = tmp_path / "m.yaml"
    bad.write_text("version: x\nintercept: 0\nreview_threshold: 2\nterms: {}\n")
    with pytest.raises(RiskModelError, match="review_threshold"):
        load_risk_model(bad)
    assert load_risk_model(None) is None


class FakeMeaning:
    """Says a message means escalation when it mentions 'supervisor' (a word no listed phrase has)."""

    def similar(self, texts):
        return [(0.9, "Please get management involved") if "supervisor" in t else (0.1, "x") for t in texts]


def test_escalation_language_by_meaning_keeps_its_evidence() -> None:
    h = healthy(weeks=1)
    h.ticket("t9", subject="Sync").say("t9", "Could a supervisor look at this now, please?")
    plain = Detector(Thresholds())
    plain.process(h.events)
    assert "escalation_language" not in {s.kind for s in plain.assess(h.account_id, h.now).signals}
    meant = Detector(Thresholds(), meaning=FakeMeaning())
    meant.process(h.events)
    sig = next(s for s in meant.assess(h.account_id, h.now).signals if s.kind == "escalation_language")
    assert "~Please get management involved (0.90)" in sig.detail
    assert sig.evidence[0].record_type == "message" and "supervisor" in sig.evidence[0].quote


def test_risk_model_never_turns_a_confident_red_case_into_a_review_item() -> None:
    h = healthy(weeks=2)
    th = Thresholds(band_amber=0.0, band_red=0.0)  # every assessment with a signal is Red
    plain = Detector(th, review_floor=0.0)
    plain.process(h.events)
    base = plain.assess(h.account_id, h.now)
    eager = Detector(th, review_floor=0.0, risk_model=RiskModel(_spec(log_events=5.0)))
    eager.process(h.events)
    a = eager.assess(h.account_id, h.now)
    assert base.band.value == a.band.value == "red" and not base.needs_review
    assert a.context["risk_probability"] > 0.5 and not a.needs_review  # the case opens as without the model


def test_ticket_facts_get_their_own_term_when_the_window_has_no_customer_message() -> None:
    from rules.risk_model import TICKET_ONLY_TERMS

    facts = {"hours_since_ticket_update": 5.0, "max_ticket_updates": 3, "highest_open_priority": "p2",
             "solved_tickets_recent": 1}
    quiet = risk_features({**facts, "customer_messages": 0}, [])
    talking = risk_features({**facts, "customer_messages": 2}, [])
    assert quiet["ticket_only"] == 1.0 and talking["ticket_only"] == 0.0
    for name in TICKET_ONLY_TERMS:
        assert quiet[f"{name}_ticket_only"] == quiet[name] and talking[f"{name}_ticket_only"] == 0.0
    assert quiet["log_hours_since_ticket_update_ticket_only"] > 1.7 and quiet["open_p2_ticket_only"] == 1.0
    # The base terms do not depend on the conversation.
    assert {k: v for k, v in quiet.items() if "ticket_only" not in k} == \
        {k: v for k, v in talking.items() if "ticket_only" not in k}
