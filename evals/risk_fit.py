"""Fit the detector's risk model (rules/risk_model.py) on a dev split and write it as YAML.

Logistic regression (L2, C=1) on standardised features; features constant on the dev split get no term.
The review threshold is the dev probability with the best F1 (ties: the higher threshold), so it is
chosen without looking at the test split.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from rules.risk_model import RiskModel, RiskModelSpec, Term, dump_spec


def best_f1_threshold(probs: Sequence[float], labels: Sequence[int]) -> float:
    best = (-1.0, 1.0)
    positives = sum(labels)
    for t in sorted(set(round(p, 4) for p in probs)):
        tp = sum(1 for p, y in zip(probs, labels, strict=True) if p >= t and y)
        fp = sum(1 for p, y in zip(probs, labels, strict=True) if p >= t and not y)
        if tp == 0:
            continue
        f1 = 2 * tp / (2 * tp + fp + (positives - tp))
        if f1 >= best[0]:
            best = (f1, t)
    return best[1]


def fit_spec(rows: Sequence[dict[str, float]], labels: Sequence[int], fitted_on: str, c: float = 1.0) -> RiskModelSpec:
    """A logistic regression over the rows' features, as a RiskModelSpec."""
    from sklearn.linear_model import LogisticRegression

    names = sorted({k for r in rows for k in r})
    stats = {}
    for n in names:
        col = [float(r.get(n, 0.0)) for r in rows]
        sd = statistics.pstdev(col)
        if sd > 1e-9:
            stats[n] = (statistics.fmean(col), sd)
    kept = sorted(stats)
    x = [[(float(r.get(n, 0.0)) - stats[n][0]) / stats[n][1] for n in kept] for r in rows]
    model = LogisticRegression(C=c, max_iter=5000).fit(x, list(labels))
    terms = {n: Term(mean=round(stats[n][0], 6), scale=round(stats[n][1], 6), weight=round(float(w), 6))
             for n, w in zip(kept, model.coef_[0], strict=True)}
    draft = RiskModelSpec(version="draft", intercept=float(model.intercept_[0]), review_threshold=0.5, terms=terms)
    probs = [RiskModel(draft).estimate(r).probability for r in rows]
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    return RiskModelSpec(version=f"fitted-{stamp}-{len(rows)}", fitted_on=fitted_on,
                         intercept=round(float(model.intercept_[0]), 6),
                         review_threshold=best_f1_threshold(probs, labels), terms=terms)


def write_spec(spec: RiskModelSpec, path: Path, header: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_spec(spec, header), encoding="utf-8")
    return path
