"""`redaccount eval fit-defaults`: fit the shipped detection defaults (rules/fitted/) on the generated dev split
and the ServiceNow incident log's dev split together.

The same fit `redaccount eval --full` runs (evals/product_eval.py `fit_detection`): the dev split of the
full run (seed 1101, the "dev" archetype mix, 130 accounts x 6 months, the dev half of the public text
in ``--data-dir``) replayed day by day through the detector as it is before any fit (the code's
thresholds and the rule files, Red at 25, the shipped lexicon reader, escalation by meaning off, no risk
model), then the risk model fitted and the Red score and review threshold chosen on dev's out-of-fold
probabilities. The test split is never generated here.

Next to the generated points the risk model is fitted on real outcomes: the dev split of the ServiceNow
replay (evals/servicenow_data.py: every escalated incident cut before its escalation and its age-matched
negatives, the incidents opened earlier; the later test incidents are never replayed here), each
history replayed by the same pre-fit detector and read at its cut. Each source weighs the same in the
loss (`REAL_SHARE`) and the real one gets its own intercept during the fit, so the shipped intercept
(and the calibration) is the generated points'. The Red score and the review threshold are still
chosen on the generated dev split's out-of-fold probabilities (the acting goals are defined there).
Fitted on the generated split alone, the model ranked the real test escalations worse than chance
(ROC AUC 0.344): its largest weight, the age of the oldest open ticket, is how the generator writes
at-risk stories, and on real incidents the same facts weigh the other way. The ticket facts therefore
get a second term for ticket-only windows (rules/risk_model.py `TICKET_ONLY_TERMS`).

Two files are written, each with a provenance header: what they were fitted on, the command, the dev
data's fingerprint (the generated events and truth), the ServiceNow files' SHA-256, the fit inputs'
fingerprint (every replayed point and cut history the fit reads), the detector it replayed, the date. ``check`` refits and compares: the same bodies and
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
from evals.product_eval import DevFit, RealRows, fit_detection, thresholds_document
from evals.public_data import has_public_data, load_pools
from evals.replay import AccountRun, CachedSentiment, replay
from evals.scenarios import Split, build_split
from evals.servicenow_data import FOLDER, has_servicenow
from rules.fitted import RISK_MODEL_FILE, THRESHOLDS_FILE, body, provenance
from rules.risk_model import RiskModelSpec, dump_spec

# The full run's dev split (evals/runner.py EvalConfig.preset(full=True)) and its assessment grid.
ACCOUNTS, MONTHS, STEP_HOURS = 130, 6, 24.0
COMMAND = "redaccount eval fit-defaults --data-dir ../shared/data"
# The ServiceNow dev split's total weight in the loss, as a fraction of the generated points' (each source
# weighs the same). Fixed by design, not tuned on a test split (docs/evaluation.md: the curve measured).
REAL_SHARE = 1.0
SERVICENOW_FILES = ("incidents.csv", "events.csv")


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


def servicenow_fingerprint(data_dir: Path) -> str:
    """The ServiceNow files the real cases are built from (their bytes, in a fixed order)."""
    digest = hashlib.sha256()
    for name in SERVICENOW_FILES:
        digest.update(name.encode("utf-8") + b"\n")
        digest.update((data_dir / FOLDER / name).read_bytes())
    return digest.hexdigest()


def fit_inputs_fingerprint(runs: list[AccountRun], real: RealRows | None = None) -> str:
    """Everything the fit reads from the replays: truth times, each point's score, compliance and features,
    and each real cut history's incident, label and features."""
    def lines() -> Any:
        for r in runs:
            t = r.truth
            yield json.dumps([t.account_id, t.at_risk, t.escalates, str(t.escalation_at), str(t.first_signal_at)])
            for p in r.points:
                yield json.dumps([p.at.isoformat(), p.score, p.compliance, p.features], sort_keys=True)
        if real is not None:
            for g, y, f in zip(real.groups, real.labels, real.features, strict=True):
                yield json.dumps([g, y, f], sort_keys=True)
    return _sha(lines())


