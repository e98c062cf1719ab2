"""The real-outcome section of `redaccount eval`: the ServiceNow replay with the product's own detector."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evals.risk_fit import fit_spec, write_spec
from evals.servicenow import evaluate
from evals.servicenow_data import has_servicenow

HEADER = ("Risk model fitted by `redaccount eval` on the dev split (earlier incidents) of the ServiceNow\n"
          "incident log (UCI no. 498, CC BY 4.0; Amaral et al. 2018). Load it with REDACCOUNT_RISK_MODEL_FILE.")


def servicenow_section(data_dir: Path | None, engine: Any, th: Any, review_floor: float, out: Path,
                       limit_positives: int | None, configured_model: Any = None) -> dict[str, Any] | None:
    """ROC AUC and flags of the product before and after fitting its risk model, against count baselines.

    ``configured_model``: the risk model the product runs (the shipped one, fitted on the generated dev
    split, on a default install); its probability is scored on the same test histories as it stands.
    """
    if not has_servicenow(data_dir):
        return None
    from rules.detector import Detector
    from rules.reference import ReferenceEvaluator
    from rules.risk_model import RiskModel

    assert data_dir is not None
    rules = ReferenceEvaluator(engine.ruleset)

    def plain() -> Detector:
        return Detector(th, None, rules, review_floor)

    def fit(dev_runs: list[Any]) -> tuple[Any, dict[str, Any]]:
        spec = fit_spec([r.features for r in dev_runs], [r.case.label for r in dev_runs],
                        f"servicenow_incident_log dev split ({len(dev_runs)} cut histories)")
        path = write_spec(spec, out / "risk_model_servicenow.yaml", HEADER)
        model = RiskModel(spec)
        info = {"file": path.name, "version": spec.version, "review_threshold": spec.review_threshold,
                "weights": {k: t.weight for k, t in sorted(spec.terms.items(), key=lambda kv: -abs(kv[1].weight))}}
        return (lambda: Detector(th, None, rules, review_floor, risk_model=model)), info

    configured = None
    if configured_model is not None:
        def configured() -> Detector:
            return Detector(th, None, rules, review_floor, risk_model=configured_model)

    result = evaluate(data_dir, plain, fit, limit_positives=limit_positives, configured=configured)
    after = result.get("product_after") or {}
    best = result["best_baseline_auc"] or 0.0
    result["beats_best_baseline"] = bool(after.get("auc") and after["auc"] > best)
    return result
