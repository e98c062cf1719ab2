"""The detection section as the product acts: before and after fitting the risk model on the dev split.

The risk model (rules/risk_model.py) is fitted on the dev split's daily assessments (label: the account
escalates within 30 days, or is at risk and past its first warning sign). Its review threshold and the
Red score (signals `band_red` and the rules' `red_score`, one operator thresholds file) are chosen on
dev too: the pair with the highest recall whose precision is at least `min_precision` with at most
`max_alarms` false alarms per 100 accounts per week (else the best F1), judged on dev's recorded scores.
The test split is replayed once with the shipped settings and once with the fitted model and the
chosen thresholds file; nothing on test feeds a choice.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

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


# The points score keeps a say: the Red score is chosen among operator-sensible values, not disabled.
RED_SCORES = (25.0, 30.0, 35.0, 40.0, 50.0, 60.0)


def choose_thresholds(dev: list[AccountRun], model: RiskModel, min_precision: float,
                      max_alarms: float) -> tuple[float, float, dict[str, Any]]:
    """(red score, review probability, dev figures) by the rule in the module docstring."""
    _with_probabilities(dev, model)
    probs = sorted({round(p.probability, 3) for r in dev for p in r.points if p.probability is not None})
    candidates = probs[:: max(1, len(probs) // 40)] + [1.01]
    best: tuple[tuple[float, ...], float, float, dict[str, Any]] | None = None
    for red in RED_SCORES:
        for t in candidates:
            m = acting.acting_metrics(dev, lambda p, t=t, red=red: p.score >= red or (p.probability or 0.0) >= t)
            prec, rec = m["precision"] or 0.0, m["recall"] or 0.0
            alarms = m["false_alarms_per_100_accounts_week"] or 0.0
            ok = prec >= min_precision and alarms <= max_alarms
            f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
            key = (float(ok), rec if ok else f1, -alarms)
            if best is None or key > best[0]:
                best = (key, red, t, m)
    assert best is not None
    figures = {k: best[3][k] for k in ("precision", "recall", "false_alarms_per_100_accounts_week")}
    return best[1], best[2], figures


def fit_on_dev(dev: list[AccountRun], out: Path, min_precision: float,
               max_alarms: float) -> tuple[RiskModel, Path, dict[str, Any]]:
    rows = [(p.features, y) for p, y in acting.labelled_points(dev) if p.features is not None]
    spec = fit_spec([f for f, _ in rows], [y for _, y in rows], f"generated dev split ({len(rows)} daily assessments)")
    red, threshold, on_dev = choose_thresholds(dev, RiskModel(spec), min_precision, max_alarms)
    spec = RiskModelSpec(**{**spec.model_dump(), "review_threshold": min(1.0, threshold)})
    path = write_spec(spec, out / "risk_model_generated.yaml", HEADER)
    red = min(red, 100.0)
    thresholds = out / "thresholds_fitted.yaml"
    thresholds.write_text(yaml.safe_dump({"signals": {"band_red": red, "band_amber": min(15.0, red)},
                                          "rules": {"red_score": red}}, sort_keys=False), encoding="utf-8")
    info = {"file": path.name, "thresholds_file": thresholds.name, "red_score": red,
            "review_threshold": spec.review_threshold, "dev_points": len(rows), "dev_at_choice": on_dev,
            "weights": {k: t.weight for k, t in sorted(spec.terms.items(), key=lambda kv: -abs(kv[1].weight))[:12]}}
    return RiskModel(spec), thresholds, info


def product_section(dev: list[AccountRun], test_before: list[AccountRun],
                    replay_test: Callable[[RiskModel, Path], list[AccountRun]], out: Path,
                    min_precision: float = 0.70, max_alarms: float = 2.0) -> tuple[dict[str, Any], list[AccountRun]]:
    model, thresholds, info = fit_on_dev(dev, out, min_precision, max_alarms)
    after = replay_test(model, thresholds)
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
