"""`redaccount score`: risk assessments with their signals and evidence."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import typer
from rich.table import Table

from api.cli.common import console, err_console, load_settings
from core.db import open_database
from core.models import RiskAssessment
from core.settings import Settings
from rules.detect import assess_all
from rules.thresholds import ThresholdsError

BAND_STYLE = {"red": "bold red", "amber": "yellow", "green": "green"}


def sentiment_model(settings: Settings) -> Any:
    """The active sentiment reader (the one every path uses); a broken saved reader is an error, not a fallback."""
    from agent.sentiment import load_sentiment_model

    return load_sentiment_model(settings)


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
    settings = load_settings()
    engine = open_database(settings)
    from agent.sentiment import ReaderError

    try:
        assessments = assess_all(engine, settings, _parse_time(as_of), sentiment=sentiment_model(settings),
                                 account_id=account)
    except (ThresholdsError, ReaderError) as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
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
