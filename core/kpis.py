"""Programme KPIs computed from escalations, their timelines, measurement events and SLA events.

Definitions:
- escalation volume: cases opened per ISO week (Monday start);
- MTTR: mean hours from opened to closed, over closed cases that were not false positives;
- FCR rate: `fcr` / (`fcr` + `reopened`) measurement events (the FCR watch held vs. the issue came back);
- saves: cases closed `saved` (plus `saved` measurements without a closed case);
- false-positive rate: closed `false_positive` / all closed cases;
- time in phase: mean hours per phase, from `phase_changed` timeline entries ({"to": phase});
- SLA breaches: ticket SLA events with status `breached` per week, plus case clocks past due.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from statistics import mean
from typing import Any

import sqlalchemy as sa

from core.db import schema as t


@dataclass
class KpiReport:
    since: datetime
    until: datetime
    cases_opened: int = 0
    cases_closed: int = 0
    open_cases: int = 0
    escalation_volume: list[tuple[str, int]] = field(default_factory=list)
    mttr_hours: float | None = None
    mttr_by_week: list[tuple[str, float]] = field(default_factory=list)
    fcr_rate: float | None = None
    saves: int = 0
    false_positive_rate: float | None = None
    time_in_phase_hours: dict[str, float] = field(default_factory=dict)
    sla_breaches: int = 0
    sla_breaches_by_week: list[tuple[str, int]] = field(default_factory=list)
    case_clock_breaches: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["since"], data["until"] = self.since.isoformat(), self.until.isoformat()
        return data


def _week(at: datetime) -> str:
    monday: date = (at - timedelta(days=at.weekday())).date()
    return monday.isoformat()


def _phase_of(kind: str, payload: dict[str, Any]) -> str | None:
    if kind == "phase_changed":
        return payload.get("to")
    return payload.get("phase") if kind in ("phase", "phase_entered") else None


def phase_durations(opened_at: datetime, changes: list[tuple[datetime, str]], end: datetime) -> dict[str, float]:
    """Seconds spent in each phase, starting in `detect` at opening."""
    spent: dict[str, float] = defaultdict(float)
    current, since = "detect", opened_at
    for at, phase in sorted(changes):
        spent[current] += max(0.0, (at - since).total_seconds())
        current, since = phase, at
    if current != "closed":
        spent[current] += max(0.0, (end - since).total_seconds())
    return dict(spent)


def compute_kpis(engine: sa.Engine, since: datetime | None = None, until: datetime | None = None,
                 now: datetime | None = None) -> KpiReport:
    now = now or datetime.now(UTC)
    until = until or now
    since = since or until - timedelta(days=90)
    report = KpiReport(since=since, until=until)
    e = t.escalations
    with engine.connect() as c:
        cases = c.execute(sa.select(e).where(e.c.opened_at >= since, e.c.opened_at <= until)).all()
        ids = [r.id for r in cases]
        changes = c.execute(sa.select(t.timeline.c.escalation_id, t.timeline.c.at, t.timeline.c.kind,
                                      t.timeline.c.payload)
                            .where(t.timeline.c.escalation_id.in_(ids))).all() if ids else []
        measures = c.execute(sa.select(t.measurement_events.c.kind, t.measurement_events.c.escalation_id)
                             .where(t.measurement_events.c.at >= since, t.measurement_events.c.at <= until)).all()
        breaches = c.execute(sa.select(t.sla_events.c.occurred_at).where(
            t.sla_events.c.status == "breached", t.sla_events.c.occurred_at >= since,
            t.sla_events.c.occurred_at <= until)).scalars().all()

    report.cases_opened = len(cases)
    report.escalation_volume = sorted(Counter(_week(r.opened_at) for r in cases).items())
    closed = [r for r in cases if r.closed_at is not None]
    report.cases_closed, report.open_cases = len(closed), len(cases) - len(closed)
    report.outcomes = dict(Counter(r.outcome or "unknown" for r in closed))
    resolved = [r for r in closed if r.outcome != "false_positive"]
    if resolved:
        hours = [(r.closed_at - r.opened_at).total_seconds() / 3600 for r in resolved]
        report.mttr_hours = round(mean(hours), 2)
        by_week: dict[str, list[float]] = defaultdict(list)
        for r, h in zip(resolved, hours, strict=True):
            by_week[_week(r.closed_at)].append(h)
        report.mttr_by_week = sorted((w, round(mean(v), 2)) for w, v in by_week.items())
    if closed:
        report.false_positive_rate = round(report.outcomes.get("false_positive", 0) / len(closed), 4)
    kinds = Counter(m.kind for m in measures)
    if kinds["fcr"] + kinds["reopened"]:
        report.fcr_rate = round(kinds["fcr"] / (kinds["fcr"] + kinds["reopened"]), 4)
    saved = {r.id for r in closed if r.outcome == "saved"}
    saved |= {m.escalation_id for m in measures if m.kind == "saved" and m.escalation_id}
    report.saves = len(saved) + sum(1 for m in measures if m.kind == "saved" and not m.escalation_id)

    per_case: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for row in changes:
        phase = _phase_of(row.kind, row.payload or {})
        if phase:
            per_case[row.escalation_id].append((row.at, phase))
    totals: dict[str, list[float]] = defaultdict(list)
    for r in cases:
        for phase, seconds in phase_durations(r.opened_at, per_case.get(r.id, []), r.closed_at or now).items():
            totals[phase].append(seconds / 3600)
    report.time_in_phase_hours = {p: round(mean(v), 2) for p, v in sorted(totals.items())}

    report.sla_breaches = len(breaches)
    report.sla_breaches_by_week = sorted(Counter(_week(b) for b in breaches).items())
    for r in cases:
        end = r.closed_at or now
        report.case_clock_breaches += sum(1 for due in (r.sla_due or {}).values()
                                          if datetime.fromisoformat(due) < end)
    return report
