"""The shipped detection defaults are the dev-fitted risk model and Red score (rules/fitted/), reproducibly.

The risk model is fitted on the generated dev split and the ServiceNow dev split together (evals/fit_defaults.py).

Cheap checks always run: the product loads the committed files by default, operator settings still win,
each file records where it came from, its values are the ones its version names, the fit is
deterministic, and (with ../shared/data) the committed dev-data fingerprint is what the dev generator
produces today, from the dev seed only. The whole refit (minutes: it replays the ServiceNow dev split too) is a slow test.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from core.settings import Settings
from evals import fit_defaults as fd
from evals.product_eval import RealRows, fit_detection, same_fit, shipped_fit
from evals.scenarios import SEEDS, build_split
from rules.detect import Detection
from rules.fitted import FITTED_DIR, PROVENANCE_KEYS, RISK_MODEL_FILE, THRESHOLDS_FILE, body, provenance
from rules.loader import load_ruleset
from rules.risk_model import RiskModelSpec, risk_model_for
from rules.thresholds import Thresholds, load_thresholds, thresholds_from_settings

ROOT = Path(__file__).resolve().parents[2]
# ../shared/data next to the checkout, or next to its parent (a git worktree one folder down).
DATA = next((p for p in (ROOT.parent / "shared" / "data", ROOT.parents[1] / "shared" / "data") if p.is_dir()), None)
needs_data = pytest.mark.skipif(DATA is None, reason="../shared/data (the dev split's public text) not present")


def test_a_fresh_install_runs_the_committed_dev_fit(tmp_path: Path) -> None:
    spec, red = shipped_fit()
    assert 25 <= red <= 100 and 0 < spec.review_threshold < 1 and len(spec.terms) >= 10
    detection = Detection.from_settings(Settings(data_dir=tmp_path), sentiment=None, ruleset=None)  # type: ignore[arg-type]
    assert detection.risk_model is not None and detection.risk_model.spec == spec
    assert detection.th.band_red == red and detection.th.band_amber == 15.0
    assert load_ruleset().thresholds["red_score"] == red
    # The fitted layer sits on the code's defaults; only the Red score moves.
    assert Thresholds().band_red == 25.0 and load_ruleset(fitted=False).thresholds["red_score"] == 25
    before = load_thresholds(None, fitted=False).model_dump()
    after = load_thresholds(None).model_dump()
    assert {k for k in after if after[k] != before[k]} == {"band_red"}


def test_operator_settings_still_win(tmp_path: Path) -> None:
    own = tmp_path / "thresholds.yaml"
    own.write_text("signals:\n  band_red: 30\nrules:\n  red_score: 30\n")
    assert load_thresholds(own).band_red == 30 and load_ruleset(None, own).thresholds["red_score"] == 30
    only_weights = tmp_path / "weights.yaml"
    only_weights.write_text("signals:\n  weights:\n    usage_drop: 9\n")
    layered = load_thresholds(only_weights)
    assert layered.weight("usage_drop") == 9 and layered.band_red == shipped_fit()[1]
    model = tmp_path / "model.yaml"
    model.write_text("version: own\nintercept: -1.0\nreview_threshold: 0.9\nterms:\n  log_events: {weight: 1.0}\n")
    assert risk_model_for(model).spec.version == "own"  # type: ignore[union-attr]
    assert risk_model_for("none") is None and risk_model_for("OFF") is None


def test_learnt_weights_from_operator_verdicts_still_apply_on_top(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    (tmp_path / "risk_weights.json").write_text(json.dumps({"multipliers": {"usage_drop": 0.5}}))
    th = thresholds_from_settings(settings)
    assert th.weight("usage_drop") == Thresholds().weight("usage_drop") * 0.5
    assert th.band_red == shipped_fit()[1]


def test_each_file_records_its_provenance_and_its_values_are_its_version() -> None:
    for path in (RISK_MODEL_FILE, THRESHOLDS_FILE):
        header = provenance(path)
        assert set(PROVENANCE_KEYS) <= set(header), path
        assert header["command"] == fd.COMMAND
        assert f"seed {SEEDS['dev']}" in header["fitted_on"] and "test split is never generated" in header["fitted_on"]
        # Real outcomes too: the ServiceNow dev split, never its test incidents.
        assert "servicenow_incident_log dev split" in header["fitted_on"]
        assert "test incidents are never replayed" in header["fitted_on"]
        assert all(len(header[k]) == 64 for k in ("dev_data_sha256", "servicenow_data_sha256", "fit_inputs_sha256"))
        datetime.strptime(header["fitted_at"], "%Y-%m-%d").replace(tzinfo=UTC)
    assert provenance(RISK_MODEL_FILE) == provenance(THRESHOLDS_FILE)
    # A hand edit of a weight or threshold without a refit no longer matches the version the fit gave it.
    spec, red = shipped_fit()
    content = json.dumps([spec.intercept, spec.review_threshold, red, {k: t.model_dump() for k, t in spec.terms.items()}],
                         sort_keys=True)
    assert spec.version == "dev-" + hashlib.sha256(content.encode()).hexdigest()[:12]
    doc = yaml.safe_load(body(THRESHOLDS_FILE))
    assert doc["signals"]["band_red"] == doc["rules"]["red_score"] == red


def test_the_fit_is_deterministic() -> None:
    # Templates, 13 accounts x 4 months: small and fast (the shipped fit uses public text and the full size).
    runs, _ = fd.replay_dev(build_split("dev", 13, 4, None), months=4)
    inputs = fd.fit_inputs_fingerprint(runs)
    a, b = fit_detection(runs), fit_detection(runs)
    assert same_fit(a.spec, a.red, b.spec, b.red) and a.info == b.info
    assert fd.fit_inputs_fingerprint(runs) == inputs  # fitting leaves the replayed points as they were
    assert all(p.probability is None for r in runs for p in r.points)
    # With a second, real source (here: some of the same points relabelled as cut histories of 10 incidents).
    points = [p for r in runs for p in r.points if p.features][:40]
    real = RealRows([dict(p.features or {}) for p in points], [i % 2 for i in range(40)],
                    [f"INC{i // 4}" for i in range(40)])
    c, d = fit_detection(runs, real=real), fit_detection(runs, real=real)
    assert same_fit(c.spec, c.red, d.spec, d.red) and c.info == d.info
    assert "servicenow dev split (40 cut histories" in c.spec.fitted_on and not same_fit(a.spec, a.red, c.spec, c.red)
    assert fd.fit_inputs_fingerprint(runs, real) != inputs


@needs_data
def test_the_committed_dev_fingerprint_is_todays_dev_generator(monkeypatch: pytest.MonkeyPatch) -> None:
    import evals.scenarios as scenarios

    seeds: list[int] = []
    real = scenarios.generate

    def recording(**kwargs: object) -> object:
        seeds.append(kwargs["seed"])  # type: ignore[arg-type]
        return real(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(scenarios, "generate", recording)
    split = fd.dev_split(DATA)  # type: ignore[arg-type]
    assert seeds == [SEEDS["dev"]]  # the test split's seed is never generated for the fit
    assert fd.data_fingerprint(split) == provenance(RISK_MODEL_FILE)["dev_data_sha256"]


@needs_data
def test_the_committed_servicenow_fingerprint_is_the_data_in_shared_data() -> None:
    assert fd.servicenow_fingerprint(DATA) == provenance(RISK_MODEL_FILE)["servicenow_data_sha256"]  # type: ignore[arg-type]


def test_the_fit_refuses_a_data_dir_without_the_servicenow_log(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="servicenow_incident_log"):
        fd.servicenow_dev(tmp_path)


@pytest.mark.slow
@needs_data
def test_the_committed_defaults_are_what_the_fit_produces_today() -> None:
    fitted = fd.fit_defaults(DATA)  # type: ignore[arg-type]
    assert fd.differences(fitted, FITTED_DIR) == []
    assert RiskModelSpec.model_validate(yaml.safe_load(fitted.risk_model_text)) == shipped_fit()[0]
