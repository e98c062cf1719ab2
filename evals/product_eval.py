"""The detection section as the product acts: before and after fitting the risk model on the dev split.

The risk model (rules/risk_model.py) is fitted on the dev split's daily assessments (label: the account
escalates within 30 days, or is at risk and past its first warning sign), and its review threshold is
chosen on dev too: the highest recall whose precision is at least `min_precision` with at most
`max_alarms` false alarms per 100 accounts per week (else the best F1). The test split is replayed once
without and once with the fitted model; nothing on test feeds a choice.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from evals import acting
from evals.replay import AccountRun
from evals.risk_fit import fit_spec, write_spec
from rules.risk_model import RiskModel, RiskModelSpec

HEADER = ("Risk model fitted by `redaccount eval` on the generated dev split (daily assessments; label:\n"
          "escalates within 30 days). Illustrative only: fit on your own history before relying on it.")


def _with_probabilities(runs: list[AccountRun], model: RiskModel) -> None:
    for run in runs:
        for p in run.points:
            if p.features is not None:
                p.probability = model.estimate(p.features).probability


def choose_review_threshold(dev: list[AccountRun], model: RiskModel, min_precision: float,
                            max_alarms: float) -> tuple[float, dict[str, Any]]:
    _with_probabilities(dev, model)
    probs = sorted({round(p.probability, 3) for r in dev for p in r.points if p.probability is not None})
    candidates = probs[:: max(1, len(probs) // 60)] + [1.01]
    best: tuple[tuple[float, ...], float, dict[str, Any]] | None = None
    for t in candidates:
        m = acting.acting_metrics(dev, lambda p, t=t: p.acts or (p.probability or 0.0) >= t)
        prec, rec = m["precision"] or 0.0, m["recall"] or 0.0
        alarms = m["false_alarms_per_100_accounts_week"] or 0.0
        ok = prec >= min_precision and alarms <= max_alarms
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        key = (float(ok), rec if ok else f1, t)
        if best is None or key > best[0]:
            best = (key, t, m)
    assert best is not None
    return best[1], {k: best[2][k] for k in ("precision", "recall", "false_alarms_per_100_accounts_week")}


def fit_on_dev(dev: list[AccountRun], out: Path, min_precision: float, max_alarms: float) -> tuple[RiskModel, dict[str, Any]]:
    rows = [(p.features, y) for p, y in acting.labelled_points(dev) if p.features is not None]
    spec = fit_spec([f for f, _ in rows], [y for _, y in rows], f"generated dev split ({len(rows)} daily assessments)")
    threshold, on_dev = choose_review_threshold(dev, RiskModel(spec), min_precision, max_alarms)
    spec = RiskModelSpec(**{**spec.model_dump(), "review_threshold": min(1.0, threshold)})
    path = write_spec(spec, out / "risk_model_generated.yaml", HEADER)
    info = {"file": path.name, "review_threshold": spec.review_threshold, "dev_points": len(rows),
            "dev_at_threshold": on_dev,
            "weights": {k: t.weight for k, t in sorted(spec.terms.items(), key=lambda kv: -abs(kv[1].weight))[:12]}}
    return RiskModel(spec), info


def product_section(dev: list[AccountRun], test_before: list[AccountRun],
                    replay_test: Callable[[RiskModel], list[AccountRun]], out: Path,
                    min_precision: float = 0.70, max_alarms: float = 2.0) -> dict[str, Any]:
    model, info = fit_on_dev(dev, out, min_precision, max_alarms)
    after = replay_test(model)
    return {
        "definitions": (acting.__doc__ or "").strip(),
        "before": acting.acting_metrics(test_before),
        "after": acting.acting_metrics(after),
        "dev_before": acting.acting_metrics(dev),
        "pr_curve_score": acting.score_pr_curve(test_before),
        "pr_curve_probability": acting.score_pr_curve(after, "probability"),
        "calibration": acting.calibration(after),
        "risk_model": info,
    }, after
