"""The shipped defaults on both test splits, without the full eval: `python -m evals.default_check --data-dir D`.

What a default install does (rules/fitted/: the Red score and the risk model; lexicon reader, escalation by
meaning off), replayed on the generated **test** split (the full run's: 130 accounts x 6 months, daily
grid; precision, recall, false alarms, lead time and calibration as `redaccount eval --full` reports them
under `acting.before`) and on the ServiceNow **test** split (ROC AUC of the configured risk probability
against the count baselines, acts and their lead time: `realworld.servicenow.product_configured`). The
same code paths as the full run (evals/runner.py, evals/realworld.py), without its other sections; use
it to check a refit of `redaccount eval fit-defaults` before committing it. Nothing here is fitted.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any


def check(data_dir: Path, accounts: int = 130, months: int = 6) -> dict[str, Any]:
    from agent.sentiment import LexiconSentiment
    from core.sample import DEFAULT_END
    from core.settings import Settings
    from evals import acting
    from evals.public_data import has_public_data, load_pools
    from evals.realworld import servicenow_section
    from evals.replay import CachedSentiment, replay
    from evals.scenarios import build_split
    from evals.servicenow_data import has_servicenow
    from rules.detect import default_ruleset
    from rules.detector import Detector
    from rules.reference import ReferenceEvaluator
    from rules.risk_model import risk_model_for
    from rules.thresholds import load_thresholds

    if not (has_public_data(data_dir) and has_servicenow(data_dir)):
        raise ValueError(f"{data_dir}: needs the public text and servicenow_incident_log (../shared/data)")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / ".redaccount", llm_enabled=False)
        engine = default_ruleset(settings)
        th, model = load_thresholds(settings.thresholds_file), risk_model_for(settings.risk_model_file)
        floor = settings.review_confidence_floor
        split = build_split("test", accounts, months, load_pools(data_dir))
        detector = Detector(th, CachedSentiment(LexiconSentiment()), ReferenceEvaluator(engine.ruleset), floor,
                            risk_model=model)
        runs = replay(detector, split.truth, split.events_by_account(), DEFAULT_END, months, step=timedelta(hours=24))
        metrics = acting.acting_metrics(runs)
        metrics["lead_time_hours"].pop("values")
        calibration = acting.calibration(runs)
        generated = {"accounts": accounts, "months": months, **metrics,
                     "calibration_ece": calibration["ece"] if calibration else None}
        real = servicenow_section(data_dir, engine, th, floor, Path(tmp), None, configured_model=model)
    return {"risk_model": model.spec.version if model else None, "red": th.band_red, "generated_test": generated,
            "servicenow_test": real and {k: real[k] for k in ("cases", "baselines", "best_baseline_auc",
                                                               "product_configured", "product_after")},
            "seconds": round(time.perf_counter() - t0, 1)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args()
    try:
        print(json.dumps(check(args.data_dir), indent=2, default=str))
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
