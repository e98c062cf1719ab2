"""Escalation detection metrics from replayed accounts: P/R/F1, FPR, precision@K, lead time, PR curve, ablation.

Definitions (also written into the report):
- positive: an account the ground truth marks at risk (every escalating archetype plus usage drop and
  silence before renewal); negative: healthy accounts and hard negatives;
- flagged: Red at some assessment time, from the positive's first warning sign on (a Red before any
  warning sign existed is not a detection), over the whole evaluated history for a negative;
- lead time: truth.escalation_at minus the first such Red flag, in hours, for escalating positives that
  were flagged (negative when the flag came after the escalation);
- precision@K: every day, the K highest-scoring non-green accounts (the reviewers' queue); a queue
  entry is right when the account is at risk and its first warning sign has happened; averaged over
  days with a non-empty queue.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime
from typing import Any

from evals.replay import FAMILIES, AccountRun


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 4) if b else None


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    lo, hi = int(pos), min(int(pos) + 1, len(ordered) - 1)
    return round(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo), 2)


def lead_hours(run: AccountRun, family: str | None = None, threshold: float | None = None) -> float | None:
    first = run.first_red(family, threshold)
    if first is None or not run.truth.escalates or run.truth.escalation_at is None:
        return None
    return round((run.truth.escalation_at - first).total_seconds() / 3600, 2)


def confusion(runs: list[AccountRun], family: str | None = None, threshold: float | None = None) -> dict[str, Any]:
    """Account-level counts and rates, lead times of the escalating positives, and recall by archetype."""
    tp = fp = fn = tn = 0
    by_archetype: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    leads: list[float] = []
    missed_escalations = 0
    for run in runs:
        flagged = run.first_red(family, threshold) is not None
        positive = run.truth.at_risk
        tp += flagged and positive
        fp += flagged and not positive
        fn += (not flagged) and positive
        tn += (not flagged) and not positive
        cell = by_archetype[run.truth.archetype.value]
        cell[0] += flagged
        cell[1] += 1
        if run.truth.escalates:
            lead = lead_hours(run, family, threshold)
            if lead is None:
                missed_escalations += 1
            else:
                leads.append(lead)
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = round(2 * precision * recall / (precision + recall), 4) if precision and recall else 0.0
    escalating = len(leads) + missed_escalations
    return {
        "tp": tp, "fp": fp, "fn": fn, "tn": tn, "precision": precision, "recall": recall, "f1": f1,
        "false_positive_rate": _ratio(fp, fp + tn),
        "lead_time_hours": {
            "escalating_positives": escalating,
            "flagged": len(leads),
            "flagged_before_escalation": sum(1 for x in leads if x > 0),
            "median": _percentile(leads, 0.5),
            "p10": _percentile(leads, 0.1),
            "values": sorted(leads),
        },
        "flagged_by_archetype": {k: f"{v[0]}/{v[1]}" for k, v in sorted(by_archetype.items())},
    }


def pr_curve(runs: list[AccountRun], family: str | None = None) -> list[dict[str, float]]:
    """Precision and recall when an account is flagged at peak score >= t, for every distinct peak t."""
    return curve_from_peaks([(run.peak(family), run.truth.at_risk) for run in runs], digits=3)


def curve_from_peaks(peaks: list[tuple[float, bool]], digits: int = 4) -> list[dict[str, float]]:
    """Precision and recall of "peak >= t" over (peak, escalated) pairs, for every distinct positive peak t."""
    positives = sum(y for _, y in peaks)
    curve = []
    for t in sorted({s for s, _ in peaks if s > 0}, reverse=True):
        tp = sum(1 for s, y in peaks if s >= t and y)
        fp = sum(1 for s, y in peaks if s >= t and not y)
        curve.append({"threshold": round(t, digits), "precision": round(tp / (tp + fp), 4),
                      "recall": round(tp / positives, 4) if positives else 0.0})
    return curve


def choose_threshold(runs: list[AccountRun], min_precision: float) -> float | None:
    """The score threshold with the highest recall whose precision is at least `min_precision` (the
    highest such threshold among ties, i.e. the most conservative). Call on the dev split only."""
    best: tuple[float, float] | None = None
    for point in pr_curve(runs):
        if point["precision"] >= min_precision and (best is None or point["recall"] > best[0]):
            best = (point["recall"], point["threshold"])
    return best[1] if best else None


def precision_at_k(runs: list[AccountRun], k: int, days: list[datetime], amber: float) -> dict[str, Any]:
    """Mean daily precision of the top-K review queue (non-green accounts by score)."""
    at: dict[datetime, list[tuple[float, bool]]] = defaultdict(list)
    wanted = set(days)
    for run in runs:
        start = run.truth.first_signal_at
        for p in run.points:
            if p.at in wanted and p.score >= amber:
                relevant = run.truth.at_risk and start is not None and p.at >= start
                at[p.at].append((p.score, relevant))
    daily = []
    for day in sorted(at):
        queue = sorted(at[day], key=lambda x: -x[0])[:k]
        daily.append(sum(r for _, r in queue) / len(queue))
    return {"k": k, "precision_at_k": round(statistics.fmean(daily), 4) if daily else None,
            "days_with_queue": len(daily), "days": len(days)}


def ablation(runs: list[AccountRun]) -> dict[str, Any]:
    """F1 (and P/R) at the red band with each signal family's points removed from the score."""
    out = {"all signals": confusion(runs)}
    for family in FAMILIES:
        out[f"without {family}"] = confusion(runs, family=family)
    return {name: {k: m[k] for k in ("precision", "recall", "f1", "false_positive_rate")} for name, m in out.items()}