def _prefit_detector() -> tuple[Any, dict[str, str]]:
    """The detector before any fit (no fitted layer, no risk model, lexicon, no meaning)."""
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
    rules = ReferenceEvaluator(ruleset)
    return (lambda: Detector(th, reader, rules, floor)), {"reader": reader.version, "red": f"{th.band_red:g}"}


def replay_dev(split: Split, months: int = MONTHS,
               step_hours: float = STEP_HOURS) -> tuple[list[AccountRun], dict[str, str]]:
    """Dev replayed by the detector before any fit (no fitted layer, no risk model, lexicon, no meaning)."""
    make, detector = _prefit_detector()
    runs = replay(make(), split.truth, split.events_by_account(), DEFAULT_END, months,
                  step=timedelta(hours=step_hours), features=True)
    return runs, detector


def servicenow_dev(data_dir: Path, share: float = REAL_SHARE) -> RealRows:
    """The ServiceNow dev split (earlier incidents) replayed by the pre-fit detector, read at each cut.

    The cases are built as the eval builds them (evals/servicenow.py `evaluate`: three matched negatives
    per escalation, every escalation); only the dev side of the split by opening time is replayed.
    """
    from evals.servicenow import replay_case
    from evals.servicenow_data import build_cases, load, split_by_time

    if not has_servicenow(data_dir):
        raise ValueError(f"{data_dir}: no {FOLDER}/events.csv; the shipped defaults are fitted on the "
                         "ServiceNow dev split too")
    incidents, updates = load(data_dir)
    dev, _test = split_by_time(build_cases(incidents, updates, 3))
    make, _ = _prefit_detector()
    runs = [replay_case(c, make) for c in dev]
    return RealRows([r.features for r in runs], [r.case.label for r in runs], [r.case.number for r in runs],
                    share, f"servicenow_incident_log dev split (incidents opened before {_test[0].opened:%Y-%m-%d})")


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
    real = servicenow_dev(data_dir)
    runs, detector = replay_dev(split, months)
    fit = fit_detection(runs, real=real)
    content = json.dumps([fit.spec.intercept, fit.spec.review_threshold, fit.red,
                          {k: t.model_dump() for k, t in fit.spec.terms.items()}], sort_keys=True)
    spec = RiskModelSpec(**{**fit.spec.model_dump(), "version": "dev-" + hashlib.sha256(content.encode()).hexdigest()[:12]})
    oof = fit.info["dev_out_of_fold_at_choice"]
    size = f"{accounts} accounts x {months} months" + ("" if (accounts, months) == (ACCOUNTS, MONTHS) else
                                                       " (NOT the full run's dev split)")
    header = "\n".join([
        "Shipped default of redaccount's detection, fitted on data (not hand-set). Do not edit by hand.",
        f"fitted_on: the generated dev split (evals/scenarios.py seed {split.seed}, mix \"dev\", {size}, "
        f"{fit.info['dev_points']} daily assessments, text from the dev half of the public pools; "
        "the test split is never generated) and the "
        f"{real.name}: {len(real.features)} cut histories, {sum(real.labels)} escalations, the same total weight "
        f"as the generated points (share {real.share:g}), its own intercept; the later test incidents are never replayed",
        f"command: {COMMAND}",
        f"dev_data_sha256: {data_fingerprint(split)}",
        f"servicenow_data_sha256: {servicenow_fingerprint(data_dir)}",
        f"fit_inputs_sha256: {fit_inputs_fingerprint(runs, real)}",
        f"detector: replayed before any fit: reader {detector['reader']}, escalation by meaning off, the shipped "
        f"rule files at Red {detector['red']}, no risk model, every {STEP_HOURS:g} h",
        f"dev_out_of_fold: precision {oof['precision']}, recall {oof['recall']}, false alarms "
        f"{oof['false_alarms_per_100_accounts_week']} per 100 accounts per week, median lead {oof['median_lead_h']} h "
        f"(C {fit.info['c']}; Red {fit.red:g}, review probability {spec.review_threshold}); ServiceNow dev "
        f"out-of-fold ROC AUC {fit.info['real']['out_of_fold_auc']}",
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
CHECKED = ("fitted_on", "command", "dev_data_sha256", "servicenow_data_sha256", "fit_inputs_sha256", "detector")


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
