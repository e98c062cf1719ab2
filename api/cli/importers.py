"""`redaccount import zendesk|salesforce|hubspot|intercom PATH... [--dry-run]`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from api.cli.common import console, fail_cleanly, load_settings
from connectors.importer import ImportSummary, run_import
from core.db import open_database
from core.ingest import IngestError

import_app = typer.Typer(help="Import what a helpdesk or CRM exports (API responses saved as files, CSV).",
                         no_args_is_help=True)

PATHS = typer.Argument(..., exists=True, dir_okay=False, help="Files as the vendor API or export produced them.")
DRY_RUN = typer.Option(False, "--dry-run", help="Show what would be created or updated; write nothing.")
STRICT = typer.Option(False, "--strict", help="Refuse records with missing dates or ids instead of filling them in.")
TICKET_ID = typer.Option(None, "--ticket-id", help="The ticket of comment lists that do not name it.")
SHOWN = 50


def _show_plan(summary: ImportSummary) -> None:
    table = Table("action", "type", "record", "event id", title="would be written")
    for planned in summary.planned[:SHOWN]:
        event = planned.emitted.event
        cells = (planned.action, event.type, event.payload.id, event.event_id)  # type: ignore[attr-defined]
        table.add_row(*(Text(c) for c in cells))  # Text: ids like `zendesk:ticket:1` are not emoji codes
    console.print(table)
    if len(summary.planned) > SHOWN:
        console.print(f"... and {len(summary.planned) - SHOWN} more")


def _run(vendor: str, paths: list[Path], dry_run: bool, strict: bool = False, ticket_id: str | None = None) -> None:
    engine = open_database(load_settings())
    columns = (TextColumn(f"{vendor}: reading"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"))
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("", total=len(paths))
        with fail_cleanly(IngestError):
            summary = run_import(engine, vendor, paths, dry_run=dry_run, strict=strict, ticket_id=ticket_id,
                                 on_file=lambda p: progress.update(task, advance=1, description=p.name))
    if dry_run:
        _show_plan(summary)
    if summary.skip_reasons:
        reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(summary.skip_reasons.items(), key=lambda x: -x[1]))
        console.print(f"[dim]skipped: {reasons}[/dim]")
    for note, count in sorted(summary.fallbacks.items()):
        console.print(f"[yellow]filled in: {count} {note}[/yellow] (--strict refuses these)")
    console.print(summary.line())


@import_app.command("zendesk")
def import_zendesk(paths: list[Path] = PATHS, dry_run: bool = DRY_RUN, strict: bool = STRICT,
                   ticket_id: str | None = TICKET_ID) -> None:
    """Zendesk Support API responses: tickets, ticket events, comments, audits, metrics, ratings, orgs, users."""
    _run("zendesk", paths, dry_run, strict, ticket_id)


@import_app.command("salesforce")
def import_salesforce(paths: list[Path] = PATHS, dry_run: bool = DRY_RUN, strict: bool = STRICT) -> None:
    """Salesforce Case, CaseComment, Account, Contact: REST query JSON, sfdx tree-import JSON or CSV."""
    _run("salesforce", paths, dry_run, strict)


@import_app.command("hubspot")
def import_hubspot(paths: list[Path] = PATHS, dry_run: bool = DRY_RUN) -> None:
    """HubSpot CRM v3 tickets, contacts and companies (list, search or batch-read responses)."""
    _run("hubspot", paths, dry_run)


@import_app.command("intercom")
def import_intercom(paths: list[Path] = PATHS, dry_run: bool = DRY_RUN) -> None:
    """Intercom conversations (with conversation_parts), contacts and companies."""
    _run("intercom", paths, dry_run)
