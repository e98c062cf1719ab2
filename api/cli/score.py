"""`redaccount score`: risk assessments with their signals and evidence."""

from __future__ import annotations

import json
from datetime import datetime

import typer
from rich.table import Table

from api.cli.common import console, err_console, opened_product
from core.models import RiskAssessment

BAND_STYLE = {"red": "bold red", "amber": "yellow", "green": "green"}


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise typer.BadParameter("--as-of needs a time zone, e.g. 2026-11-20T00:00:00Z")
    return parsed


def _summary(assessments: list[RiskAssessment]) -> Table:
    table = Table(title="Account risk", show_lines=False)
    for column in ("account", "name", "band", "score", "confidence", "queue", "top signals"):
        table.add_column(column, justify="right" if column in ("score", "confidence") else "left")
    for a in sorted(assessments, key=lambda a: (-a.score, a.account_id)):
        queue = "review" if a.needs_review else ("red case" if a.band.value == "red" else "")
        top = ", ".join(f"{s.kind} {s.contribution:.0f}" for s in a.signals[:3])
        table.add_row(a.account_id, str(a.context.get("account_name", "")),
                      f"[{BAND_STYLE[a.band.value]}]{a.band.value}[/]", f"{a.score:.1f}", f"{a.confidence:.2f}",
                      queue, top)
    return table


def _detail(a: RiskAssessment) -> Table:
    table = Table(title=f"{a.account_id}: {a.band.value} {a.score:.1f} (confidence {a.confidence:.2f}); "
                        f"rules: {', '.join(a.triggered_rules) or 'none'}", show_lines=True)
    for column in ("signal", "points", "cause", "why", "evidence"):
        table.add_column(column)
    for s in a.signals:
        proof = "\n".join(f"{e.ref} @ {e.at:%Y-%m-%d %H:%M}: {e.quote[:140]!r}" for e in s.evidence[:4])
        table.add_row(f"{s.kind}\n{s.rule_id}", f"{s.contribution:.1f}", s.cause.value, s.detail, proof)
    return table


def score(
    account: str | None = typer.Option(None, "--account", help="Only this account id."),
    json_output: bool = typer.Option(False, "--json", help="Print the assessments as JSON."),
    as_of: str | None = typer.Option(None, "--as-of", help="Assess as of this time (default: newest event)."),
) -> None:
    """Score accounts from their signals: band, confidence, review queue, signals and evidence."""
    when = _parse_time(as_of)
    with opened_product() as product:
        assessments = product.detection.assess_all(product.engine, when, account_id=account)
    if account and not assessments:
        err_console.print(f"[red]error:[/red] no events for account {account!r}")
        raise typer.Exit(1)
    if json_output:
        print(json.dumps([a.model_dump(mode="json") for a in assessments], indent=1, sort_keys=True))
        return
    console.print(_summary(assessments))
    for a in sorted(assessments, key=lambda a: -a.score):
        if account or a.band.value != "green" or a.needs_review:
            console.print(_detail(a))
