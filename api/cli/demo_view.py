"""How the demo prints things: assessments, briefs, swarm, suggestions, KPIs."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from api.cli.common import console
from core.models import Escalation, RiskAssessment

BAND_STYLE = {"red": "bold red", "amber": "yellow", "green": "green"}


def show_assessments(assessments: list[RiskAssessment], names: dict[str, str], limit: int = 40) -> None:
    table = Table(title="Account risk (score = sum of signal points)", show_lines=False)
    for col in ("account", "score", "band", "conf.", "top signals (points) with evidence"):
        table.add_column(col)
    ordered = sorted(assessments, key=lambda a: (-a.score, a.account_id))[:limit]
    for a in ordered:
        band = "review queue" if a.needs_review else a.band.value
        top = sorted(a.signals, key=lambda s: -s.contribution)[:3]
        detail = "; ".join(f"{s.kind} ({s.contribution:.0f}) {s.evidence[0].ref}" for s in top) or "-"
        table.add_row(escape(names.get(a.account_id, a.account_id)), f"{a.score:.0f}",
                      f"[{BAND_STYLE.get(a.band.value, '')}]{band}[/]", f"{a.confidence:.2f}", detail)
    console.print(table)


def show_brief(brief: dict[str, Any]) -> None:
    label = "model" if brief["source"] == "model" else "EXTRACTIVE (no model answer)"
    lines = [f"[bold]{name.replace('_', ' ')}[/]: {escape(brief[name]['text'])}  "
             f"[dim]{escape(', '.join(brief[name]['citations']))}[/]"
             for name in ("intent", "tried", "results", "status", "escalation_reason")]
    console.print(Panel("\n".join(lines), title=f"3-second brief ({label})", expand=False))


def show_case(case: Escalation) -> None:
    table = Table(title=f"Case {case.id}: owner {case.owner}, tier {case.tier.value if case.tier else '-'}")
    table.add_column("swarm member")
    table.add_column("role")
    table.add_column("why (rule)")
    for m in case.swarm:
        table.add_row(m.person, m.role.value, escape(f"{m.reason} ({m.rule_id or '-'})"))
    console.print(table)
    console.print("SLA due: " + ", ".join(f"{k} {v:%Y-%m-%d %H:%M} UTC" for k, v in case.sla_due.items()))


def show_suggestions(suggestions: list[dict[str, Any]], actions: list[dict[str, Any]]) -> None:
    table = Table(title="Knowledge and runbook suggestions")
    for col in ("score", "kind", "title", "source"):
        table.add_column(col)
    for s in suggestions:
        table.add_row(f"{s['score']:.2f}", s.get("kind", ""), escape(s["title"]), escape(s.get("source", "")))
    console.print(table)
    for a in actions:
        console.print(f"  next action ({a['owner_role']}): {escape(a['action'])} [dim]{escape(', '.join(a['citations']))}[/]")


def show_kpis(kpis: dict[str, Any]) -> None:
    table = Table(title="KPI summary")
    table.add_column("measure")
    table.add_column("value")
    for key, value in kpis.items():
        table.add_row(key, f"{value:.2f}" if isinstance(value, float) else str(value))
    console.print(table)
