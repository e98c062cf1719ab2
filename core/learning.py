"""How the product's learning is doing over time: reader accuracy and the false-positive rate.

- Reader accuracy: each refit scores the reader in force on the held-back operator labels
  (agent/sentiment/refit.py); the series is that accuracy at each refit, with the version that read.
- False-positive rate: per ISO week of closing, closed ``false_positive`` cases over all closed cases.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from core.store.labels import closed_outcomes, evaluations


def reader_accuracy(engine: sa.Engine) -> list[dict[str, Any]]:
    """Accuracy of the reader in force on held-back operator labels, at every refit (oldest first)."""
    return [{"at": e["at"], "version": e["version"], "accuracy": e["value"], "n": e["n"]}
            for e in evaluations(engine, "sentiment")
            if e["metric"] == "accuracy_held_back" and e["detail"].get("role") == "in_force" and e["value"] is not None]


def false_positive_rate_by_week(engine: sa.Engine) -> list[dict[str, Any]]:
    """Per ISO week of closing: closed cases, false positives among them, and the rate."""
    weeks: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for closed_at, outcome in closed_outcomes(engine):
        year, week, _ = closed_at.isocalendar()
        counts = weeks[f"{year}-W{week:02d}"]
        counts[0] += 1
        counts[1] += outcome == "false_positive"
    return [{"week": w, "closed": n, "false_positives": fp, "rate": round(fp / n, 4)}
            for w, (n, fp) in sorted(weeks.items())]


def learning_report(engine: sa.Engine) -> dict[str, Any]:
    return {"reader_accuracy": reader_accuracy(engine), "false_positive_rate": false_positive_rate_by_week(engine)}
