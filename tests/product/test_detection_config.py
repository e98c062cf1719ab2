"""Issue 12: the product's Detection carries the escalation-by-meaning port only when the setting asks for it."""

from __future__ import annotations

from pathlib import Path

from core.settings import Settings
from product import build_product


def test_escalation_meaning_is_off_by_default_and_switching_it_changes_the_window_digest(tmp_path: Path) -> None:
    plain = build_product(Settings(data_dir=tmp_path / "a", llm_enabled=False), immediate_jobs=True)
    meant = build_product(Settings(data_dir=tmp_path / "b", llm_enabled=False, escalation_meaning=True),
                          immediate_jobs=True)
    try:
        assert plain.detection.meaning is None and plain.detection.detector().meaning is None
        assert meant.detection.detector().meaning is meant.detection.meaning is not None
        (score, prototype), = meant.detection.meaning.similar(["I want to escalate this to your manager"])
        assert prototype in meant.detection.th.escalation_prototypes and 0 < score <= 1
        # Windows read with meaning differ from windows read without: they are rebuilt, not reused.
        assert plain.detection.digest != meant.detection.digest
        assert {k: v for k, v in plain.detection.config().items() if k not in ("meaning", "windows_digest")} == {
            k: v for k, v in meant.detection.config().items() if k not in ("meaning", "windows_digest")}
    finally:
        plain.close()
        meant.close()


def test_the_shipped_dev_fitted_risk_model_runs_by_default_and_none_switches_it_off(tmp_path: Path) -> None:
    from evals.product_eval import shipped_fit

    spec, red = shipped_fit()
    default = build_product(Settings(data_dir=tmp_path / "a", llm_enabled=False), immediate_jobs=True)
    off = build_product(Settings(data_dir=tmp_path / "b", llm_enabled=False, risk_model_file=Path("none")),
                        immediate_jobs=True)
    try:
        assert default.detection.config()["risk_model"] == spec.version and default.detection.th.band_red == red
        assert default.rules.ruleset.thresholds["red_score"] == red
        assert off.detection.risk_model is None and off.detection.config()["risk_model"] is None
    finally:
        default.close()
        off.close()


def test_a_green_assessment_the_risk_model_asks_about_opens_a_review_item(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from core.models import Band, RiskAssessment
    from core.store.detection import record_assessment
    from core.store.reviews import list_reviews
    from product.assess import decide
    from rules.detect import AccountAssessment

    product = build_product(Settings(data_dir=tmp_path / "a", llm_enabled=False), immediate_jobs=True)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    try:
        def outcome(connection, needs_review: bool) -> AccountAssessment:  # type: ignore[no-untyped-def]
            a = RiskAssessment(account_id="acc-quiet", score=0.0, band=Band.green, confidence=0.9,
                               needs_review=needs_review, context={"risk_probability": 0.91}, ruleset_version="rs-t",
                               assessed_at=now)
            return AccountAssessment(a, record_assessment(connection, a), True, 0, None, True)

        with product.engine.begin() as connection:
            assert decide(connection, outcome(connection, False), now).kind == "none"  # green, nothing asked
            assert decide(connection, outcome(connection, True), now).kind == "review"  # the model asked
        [review] = list_reviews(product.engine)
        assert review.account_id == "acc-quiet" and review.band == "green"
    finally:
        product.close()
