"""What the product does, measured: cases and review items opened before the escalation.

Definitions (also written into the report):
- the product acts on an account at an assessment when the band is Red (a case opens, or a review item
  when the assessment is not confident) or the assessment needs review (a risk review item);
- an alert is one new case or review item: an act with no act on the account in the previous 7 days
  (an open case or item absorbs further flags; the product keeps one open case per account);
- a positive is detected when the product acts at some assessment from its first warning sign up to,
  not including, the escalation (non-escalating positives: up to the end of the history);
- a false alarm is an alert on a healthy account, or on an at-risk account before its first warning
  sign; false alarms per 100 accounts per week = false alarms / (accounts x evaluated weeks) x 100;
- lead time: escalation time minus the first qualifying act, for detected escalating positives;
- calibration: every daily assessment with a probability, binned by probability; observed = share whose
  account escalates within 30 days (non-escalating at-risk accounts count from their first warning
  sign); points after the escalation are left out. Error = weighted mean |predicted - observed| (ECE).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from evals.detection import curve_from_peaks
from evals.replay import AccountRun, Point

HORIZON = timedelta(days=30)


def _deadline(run: AccountRun) -> datetime | None:
    return run.truth.escalation_at if run.truth.escalates else None


def qualifying(run: AccountRun, acts: Any = None) -> Point | None:
    """The first act from the positive's first warning sign up to (not including) its escalation."""
    acts = acts or (lambda p: p.acts)
    start, stop = run.truth.first_signal_at, _deadline(run)
    for p in run.points:
        if start is not None and p.at >= start and (stop is None or p.at < stop) and acts(p):
            return p
    return None


COOLDOWN = timedelta(days=7)


def alerts(run: AccountRun, acts: Any = None) -> list[Point]:
    """Points where a new case or review item opens (no act in the previous 7 days)."""
    acts = acts or (lambda p: p.acts)
    out: list[Point] = []
    last: datetime | None = None
    for p in run.points:
        if acts(p):
            if last is None or p.at - last > COOLDOWN:
                out.append(p)
            last = p.at
    return out


def _weeks(runs: list[AccountRun]) -> float:
    spans = [(r.points[-1].at - r.points[0].at).total_seconds() / (7 * 86400) for r in runs if len(r.points) > 1]
    return sum(spans)


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    lo, hi = int(pos), min(int(pos) + 1, len(ordered) - 1)
    return round(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo), 2)


def acting_metrics(runs: list[AccountRun], acts: Any = None) -> dict[str, Any]:
    """Precision, recall, false alarms per 100 accounts per week and lead time of the product's actions."""
    tp = fn = fp_accounts = false_alarms = 0
    leads: list[float] = []
    for run in runs:
        t = run.truth
        if t.at_risk:
            hit = qualifying(run, acts)
            tp += hit is not None
            fn += hit is None
            if hit is not None and t.escalates and t.escalation_at is not None:
                leads.append((t.escalation_at - hit.at).total_seconds() / 3600)
            early = [a for a in alerts(run, acts) if t.first_signal_at is not None and a.at < t.first_signal_at]
            false_alarms += len(early)
        else:
            fired = alerts(run, acts)
            false_alarms += len(fired)
            fp_accounts += bool(fired)
    weeks = _weeks(runs)
    precision = tp / (tp + fp_accounts) if tp + fp_accounts else None
    recall = tp / (tp + fn) if tp + fn else None
    return {
        "tp": tp, "fn": fn, "fp_accounts": fp_accounts,
        "precision": round(precision, 4) if precision is not None else None,
        "recall": round(recall, 4) if recall is not None else None,
        "false_alarms": false_alarms, "account_weeks": round(weeks, 1),
        "false_alarms_per_100_accounts_week": round(100 * false_alarms / weeks, 3) if weeks else None,
        "lead_time_hours": {"n": len(leads), "median": _pct(leads, 0.5), "p10": _pct(leads, 0.1),
                            "values": sorted(round(x, 1) for x in leads)},
    }


def score_pr_curve(runs: list[AccountRun], key: str = "score") -> list[dict[str, float]]:
    """P/R of "peak score before the escalation >= t" (negatives: over the whole history) for every t."""
    peaks = []
    for run in runs:
        stop = _deadline(run)
        values = [getattr(p, key) or 0.0 for p in run.points if stop is None or p.at < stop]
        peaks.append((max(values, default=0.0), run.truth.at_risk))
    return curve_from_peaks(peaks)


def _daily(runs: list[AccountRun]) -> Iterator[tuple[Point, Any]]:
    """Each run's midnight points with its truth, stopping at an escalation (what happens after is not
    a prediction)."""
    for run in runs:
        t = run.truth
        for p in run.points:
            if p.at.hour or p.at.minute:
                continue
            if t.escalates and t.escalation_at is not None and p.at >= t.escalation_at:
                continue
            yield p, t


def labelled_points(runs: list[AccountRun]) -> list[tuple[Point, int]]:
    """Daily points with their outcome: escalates within 30 days (or at risk and past the first sign)."""
    out = []
    for p, t in _daily(runs):
        if t.escalates and t.escalation_at is not None:
            y = int(t.escalation_at - p.at <= HORIZON)
        else:
            y = int(t.at_risk and t.first_signal_at is not None and p.at >= t.first_signal_at)
        out.append((p, y))
    return out


def window_labelled_points(runs: list[AccountRun]) -> list[tuple[Point, int]]:
    """Daily points labelled as the product should act: 1 from a positive's first warning sign up to its
    escalation (or the end), 0 elsewhere (healthy accounts, and positives before their first sign).

    The risk model is fitted on this label (the one the acting metrics judge); calibration is still
    reported against "escalates within 30 days" (`labelled_points`). Points after an escalation are left out.
    """
    return [(p, int(t.at_risk and t.first_signal_at is not None and p.at >= t.first_signal_at))
            for p, t in _daily(runs)]


def calibration(runs: list[AccountRun], bins: int = 10) -> dict[str, Any] | None:
    """Reliability table of the risk probability and its expected calibration error."""
    pairs = [(p.probability, y) for p, y in labelled_points(runs) if p.probability is not None]
    if not pairs:
        return None
    table = []
    for i in range(bins):
        lo, hi = i / bins, (i + 1) / bins
        cell = [(q, y) for q, y in pairs if lo <= q < hi or (i == bins - 1 and q == 1.0)]
        if cell:
            table.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": len(cell),
                          "predicted": round(statistics.fmean(q for q, _ in cell), 4),
                          "observed": round(statistics.fmean(y for _, y in cell), 4)})
    ece = sum(c["n"] * abs(c["predicted"] - c["observed"]) for c in table) / len(pairs)
    return {"points": len(pairs), "base_rate": round(statistics.fmean(y for _, y in pairs), 4),
            "ece": round(ece, 4), "table": table}
