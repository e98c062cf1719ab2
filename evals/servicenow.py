"""Real outcomes: replay ServiceNow incidents cut before their escalation through the product's detector.

For every case (evals/servicenow_data.py) the detector folds the incident's updates in time order and is
assessed after each update and at the cut. Reported on the test split (incidents opened later than every
dev incident):
- ROC AUC of the product's score at the cut (the points score, and the fitted risk probability);
- the same for count baselines (logistic regression on updates, reassignments, reopens, age; and with
  priority and state) fitted on the dev split;
- precision and recall of "the product acts" (a Red, i.e. a case or a review item, or any review item)
  at any assessment before the cut, and the lead time of those flags (cut minus first flag).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from evals.servicenow_data import Case, build_cases, count_features, load, split_by_time, to_events

BASELINES = {"counts (updates, reassignments, reopens, age)": ("updates", "reassignments", "reopens", "age_hours"),
             "counts + priority + resolved state": ("updates", "reassignments", "reopens", "age_hours", "priority",
                                                    "resolved")}


@dataclass
class Replayed:
    case: Case
    score: float  # points score at the cut
    probability: float | None  # fitted risk probability at the cut (None without a risk model)
    features: dict[str, float]  # the risk model's features at the cut
    first_act: datetime | None  # first assessment where the product would act (Red or review item)


def replay_case(case: Case, make_detector: Any) -> Replayed:
    detector = make_detector()
    events = to_events(case)
    times = sorted({e.occurred_at for e in events})
    first_act = None
    i = 0
    for t in times:
        batch = []
        while i < len(events) and events[i].occurred_at <= t:
            batch.append(events[i])
            i += 1
        detector.process(batch)
        a = detector.assess(case.number, t)
        if first_act is None and _acts(a):
            first_act = t
    final = detector.assess(case.number, case.cut)
    if first_act is None and _acts(final):
        first_act = case.cut
    prob = final.context.get("risk_probability")
    feats = detector.risk_features(case.number, case.cut) if hasattr(detector, "risk_features") else {}
    return Replayed(case, final.score, float(prob) if prob is not None else None, feats, first_act)


def _acts(a: Any) -> bool:
    """The product acts: a Red band (a case, or a review item when not confident) or a review item."""
    return a.band.value == "red" or bool(a.needs_review)


def auc(scores: list[float], labels: list[int]) -> float | None:
    """ROC AUC by the rank statistic (ties count half)."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not pos or not neg:
        return None
    ordered = sorted(scores)
    ranks: dict[float, float] = {}
    i = 0
    while i < len(ordered):
        j = i
        while j < len(ordered) and ordered[j] == ordered[i]:
            j += 1
        ranks[ordered[i]] = (i + j + 1) / 2
        i = j
    rank_sum = sum(ranks[s] for s in pos)
    return round((rank_sum - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)), 4)


def _design(rows: list[dict[str, float]], names: tuple[str, ...]) -> list[list[float]]:
    return [[math.log1p(max(0.0, r[n])) for n in names] for r in rows]


def fit_baseline(dev: list[Case], names: tuple[str, ...]) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    model.fit(_design([count_features(c) for c in dev], names), [c.label for c in dev])
    return model


def _pr(flags: list[bool], labels: list[int]) -> dict[str, Any]:
    tp = sum(1 for f, y in zip(flags, labels, strict=True) if f and y)
    fp = sum(1 for f, y in zip(flags, labels, strict=True) if f and not y)
    fn = sum(1 for f, y in zip(flags, labels, strict=True) if not f and y)
    return {"tp": tp, "fp": fp, "fn": fn, "precision": round(tp / (tp + fp), 4) if tp + fp else None,
            "recall": round(tp / (tp + fn), 4) if tp + fn else None}


def _leads(runs: list[Replayed]) -> dict[str, Any]:
    hours = sorted((r.case.cut - r.first_act).total_seconds() / 3600 for r in runs
                   if r.case.label and r.first_act is not None)
    if not hours:
        return {"flagged": 0, "median_h": None, "p10_h": None}
    p10 = hours[int(0.1 * (len(hours) - 1))]
    return {"flagged": len(hours), "median_h": round(statistics.median(hours), 2), "p10_h": round(p10, 2)}


def evaluate(data_dir: Path, make_detector: Any, fit_risk_model: Any | None = None,
             negatives_per_positive: int = 3, limit_positives: int | None = None,
             configured: Any | None = None) -> dict[str, Any]:
    """The full comparison; `fit_risk_model(dev_runs)` returns a detector factory using the fitted model;
    `configured` (a detector factory) scores the product's own risk model as it stands, fitted on nothing here."""
    incidents, updates = load(data_dir)
    cases = build_cases(incidents, updates, negatives_per_positive, limit_positives=limit_positives)
    dev, test = split_by_time(cases)
    test_labels = [c.label for c in test]
    out: dict[str, Any] = {
        "cases": {"dev": len(dev), "test": len(test), "dev_positives": sum(c.label for c in dev),
                  "test_positives": sum(test_labels), "negatives_per_positive": negatives_per_positive,
                  "test_opened_from": min(c.opened for c in test).isoformat() if test else None},
        "baselines": {},
    }
    for name, names in BASELINES.items():
        model = fit_baseline(dev, names)
        probs = model.predict_proba(_design([count_features(c) for c in test], names))[:, 1]
        out["baselines"][name] = {"auc": auc([float(p) for p in probs], test_labels), "features": list(names)}
    best = max(out["baselines"].values(), key=lambda b: b["auc"] or 0.0)
    out["best_baseline_auc"] = best["auc"]

    before = [replay_case(c, make_detector) for c in test]
    out["product_before"] = _summary(before, "points score")
    if configured is not None:
        shipped = [replay_case(c, configured) for c in test]
        out["product_configured"] = _summary(shipped, "configured risk probability (not fitted on these incidents)",
                                             use_probability=True)
    if fit_risk_model is not None:
        dev_runs = [replay_case(c, make_detector) for c in dev]
        fitted_factory, model_info = fit_risk_model(dev_runs)
        after = [replay_case(c, fitted_factory) for c in test]
        out["product_after"] = _summary(after, "fitted risk probability", use_probability=True)
        out["risk_model"] = model_info
    return out


def _summary(runs: list[Replayed], what: str, use_probability: bool = False) -> dict[str, Any]:
    labels = [r.case.label for r in runs]
    scores = [(r.probability or 0.0) if use_probability else r.score for r in runs]
    flags = [r.first_act is not None for r in runs]
    by_kind: dict[str, float | None] = {}
    for kind in ("priority_raise", "reopen"):
        keep = [i for i, r in enumerate(runs) if not r.case.label or r.case.kind == kind]
        by_kind[kind] = auc([scores[i] for i in keep], [labels[i] for i in keep])
    return {"score": what, "auc": auc(scores, labels), "auc_by_kind": by_kind, "acts": _pr(flags, labels),
            "lead_time": _leads(runs), "nonzero_scores": sum(1 for s in scores if s > 0)}
