"""The detection section as the product acts: the configured detector, and a refit on this run's dev split.

The shipped defaults (rules/fitted/: the risk model and the Red score) are this fit, run by
`redaccount eval fit-defaults` (evals/fit_defaults.py) on the full run's dev split **and the ServiceNow
dev split** (`fit_detection(..., real=RealRows)`) and committed. So on a default install the "before"
figures are the shipped detector; the refit here reads the generated dev split alone, so it no longer
reproduces the shipped files (`risk_model.equals_shipped` is false by design since the real-outcome fit).

The risk model (rules/risk_model.py) is fitted on the dev split's daily assessments with the label the
acting metrics judge: 1 from an at-risk account's first warning sign up to its escalation, 0 on healthy
accounts and before the first sign (`acting.window_labelled_points`). Two features are left out of the
generated suite's fit: the account's observed age and its event count, because every generated history
starts on the same day, so both are the calendar and would teach the model when stories were scheduled.
The regularisation is the one with the lowest out-of-fold log loss (accounts grouped into 5 folds).

The review threshold and the Red score (signals `band_red` and the rules' `red_score`, one operator
thresholds file) are chosen on dev's **out-of-fold** probabilities (each account scored by a model that
never saw it), simulating what the product does with a fitted model loaded: it acts when the score
reaches Red, when a compliance term is live (the rules queue it for review), or when the probability
reaches the review threshold. The pair with the highest recall whose precision is at least
`min_precision` with at most `max_alarms` false alarms per 100 accounts per week wins (else the best
F1). Dev is then replayed with the fitted file for the figures the product really reaches there (the
model saw those accounts: optimistic), and the test split once with the configured settings (the
caller's replay: the default install unless the operator overrides it) and once with the refitted model
and thresholds file; nothing on test feeds a choice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from evals import acting
from evals.replay import AccountRun, Point
from evals.risk_fit import choose_c, fit_spec, out_of_fold, write_spec
from rules.risk_model import RiskModel, RiskModelSpec

HEADER = ("Risk model fitted by `redaccount eval` on the generated dev split (daily assessments; label:\n"
          "at risk and past the first warning sign). Illustrative only: fit on your own history before relying on it.")

# The observed age of a generated history is the calendar (all start together): not a property of the account.
EXCLUDED_FEATURES = ("log_age_hours", "log_events")

# The points score keeps a say: the Red score is chosen among operator-sensible values, not disabled.
RED_SCORES = (25.0, 30.0, 35.0, 40.0, 50.0, 60.0)


def _features(p: Point) -> dict[str, float]:
    return {k: v for k, v in (p.features or {}).items() if k not in EXCLUDED_FEATURES}


def simulated_act(red: float, threshold: float) -> Callable[[Point], bool]:
    """What the product does at a dev point with a fitted model loaded (see the module docstring)."""
    return lambda p: p.score >= red or p.compliance or (p.probability or 0.0) >= threshold


def choose_thresholds(dev: list[AccountRun], min_precision: float,
                      max_alarms: float) -> tuple[float, float, dict[str, Any]]:
    """(red score, review probability, dev figures) on the probabilities already set on dev's points."""
    probs = sorted({round(p.probability, 3) for r in dev for p in r.points if p.probability is not None})
    candidates = probs[:: max(1, len(probs) // 60)] + [1.01]
    best: tuple[tuple[float, ...], float, float, dict[str, Any]] | None = None
    for red in RED_SCORES:
        for t in candidates:
            m = acting.acting_metrics(dev, simulated_act(red, t))
            prec, rec = m["precision"] or 0.0, m["recall"] or 0.0
            alarms = m["false_alarms_per_100_accounts_week"] or 0.0
            ok = prec >= min_precision and alarms <= max_alarms
            f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
            key = (float(ok), rec if ok else f1, -alarms)
            if best is None or key > best[0]:
                best = (key, red, t, m)
    assert best is not None
    figures = {k: best[3][k] for k in ("precision", "recall", "false_alarms_per_100_accounts_week")}
    figures["median_lead_h"] = best[3]["lead_time_hours"]["median"]
    return best[1], best[2], figures


# The goals (evals/thresholds.yaml) the thresholds are chosen for, on dev only.
GOAL_PRECISION, GOAL_ALARMS = 0.70, 2.0


@dataclass(frozen=True)
class DevFit:
    """A risk model and a Red score fitted and chosen on a dev split (nothing else is read)."""

    spec: RiskModelSpec
    red: float
    info: dict[str, Any]


@dataclass(frozen=True)
class RealRows:
    """Cut histories of a real source (the ServiceNow dev split) fitted next to the generated dev points.

    `share`: the real rows' total weight as a fraction of the generated points' (1.0: each source weighs
    the same in the loss, whatever its row count). The real source gets its own intercept during the fit
    (evals/risk_fit.py), so the shipped intercept is the generated points'.
    """

    features: list[dict[str, float]]
    labels: list[int]
    groups: list[str]  # one per incident (out-of-fold folds keep an incident together)
    share: float = 1.0
    name: str = "servicenow dev split"


def fit_detection(dev: list[AccountRun], min_precision: float = GOAL_PRECISION, max_alarms: float = GOAL_ALARMS,
                  version: str | None = None, real: RealRows | None = None) -> DevFit:
    """Fit the risk model on dev's daily assessments (and `real`'s cut histories, when given) and choose the
    Red score and review threshold on dev's out-of-fold probabilities (the module docstring). Deterministic:
    the same dev runs give the same fit."""
    account = {id(p): i for i, r in enumerate(dev) for p in r.points}
    labelled = [(p, y) for p, y in acting.window_labelled_points(dev) if p.features is not None]
    rows, labels = [_features(p) for p, _ in labelled], [y for _, y in labelled]
    groups: list[Any] = [account[id(p)] for p, _ in labelled]
    scored = [p for r in dev for p in r.points if p.features is not None]
    predict: list[tuple[Any, dict[str, float]]] = [(account[id(p)], _features(p)) for p in scored]
    weights = sources = None
    fitted_on = f"generated dev split ({len(rows)} daily assessments)"
    if real is not None:
        generated = len(rows)
        each = real.share * generated / len(real.features)
        weights = [1.0] * generated + [each] * len(real.features)
        sources = [0] * generated + [1] * len(real.features)
        rows += [{k: v for k, v in f.items() if k not in EXCLUDED_FEATURES} for f in real.features]
        labels += list(real.labels)
        groups += list(real.groups)
        predict += [(g, rows[generated + i]) for i, g in enumerate(real.groups)]
        fitted_on += f" + {real.name} ({len(real.features)} cut histories, weight share {real.share:g})"
    c = choose_c(rows, labels, groups, weights, sources)
    shipped_probabilities = [p.probability for p in scored]
    oof, loss = out_of_fold(rows, labels, groups, predict, c, weights=weights, sources=sources)
    for p, q in zip(scored, oof[: len(scored)], strict=True):
        p.probability = q
    red, threshold, on_dev = choose_thresholds(dev, min_precision, max_alarms)
    for p, q in zip(scored, shipped_probabilities, strict=True):
        p.probability = q  # the points keep what the replay recorded
    spec = fit_spec(rows, labels, fitted_on, c=c, version=version, weights=weights, sources=sources)
    spec = RiskModelSpec(**{**spec.model_dump(), "review_threshold": min(1.0, threshold)})
    red = min(red, 100.0)
    info = {"red_score": red, "review_threshold": spec.review_threshold, "dev_points": len(labelled),
            "c": c, "out_of_fold_log_loss": round(loss, 4), "excluded_features": list(EXCLUDED_FEATURES),
            "dev_out_of_fold_at_choice": on_dev,
            "weights": {k: t.weight for k, t in sorted(spec.terms.items(), key=lambda kv: -abs(kv[1].weight))[:12]}}
    if real is not None:
        from evals.servicenow import auc

        info["real"] = {"name": real.name, "cut_histories": len(real.features), "positives": sum(real.labels),
                        "share": real.share,
                        "out_of_fold_auc": auc(oof[len(scored):], list(real.labels))}
    return DevFit(spec, red, info)


def thresholds_document(red: float) -> dict[str, Any]:
    """The thresholds file of a fitted Red score: the points band and the rules' red_score move together."""
    return {"signals": {"band_red": red, "band_amber": min(15.0, red)}, "rules": {"red_score": red}}


def same_fit(a: RiskModelSpec, a_red: float, b: RiskModelSpec, b_red: float) -> bool:
    """Two fits agree: the same terms, intercept, review threshold and Red score (versions and notes aside)."""
    return (a.terms, a.intercept, a.review_threshold, a_red) == (b.terms, b.intercept, b.review_threshold, b_red)


def shipped_fit() -> tuple[RiskModelSpec, float]:
    """The committed defaults (rules/fitted/): the risk model's spec and the Red score."""
    from rules.fitted import RISK_MODEL_FILE, THRESHOLDS_FILE

    spec = RiskModelSpec.model_validate(yaml.safe_load(RISK_MODEL_FILE.read_text(encoding="utf-8")))
    red = yaml.safe_load(THRESHOLDS_FILE.read_text(encoding="utf-8"))["rules"]["red_score"]
    return spec, float(red)


def fit_on_dev(dev: list[AccountRun], out: Path, min_precision: float,
               max_alarms: float) -> tuple[RiskModel, Path, dict[str, Any]]:
    fit = fit_detection(dev, min_precision, max_alarms)
    path = write_spec(fit.spec, out / "risk_model_generated.yaml", HEADER)
    thresholds = out / "thresholds_fitted.yaml"
    thresholds.write_text(yaml.safe_dump(thresholds_document(fit.red), sort_keys=False), encoding="utf-8")
    shipped, shipped_red = shipped_fit()
    info = {"file": path.name, "thresholds_file": thresholds.name, **fit.info,
            # The full run's dev split is the one the shipped defaults were fitted on: this says whether the
            # refit reproduces them (the fast subset's smaller dev split gives another fit, as it should).
            "equals_shipped": same_fit(fit.spec, fit.red, shipped, shipped_red), "shipped_version": shipped.version}
    return RiskModel(fit.spec), thresholds, info


def _has_probability(runs: list[AccountRun]) -> bool:
    return any(p.probability is not None for r in runs for p in r.points)


def product_section(dev: list[AccountRun], test_before: list[AccountRun],
                    replay_with: Callable[[str, RiskModel, Path], list[AccountRun]], out: Path,
                    min_precision: float = 0.70, max_alarms: float = 2.0) -> tuple[dict[str, Any], list[AccountRun]]:
    """`replay_with(split, model, thresholds file)` replays a split ("dev" or "test") with a fitted setup."""
    model, thresholds, info = fit_on_dev(dev, out, min_precision, max_alarms)
    dev_after = replay_with("dev", model, thresholds)
    after = replay_with("test", model, thresholds)
    return {
        "definitions": (acting.__doc__ or "").strip(),
        "before": acting.acting_metrics(test_before),
        "after": acting.acting_metrics(after),
        "dev_before": acting.acting_metrics(dev),
        "dev_after": acting.acting_metrics(dev_after),
        "pr_curve_score": acting.score_pr_curve(test_before),
        "pr_curve_probability": acting.score_pr_curve(test_before if _has_probability(test_before) else after,
                                                      "probability"),
        # The configured detector's probability (the shipped model on a default install; None without one).
        "calibration": acting.calibration(test_before),
        "refit_calibration": acting.calibration(after),
        "dev_calibration": acting.calibration(dev_after),
        "risk_model": info,
    }, after
