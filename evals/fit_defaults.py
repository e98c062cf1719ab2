"""`redaccount eval fit-defaults`: fit the shipped detection defaults (rules/fitted/) on the generated dev split.

The same fit `redaccount eval --full` runs (evals/product_eval.py `fit_detection`): the dev split of the
full run (seed 1101, the "dev" archetype mix, 130 accounts x 6 months, the dev half of the public text
in ``--data-dir``) replayed day by day through the detector as it is before any fit (the code's
thresholds and the rule files, Red at 25, the shipped lexicon reader, escalation by meaning off, no risk
model), then the risk model fitted and the Red score and review threshold chosen on dev's out-of-fold
probabilities. The test split is never generated here.

Two files are written, each with a provenance header: what they were fitted on, the command, the dev
data's fingerprint (the generated events and truth), the fit inputs' fingerprint (every replayed point
the fit reads), the detector it replayed, the date. ``check`` refits and compares: the same bodies and
fingerprints, or a list of what differs (tests/rules/test_fitted_defaults.py runs the cheap parts always
and the whole refit as a slow test).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from core.sample import DEFAULT_END
from evals.product_eval import DevFit, fit_detection, thresholds_document
from evals.public_data import has_public_data, load_pools
from evals.replay import AccountRun, CachedSentiment, replay
from evals.scenarios import Split, build_split
from rules.fitted import RISK_MODEL_FILE, THRESHOLDS_FILE, body, provenance
from rules.risk_model import RiskModelSpec, dump_spec

# The full run's dev split (evals/runner.py EvalConfig.preset(full=True)) and its assessment grid.
ACCOUNTS, MONTHS, STEP_HOURS = 130, 6, 24.0
COMMAND = "redaccount eval fit-defaults --data-dir ../shared/data"


def dev_split(data_dir: Path, accounts: int = ACCOUNTS, months: int = MONTHS) -> Split:
    """The dev split with its public text (the fitted defaults are never fitted on templates alone)."""
    if not has_public_data(data_dir):
        raise ValueError(f"{data_dir}: no public text (airline, CFPB or banking77 files); the shipped defaults "
                         "are fitted on the dev split built from it")
    return build_split("dev", accounts, months, load_pools(data_dir))


def _sha(lines: Any) -> str:
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def data_fingerprint(split: Split) -> str:
    """The generated dev data: every event and every account's truth, in order."""
    return _sha([split.sample.events_jsonl(), *(t.model_dump_json() for t in split.truth)])


def fit_inputs_fingerprint(runs: list[AccountRun]) -> str:
    """Everything the fit reads from the replay: truth times, and each point's score, compliance and features."""
    def lines() -> Any:
        for r in runs:
            t = r.truth
            yield json.dumps([t.account_id, t.at_risk, t.escalates, str(t.escalation_at), str(t.first_signal_at)])
            for p in r.points:
                yield json.dumps([p.at.isoformat(), p.score, p.compliance, p.features], sort_keys=True)
    return _sha(lines())


def replay_dev(split: Split, months: int = MONTHS,
               step_hours: float = STEP_HOURS) -> tuple[list[AccountRun], dict[str, str]]:
    """Dev replayed by the detector before any fit (no fitted layer, no risk model, lexicon, no meaning)."""
    from agent.sentiment import LexiconSentiment
    from core.settings import Settings
    from rules.detector import Detector
    from rules.loader import load_ruleset
    from rules.reference import ReferenceEvaluator
    from rules.thresholds import load_thresholds

    th = load_thresholds(None, fitted=False)
    ruleset = load_ruleset(None, None, fitted=False)
    reader = CachedSentiment(LexiconSentiment())
    floor = float(Settings.model_fields["review_confidence_floor"].default)
    detector = Detector(th, reader, ReferenceEvaluator(ruleset), floor)
    runs = replay(detector, split.truth, split.events_by_account(), DEFAULT_END, months,
                  step=timedelta(hours=step_hours), features=True)
    return runs, {"reader": reader.version, "red": f"{th.band_red:g}"}


