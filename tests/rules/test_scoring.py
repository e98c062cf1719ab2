"""Scoring: exact decomposition, bands, context, review queue, and severity is not risk."""

from __future__ import annotations

from datetime import UTC, datetime

from core.models import CauseStatus, Evidence, RiskAssessment, RiskSignal
from rules.detector import Detector
from rules.scoring import score_signals
from rules.thresholds import Thresholds
from tests.rules.history import History, healthy

AT = datetime(2026, 10, 1, tzinfo=UTC)


def _sig(kind: str, value: float, weight: float, confidence: float = 0.9,
         cause: CauseStatus = CauseStatus.confirmed) -> RiskSignal:
    return RiskSignal(kind=kind, value=value, weight=weight, confidence=confidence, rule_id=f"SIG-{kind}", cause=cause,
                      evidence=[Evidence(record_type="ticket", record_id="t1", at=AT)])


def test_score_is_exactly_the_sum_of_contributions() -> None:
    th = Thresholds()
    scored = score_signals([_sig("sla_breach", 0.6, 18), _sig("handoffs", 0.8, 10), _sig("usage_drop", 0.9, 18)],
                           {"arr_tier": "strategic", "in_renewal_window": True}, th)
    assert abs(scored.score - sum(s.contribution for s in scored.signals)) < 1e-9
    assert scored.multiplier == round(1.2 * 1.15, 4)
    RiskAssessment(account_id="a", score=scored.score, band=scored.band, confidence=scored.confidence,
                   needs_review=False, signals=scored.signals, ruleset_version="v", assessed_at=AT)


def test_score_caps_at_100_and_bands() -> None:
    th = Thresholds()
    scored = score_signals([_sig(k, 1.0, 40) for k in ("sla_breach", "usage_drop", "handoffs")], {}, th)
    assert scored.score == 100 and scored.band.value == "red"
    assert score_signals([_sig("handoffs", 0.5, 10)], {}, th).band.value == "green"
    between = (th.band_amber + th.band_red) / 2
    assert score_signals([_sig("handoffs", 1.0, between)], {}, th).band.value == "amber"


def test_one_decisive_signal_never_leaves_an_account_green() -> None:
    scored = score_signals([_sig("escalation_language", 0.8, 10)], {}, Thresholds())
    assert scored.score < 30 and scored.band.value == "amber"


def test_single_family_of_suspected_evidence_is_less_confident() -> None:
    th = Thresholds()
    lone = score_signals([_sig("tone_drift", 1.0, 40, 0.6, CauseStatus.suspected)], {}, th)
    corroborated = score_signals([_sig("tone_drift", 1.0, 40, 0.6, CauseStatus.suspected),
                                  _sig("sla_breach", 0.6, 18, 0.95), _sig("usage_drop", 0.9, 18, 0.8)], {}, th)
    assert lone.confidence < corroborated.confidence


def test_low_confidence_goes_to_review_queue_not_red_case() -> None:
    h = healthy()
    h.ticket("t9", subject="Exports slow").say("t9", "Thanks, great help, appreciate it, works nicely")
    h.wait(hours=10).say("t9", "Hmm, the export is still slow for us.")
    h.wait(hours=10).say("t9", "This is broken and still failing, terrible, we are frustrated.")
    detector = Detector(Thresholds(weights={"tone_drift": 70.0}))
    detector.process(h.events)
    assessment = detector.assess(h.account_id, h.now)
    assert [s.kind for s in assessment.signals] == ["tone_drift"]
    assert assessment.band.value != "green" and assessment.confidence < 0.6
    assert assessment.needs_review


def _p2_poor_communication() -> History:
    h = healthy(History(account_id="acc-p2"))
    h.ticket("t9", subject="Scheduled exports missing rows", priority="p2", status="open", assignee="maya")
    h.say("t9", "Our scheduled export is missing rows since Monday.")
    h.wait(hours=6).say("t9", "Have you tried clearing your browser cache?", side="agent", author="maya")
    h.wait(hours=20).sla("t9", "breached")
    h.wait(days=2).say("t9", "Just checking in again on this one.")
    h.wait(hours=4).ticket("t9", subject="Scheduled exports missing rows", priority="p2", status="open",
                           assignee="leo")
    h.wait(days=2).ticket("t9", subject="Scheduled exports missing rows", priority="p2", status="open",
                          assignee="camille", engineering_owner="viktor")
    h.wait(days=4).say("t9", "Any news? Still missing rows and nobody replies, this is frustrating.")
    return h


def _p1_transparent() -> History:
    h = healthy(History(account_id="acc-p1"))
    h.ticket("t9", subject="Production outage: dashboards down", priority="p1", status="open", assignee="ethan",
             engineering_owner="viktor")
    h.say("t9", "Our dashboards are down for all users.")
    for n in range(6):
        h.wait(hours=0.6).say("t9", f"Update {n + 1}: engineers are on it, next update in 45 minutes.", side="agent",
                              author="ethan")
    h.ticket("t9", subject="Production outage: dashboards down", priority="p1", status="solved", assignee="ethan")
    h.wait(hours=2).say("t9", "Thanks for the clear updates, all good now, great work.")
    h.csat("t9", 5, "Great communication during the incident.")
    h.wait(days=1)
    return h


def test_severity_is_not_risk_p2_with_poor_communication_outranks_transparent_p1() -> None:
    detector = Detector(Thresholds())
    p2, p1 = _p2_poor_communication(), _p1_transparent()
    detector.process(p2.events + p1.events)
    a2, a1 = detector.assess("acc-p2", p2.now), detector.assess("acc-p1", p1.now)
    assert a2.score > a1.score
    assert a2.band.value in ("amber", "red") and a1.band.value == "green"
