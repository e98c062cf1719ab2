"""The shipped detection defaults that are fitted, not hand-set: the risk model and the Red threshold.

Both files are written by `redaccount eval fit-defaults --data-dir ../shared/data` (evals/fit_defaults.py)
from the generated **dev** split and the ServiceNow incident log's **dev** split (real escalations), and
start with a provenance header (what they were fitted on, by which command, the data's fingerprints, the
date). They are the bottom layer of the configuration:

- `thresholds.yaml`: the Red score (`signals.band_red` and the rules' `red_score`, one value) loaded
  beneath the operator's `REDACCOUNT_THRESHOLDS_FILE`, whose values win key by key;
- `risk_model.yaml`: the logistic regression of rules/risk_model.py, loaded when
  `REDACCOUNT_RISK_MODEL_FILE` is unset; a file there replaces it, `none` switches it off.

The learnt weight multipliers of the refit job (rules/weights.py, from operator verdicts) still apply on
top of whichever thresholds are in force.
"""

from __future__ import annotations

from pathlib import Path

FITTED_DIR = Path(__file__).parent
THRESHOLDS_FILE = FITTED_DIR / "thresholds.yaml"
RISK_MODEL_FILE = FITTED_DIR / "risk_model.yaml"

# Provenance keys every fitted file's header carries (`# key: value` lines before the YAML body).
PROVENANCE_KEYS = ("fitted_on", "command", "dev_data_sha256", "servicenow_data_sha256", "fit_inputs_sha256", "detector",
                   "fitted_at")


def provenance(path: Path) -> dict[str, str]:
    """The `# key: value` lines of a fitted file's header (up to its first non-comment line)."""
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        key, sep, value = line[1:].strip().partition(": ")
        if sep and key.replace("_", "").isalnum() and " " not in key:
            out[key] = value.strip()
    return out


def body(path: Path) -> str:
    """The file without its header comments: what a refit must reproduce byte for byte."""
    return "".join(line for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
                   if not line.startswith("#"))
