"""Which charts exist and from which data: the dashboard's and an account's, shared by pages and the API."""

from __future__ import annotations

from datetime import date, datetime

from api.charts import Chart
from core.kpis import KpiReport

DASHBOARD_NAMES = ("volume", "mttr", "phases", "sla", "outcomes", "fcr", "fp")
PHASES = ("detect", "triage", "resolve", "post_resolution", "fcr_watch", "closed")


def _phase_order(name: str) -> int:
    return PHASES.index(name) if name in PHASES else len(PHASES)


def _week(label: str) -> str:
    """'2026-11-23' (the week's Monday) as '23 Nov'; anything else unchanged."""
    try:
        return date.fromisoformat(label).strftime("%d %b")
    except ValueError:
        return label


def dashboard_charts(k: KpiReport) -> dict[str, Chart]:
    """The KPI dashboard's charts by name (the names are the API's `/charts/{name}.svg|png`)."""
    phases = sorted(k.time_in_phase_hours.items(), key=lambda kv: _phase_order(kv[0]))
    return {
        "volume": Chart("bar", "Escalations opened per week", [(_week(w), float(n)) for w, n in k.escalation_volume],
                        legend="cases opened"),
        "mttr": Chart("bar", "MTTR (hours) by week closed", [(_week(w), h) for w, h in k.mttr_by_week], " h", legend="mean hours to resolve"),
        "phases": Chart("bar", "Mean hours in each phase", [(p.replace("_", " "), h) for p, h in phases], " h",
                        legend="mean hours in phase"),
        "sla": Chart("bar", "SLA breaches per week", [(_week(w), float(n)) for w, n in k.sla_breaches_by_week],
                     legend="ticket SLA breaches"),
        "outcomes": Chart("bar", "Closed cases by outcome",
                          [(o.replace("_", " "), float(n)) for o, n in sorted(k.outcomes.items())],
                          legend="closed cases"),
        "fcr": Chart("gauge", "FCR rate", value=k.fcr_rate, legend="first-contact resolution rate"),
        "fp": Chart("gauge", "False-positive rate", value=k.false_positive_rate, legend="Red flags rejected as false"),
    }


def _day(value: datetime | date) -> str:
    return value.strftime("%d %b")


def risk_chart(history: list[tuple[datetime, float]]) -> Chart:
    return Chart("line", "Risk score over time", [(_day(at), score) for at, score in history],
                 legend="risk score (0-100)", y_max=100.0)


def csat_chart(responses: list[tuple[datetime, int]]) -> Chart:
    return Chart("line", "CSAT responses", [(_day(at), float(s)) for at, s in responses],
                 legend="CSAT score (1-5)", y_max=5.0)


def usage_chart(weeks: list[tuple[date, int]]) -> Chart:
    return Chart("line", "Weekly active users", [(_day(w), float(n)) for w, n in weeks], legend="active users")