@dataclass(frozen=True)
class Fitted:
    fit: DevFit
    spec: RiskModelSpec  # the fit with its content version
    header: str
    risk_model_text: str
    thresholds_text: str


def fit_defaults(data_dir: Path, accounts: int = ACCOUNTS, months: int = MONTHS,
                 today: str | None = None) -> Fitted:
    """Generate and replay dev, fit, and render both files (nothing is written)."""
    split = dev_split(data_dir, accounts, months)
    runs, detector = replay_dev(split, months)
    fit = fit_detection(runs)
    content = json.dumps([fit.spec.intercept, fit.spec.review_threshold, fit.red,
                          {k: t.model_dump() for k, t in fit.spec.terms.items()}], sort_keys=True)
    spec = RiskModelSpec(**{**fit.spec.model_dump(), "version": "dev-" + hashlib.sha256(content.encode()).hexdigest()[:12]})
    oof = fit.info["dev_out_of_fold_at_choice"]
    size = f"{accounts} accounts x {months} months" + ("" if (accounts, months) == (ACCOUNTS, MONTHS) else
                                                       " (NOT the full run's dev split)")
    header = "\n".join([
        "Shipped default of redaccount's detection, fitted on data (not hand-set). Do not edit by hand.",
        f"fitted_on: the generated dev split only (evals/scenarios.py seed {split.seed}, mix \"dev\", {size}, "
        f"{fit.info['dev_points']} daily assessments, text from the dev half of the public pools); "
        "the test split is never generated",
        f"command: {COMMAND}",
        f"dev_data_sha256: {data_fingerprint(split)}",
        f"fit_inputs_sha256: {fit_inputs_fingerprint(runs)}",
        f"detector: replayed before any fit: reader {detector['reader']}, escalation by meaning off, the shipped "
        f"rule files at Red {detector['red']}, no risk model, every {STEP_HOURS:g} h",
        f"dev_out_of_fold: precision {oof['precision']}, recall {oof['recall']}, false alarms "
        f"{oof['false_alarms_per_100_accounts_week']} per 100 accounts per week, median lead {oof['median_lead_h']} h "
        f"(C {fit.info['c']}; Red {fit.red:g}, review probability {spec.review_threshold})",
        f"fitted_at: {today or datetime.now(UTC).strftime('%Y-%m-%d')}",
        f"check: {COMMAND} --check (exits 1 when a refit differs)",
    ])
    comment = "".join(f"# {line}\n" for line in header.splitlines())
    thresholds_text = comment + yaml.safe_dump(thresholds_document(fit.red), sort_keys=False)
    return Fitted(fit, spec, header, dump_spec(spec, header), thresholds_text)


def write(fitted: Fitted, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / RISK_MODEL_FILE.name, out / THRESHOLDS_FILE.name]
    for path, text in zip(paths, (fitted.risk_model_text, fitted.thresholds_text), strict=True):
        path.write_text(text, encoding="utf-8")
    return paths


# Provenance lines that must agree between a refit and the committed files (the date may differ).
CHECKED = ("fitted_on", "command", "dev_data_sha256", "fit_inputs_sha256", "detector")


def differences(fitted: Fitted, committed: Path) -> list[str]:
    """What differs between a refit and the files in `committed` (empty: the committed files are this fit)."""
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        fresh = write(fitted, Path(tmp))
        for new in fresh:
            old = committed / new.name
            if not old.is_file():
                problems.append(f"{old}: missing")
                continue
            if body(new) != body(old):
                problems.append(f"{old.name}: the fitted values differ from a refit")
            have, want = provenance(old), provenance(new)
            problems += [f"{old.name}: {key} is {have.get(key)!r}, a refit gives {want[key]!r}"
                         for key in CHECKED if have.get(key) != want[key]]
    return problems
