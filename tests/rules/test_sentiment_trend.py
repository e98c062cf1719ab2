"""Issue 12: the account-level sentiment trend (slope of customer tone over time) and its confidence."""

from __future__ import annotations

from datetime import timedelta

from rules.detector import Detector
from rules.risk_model import RiskModel, RiskModelSpec, Term
from rules.signals.ports import Reading
from rules.signals.text import WEEK, sentiment_trend
from rules.thresholds import Thresholds
from tests.rules.history import History, healthy


def _msgs(polarities: list[float], days_apart: float = 2.0) -> list[tuple]:
    # (id, ticket, at, label, polarity, intensity, ambiguous, quote): the window's message tuples
    return [(f"m{i}", "t", i * days_apart * 86_400.0, "neutral", p, 0.0, False, f"text {i}")
            for i, p in enumerate(polarities)]


def test_a_steady_fall_is_a_confident_negative_slope() -> None:
    slope, confidence, n = sentiment_trend(_msgs([0.6, 0.4, 0.2, 0.0, -0.2, -0.4, -0.6, -0.8]))
    assert n == 8 and confidence > 0.99
    # 0.2 polarity every 2 days = 0.7 per week
    assert abs(slope - (-0.2 / 2 * WEEK / 86_400.0)) < 1e-9


def test_noise_without_direction_has_little_confidence() -> None:
    slope, confidence, _ = sentiment_trend(_msgs([0.5, -0.5, 0.4, -0.4, 0.5, -0.5, 0.45, -0.45]))
    assert abs(slope) < 0.2 and confidence < 0.5


def test_few_messages_give_no_trend_and_few_weigh_less() -> None:
    assert sentiment_trend(_msgs([0.5, -0.5])) == (0.0, 0.0, 2)
    assert sentiment_trend(_msgs([0.5, 0.5, 0.5], days_apart=0.0))[:2] == (0.0, 0.0)
    _, four, _ = sentiment_trend(_msgs([0.6, 0.2, -0.2, -0.61]))
    _, eight, _ = sentiment_trend(_msgs([0.6, 0.4, 0.2, 0.0, -0.2, -0.4, -0.6, -0.81]))
    assert four <= 0.5 < eight


class _Falling:
    """A reader whose polarity falls with every message it reads (the detector's trend input)."""

    version = "falling-test"

    def __init__(self) -> None:
        self.n = 0

    def predict(self, texts):  # type: ignore[no-untyped-def]
        out = []
        for _ in texts:
            p = max(-1.0, 0.9 - 0.35 * self.n)
            self.n += 1
            out.append(Reading("negative" if p < -0.1 else "neutral", p, 0.1, False))
        return out


def test_a_falling_account_gets_the_trend_signal_with_its_evidence_and_fact() -> None:
    h = History()
    h.account().contact("c1", key=True)
    h.ticket("t1")
    for i in range(9):
        h.wait(days=1).say("t1", f"update number {i} on the export")
    detector = Detector(Thresholds(), sentiment=_Falling())
    detector.process(h.events)
    a = detector.assess(h.account_id, h.now + timedelta(hours=1))
    [trend] = [s for s in a.signals if s.kind == "sentiment_trend"]
    assert trend.rule_id == "SIG-TXT-TREND" and trend.evidence and trend.confidence >= 0.9
    facts = detector.facts(h.account_id, h.now + timedelta(hours=1))
    assert facts["sentiment_trend"] < -1.0 and facts["sentiment_trend_messages"] == 9
    assert detector.risk_features(h.account_id, h.now + timedelta(hours=1))["sentiment_trend"] < -0.9


def test_a_steady_account_has_no_trend_signal() -> None:
    h = healthy(weeks=6)
    detector = Detector(Thresholds())
    detector.process(h.events)
    a = detector.assess(h.account_id, h.now)
    assert "sentiment_trend" not in {s.kind for s in a.signals}


def test_with_a_risk_model_loaded_low_confidence_alone_raises_no_review_item() -> None:
    """Low confidence off green asks a person only when no fitted model is there to decide."""
    h = healthy(weeks=3)
    h.ticket("t9", subject="Export broken").wait(hours=30).sla("t9", "breached")
    th = Thresholds(band_amber=5.0, band_red=90.0)
    plain = Detector(th, review_floor=0.9)
    plain.process(h.events)
    base = plain.assess(h.account_id, h.now)
    assert base.band.value == "amber" and base.confidence < 0.9 and base.needs_review
    calm = RiskModel(RiskModelSpec(version="t", intercept=-8.0, review_threshold=0.5,
                                   terms={"sla_breached": Term(weight=1.0)}))
    fitted = Detector(th, review_floor=0.9, risk_model=calm)
    fitted.process(h.events)
    a = fitted.assess(h.account_id, h.now)
    assert a.band == base.band and a.score == base.score and not a.needs_review
