"""Risk-score weights learnt from the operator's confirmed and dismissed cases; the rules keep the final say.

Each closed case with a verdict (core/feedback.py) carries the signal values it was opened on. For every
signal kind, the value-weighted share of confirmed cases among the cases it fired in is shrunk toward the overall share
(a Beta prior of ``PRIOR_CASES`` cases), and the kind's configured weight is scaled by that ratio, bounded
to [``LOW``, ``HIGH``]: a signal that mostly fires on dismissed cases weighs less, one that mostly fires
on confirmed cases weighs more, none is switched off or made decisive. The rule files still decide Red,
review and routing; decisive tiers are untouched.

A refit is measured on the held-back part of the labels (a stable hash of each case id) by ranking
AUC of the score, learnt weights against the weights in force; it is activated only when it does not
do worse. Active learnt weights live in ``<data_dir>/risk_weights.json`` and are applied by
:func:`apply_learnt`; they change the thresholds' digest, so windows are re-read like any threshold change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from core.feedback import held_back
from core.store.labels import RISK, OperatorLabel, read_labels, record_evaluation
from rules.thresholds import Thresholds

LOW, HIGH = 0.5, 1.5
PRIOR_CASES = 4.0
FILENAME = "risk_weights.json"


def learn_multipliers(labels: Sequence[OperatorLabel]) -> dict[str, float]:
    """Per signal kind, the shrunk confirmed-share ratio, bounded to [LOW, HIGH]."""
    confirmed = [x.label == "confirmed" for x in labels]
    if not labels or all(confirmed) or not any(confirmed):
        return {}
    overall = sum(confirmed) / len(confirmed)
    # Per kind: (value-weighted confirmed, value-weighted total): a signal that fires strongly on
    # dismissed cases and weakly on confirmed ones is not evidence of risk, even if it fires on both.
    seen: dict[str, list[float]] = {}
    for x, ok in zip(labels, confirmed, strict=True):
        for kind, value in x.detail.get("signals", {}).items():
            if value > 0:
                acc = seen.setdefault(kind, [0.0, 0.0])
                acc[0] += value * ok
                acc[1] += value
    out = {}
    for kind, (hits, total) in sorted(seen.items()):
        share = (hits + PRIOR_CASES * overall) / (total + PRIOR_CASES)
        out[kind] = round(min(HIGH, max(LOW, share / overall)), 4)
    return out


def score_of(signals: Mapping[str, float], weights: Mapping[str, float]) -> float:
    return sum(float(v) * weights.get(k, 0.0) for k, v in signals.items())


def auc(scores: Sequence[float], positive: Sequence[bool]) -> float | None:
    """Ranking AUC (ties count half); None without both classes."""
    pos = [s for s, p in zip(scores, positive, strict=True) if p]
    neg = [s for s, p in zip(scores, positive, strict=True) if not p]
    if not pos or not neg:
        return None
    wins = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in pos for b in neg)
    return round(wins / (len(pos) * len(neg)), 4)


@dataclass
class WeightsRefit:
    """What a refit learnt, how it did on the held-back cases, and whether it was activated."""

    version: str
    multipliers: dict[str, float]
    n_train: int
    n_held: int
    auc_learnt: float | None
    auc_in_force: float | None
    activated: bool
    reason: str
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))


def path_of(data_dir: Path) -> Path:
    return data_dir / FILENAME


def active_multipliers(data_dir: Path) -> dict[str, float]:
    path = path_of(data_dir)
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {str(k): min(HIGH, max(LOW, float(v))) for k, v in data.get("multipliers", {}).items()}


def apply_learnt(th: Thresholds, data_dir: Path) -> Thresholds:
    """The thresholds with the active learnt multipliers applied to their weights (bounded)."""
    mult = active_multipliers(data_dir)
    if not mult:
        return th
    weights = {k: round(w * mult.get(k, 1.0), 4) for k, w in th.weights.items()}
    return th.model_copy(update={"weights": weights})


def refit_risk_weights(engine: sa.Engine, th: Thresholds, data_dir: Path, *, min_cases: int = 8) -> WeightsRefit:
    """Learn multipliers from the training part, compare on the held-back part, activate if not worse."""
    labels = read_labels(engine, RISK)
    train = [x for x in labels if not held_back(x.source_ref)]
    held = [x for x in labels if held_back(x.source_ref)]
    mult = learn_multipliers(train)
    version = "weights-" + hashlib.sha256(json.dumps(mult, sort_keys=True).encode()).hexdigest()[:12]
    in_force = apply_learnt(th, data_dir).weights
    learnt = {k: w * mult.get(k, 1.0) for k, w in th.weights.items()}
    truth = [x.label == "confirmed" for x in held]
    auc_new = auc([score_of(x.detail.get("signals", {}), learnt) for x in held], truth)
    auc_old = auc([score_of(x.detail.get("signals", {}), in_force) for x in held], truth)
    if len(train) < min_cases or not mult:
        activated, reason = False, f"too few cases with both verdicts to learn from ({len(train)})"
    elif auc_new is None or auc_old is None:
        activated, reason = False, "held-back cases lack a confirmed or a dismissed one: nothing to compare on"
    elif auc_new < auc_old:
        activated, reason = False, f"does worse on held-back cases (AUC {auc_new} < {auc_old})"
    else:
        activated, reason = True, f"held-back AUC {auc_new} >= {auc_old} in force"
    result = WeightsRefit(version, mult, len(train), len(held), auc_new, auc_old, activated, reason)
    if activated:
        tmp = path_of(data_dir).with_suffix(".json.tmp")
        data_dir.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(asdict(result), indent=2, sort_keys=True), encoding="utf-8")
        tmp.replace(path_of(data_dir))
    record_evaluation(engine, kind="risk_weights", version=version, metric="auc_held_back", value=auc_new,
                      n=len(held), activated=activated, detail={"auc_in_force": auc_old, "reason": reason,
                                                                 "multipliers": mult})
    return result


def describe(result: WeightsRefit) -> dict[str, Any]:
    return asdict(result)
