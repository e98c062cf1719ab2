"""Each signal fires, with evidence, on a crafted history, and none fires on a healthy one."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from core.models import CauseStatus
from rules.detector import Detector
from rules.signals.ports import ComplianceMatch
from rules.thresholds import Thresholds, ThresholdsError, load_thresholds
from tests.rules.history import History, healthy

ANGRY = "This is broken again and still failing. Terrible, unacceptable, we are frustrated and blocked."


class FakeCompliance:
    def match_text(self, text: str) -> list[ComplianceMatch]:
        i = text.lower().find("gdpr")
        return [ComplianceMatch("CMP-PRIVACY-GDPR", "privacy", "gdpr", (i, i + 4))] if i >= 0 else []


def detect(h: History, **kw: object) -> tuple[Detector, object]:
    detector = Detector(Thresholds(**kw) if kw else Thresholds(), compliance=FakeCompliance())
    detector.process(h.events)
    return detector, detector.assess(h.account_id, h.now)


def _negative(h: History) -> None:
    h.ticket("t9", subject="Dashboards broken")
    for _ in range(3):
        h.wait(hours=5).say("t9", ANGRY)


def _drift(h: History) -> None:
    h.ticket("t9", subject="Exports slow")
    h.say("t9", "Thanks, great help, appreciate it, works nicely")
    h.wait(hours=10).say("t9", "Hmm, the export is still slow for us.")
    h.wait(hours=10).say("t9", ANGRY)


def _escalation(h: History) -> None:
    h.ticket("t9", subject="Webhooks lost").say("t9", "This has been open for weeks. I need to speak to your manager.")


def _intensity(h: History) -> None:
    h.ticket("t9", subject="Outage").say("t9", "WHY IS THIS STILL DOWN?! FIX IT NOW!!! THIS IS RIDICULOUS!!!")


def _compliance(h: History) -> None:
    h.ticket("t9", subject="Data request").say("t9", "We received a GDPR access request from a former employee.")


def _sla(h: History) -> None:
    h.ticket("t9", subject="Sync stuck").sla("t9", "breached")


def _imminent(h: History) -> None:
    h.ticket("t9", subject="Sync stuck").sla("t9", "warning", "resolution", due_in_hours=2)


def _reopen(h: History) -> None:
    h.ticket("t9", subject="Sync stuck", assignee="maya").wait(hours=3)
    h.ticket("t9", subject="Sync stuck", status="solved", assignee="maya").wait(days=1)
    h.ticket("t9", subject="Sync stuck", status="open", assignee="maya", reopen_count=1)


def _handoffs(h: History) -> None:
    for who in ("maya", "leo", "camille"):
        h.wait(hours=5).ticket("t9", subject="Sync stuck", status="open", assignee=who)


def _eng(h: History) -> None:
    h.ticket("t9", subject="Data loss in sync", status="open", assignee="maya", engineering_owner="viktor")
    h.wait(days=5)


def _density(h: History) -> None:
    for i, c in enumerate(("c1", "c2", "c3")):
        h.wait(hours=20).ticket(f"t9{i}", subject=f"Different problem {i} with area {i * 7}", contact=c)


def _repeat(h: History) -> None:
    h.ticket("t9", subject="API returning 429s on /v3/orders")
    h.say("t9", "Since Tuesday the nightly sync hits 429 Too Many Requests on /v3/orders.")
    h.wait(hours=30).ticket("t10", subject="Too many 429 responses on /v3/orders", contact="c2")
    h.say("t10", "Opening a new ticket: the nightly sync still hits 429 Too Many Requests on /v3/orders.")


def _csat(h: History) -> None:
    h.ticket("t9", subject="Billing export").csat("t9", 1, "Not fixed at all.")
    h.wait(days=3).ticket("t10", subject="Billing export again")


def _usage(h: History) -> None:
    h.wait(days=7).usage(40)


def _adoption(h: History) -> None:
    h.account(stage="onboarding")
    for _ in range(3):
        h.wait(days=7).usage(100, adoption=0.1)


def _priority_renewal(h: History) -> None:
    h.account(renewal_in_days=30)
    h.ticket("t9", subject="Reports broken", priority="p1", status="open")


def _silence(h: History) -> None:
    h.note("Champion left: Ana moved to another company.", kind="stakeholder_change")
    h.contact("c1", key=False)


CASES: dict[str, Callable[[History], None]] = {
    "negative_sentiment": _negative, "tone_drift": _drift, "escalation_language": _escalation,
    "emotional_intensity": _intensity, "compliance_terms": _compliance, "sla_breach": _sla,
    "sla_imminent": _imminent, "reopened_tickets": _reopen, "handoffs": _handoffs,
    "engineering_silence": _eng, "account_density": _density, "repeat_contact": _repeat,
    "low_csat_then_ticket": _csat, "usage_drop": _usage, "slow_adoption": _adoption,
    "unresolved_priority_near_renewal": _priority_renewal, "stakeholder_silence": _silence,
}


def test_healthy_history_fires_nothing() -> None:
    _, assessment = detect(healthy())
    assert assessment.signals == []
    assert assessment.score == 0 and assessment.band.value == "green" and not assessment.needs_review


@pytest.mark.parametrize("kind", sorted(CASES))
def test_signal_fires_with_evidence(kind: str) -> None:
    h = healthy()
    CASES[kind](h)
    _, assessment = detect(h)
    fired = {s.kind: s for s in assessment.signals}
    assert kind in fired, f"{kind} did not fire; got {sorted(fired)}"
    signal = fired[kind]
    assert signal.evidence and all(e.record_id and e.at <= h.now for e in signal.evidence)
    assert signal.contribution > 0 and signal.rule_id


def test_evidence_quotes_the_source_span() -> None:
    h = healthy()
    _escalation(h)
    detector, assessment = detect(h)
    text = h.events[-1].payload.text
    proof = next(s for s in assessment.signals if s.kind == "escalation_language").evidence
    for e in proof:
        assert e.span is not None and text[e.span[0]:e.span[1]] == e.quote
        assert e.ref == f"message:{h.events[-1].payload.id}"


def test_compliance_signal_is_confirmed_and_named_by_the_compliance_rule() -> None:
    h = healthy()
    _compliance(h)
    _, assessment = detect(h)
    signal = next(s for s in assessment.signals if s.kind == "compliance_terms")
    assert signal.cause == CauseStatus.confirmed and signal.rule_id == "CMP-PRIVACY-GDPR"
    assert "gdpr" in signal.evidence[0].quote.lower()


def test_repeat_contact_needs_similar_text_not_just_another_ticket() -> None:
    h = healthy()
    h.ticket("t9", subject="API returning 429s on /v3/orders").say("t9", "Nightly sync hits 429 on /v3/orders.")
    h.wait(hours=30).ticket("t10", subject="How do I change the invoice currency?")
    h.say("t10", "Our finance team wants invoices in EUR from next month.")
    _, assessment = detect(h)
    assert "repeat_contact" not in {s.kind for s in assessment.signals}


def test_repeat_contact_outside_72h_does_not_count() -> None:
    h = healthy()
    h.ticket("t9", subject="API returning 429s on /v3/orders").say("t9", "Nightly sync hits 429 on /v3/orders.")
    h.wait(days=5).ticket("t10", subject="API returning 429s on /v3/orders")
    h.say("t10", "Nightly sync hits 429 on /v3/orders.")
    _, assessment = detect(h)
    assert "repeat_contact" not in {s.kind for s in assessment.signals}


def test_signals_on_a_solved_ticket_fade_after_the_lookback() -> None:
    h = healthy()
    _escalation(h)
    h.ticket("t9", subject="Webhooks lost", status="solved")
    h.wait(days=40)
    _, assessment = detect(h)
    assert "escalation_language" not in {s.kind for s in assessment.signals}


def test_signals_on_a_ticket_still_open_persist_past_the_lookback() -> None:
    h = healthy()
    _escalation(h)
    h.ticket("t9", subject="Webhooks lost", status="open")
    h.wait(days=40)
    _, assessment = detect(h)
    assert "escalation_language" in {s.kind for s in assessment.signals}


def test_thresholds_are_configuration(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "thresholds.yaml"
    path.write_text("signals:\n  usage_drop_pct: 0.8\n  weights:\n    usage_drop: 5\n")
    th = load_thresholds(path)
    assert th.usage_drop_pct == 0.8 and th.weight("usage_drop") == 5 and th.weight("sla_breach") == 18
    h = healthy()
    _usage(h)
    detector = Detector(th)
    detector.process(h.events)
    assert "usage_drop" not in {s.kind for s in detector.assess(h.account_id, h.now).signals}
    path.write_text("signals:\n  usage_drop_pc: 0.8\n")
    with pytest.raises(ThresholdsError, match="usage_drop_pc"):
        load_thresholds(path)
