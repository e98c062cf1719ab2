"""Sentiment on the real airline tweets (../shared/data), 5-fold cross-validated. Skipped without the data."""

from __future__ import annotations

from pathlib import Path

import pytest

AIRLINE = Path(__file__).resolve().parents[3] / "shared" / "data" / "airline_sentiment" / "dev.csv"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not AIRLINE.is_file(), reason="shared/data/airline_sentiment not present"),
]


def test_airline_cross_validated_accuracy() -> None:
    from evals.sentiment import evaluate_csv

    report = evaluate_csv(AIRLINE, "text", "airline_sentiment", folds=5)
    default, trained = report["results"]
    assert report["n"] > 10_000
    # Measured 0.622 (shipped lexicon after issue 14 removed its airline entries) and 0.817 (the reader's
    # cheap stage: TF-IDF word + char n-grams + lexicon features, 5-fold CV); floors a bit below.
    assert default["accuracy"] >= 0.60
    assert trained["accuracy"] >= 0.80
    assert trained["macro_f1"] >= 0.72
