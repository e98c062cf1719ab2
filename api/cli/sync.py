"""`redaccount sync zendesk|salesforce [--once] [--strict]` and `redaccount sync status`."""

from __future__ import annotations

import typer
from rich.text import Text

from api.cli.common import console, fail_cleanly, load_settings, opened_product
from connectors.http import VendorError
from connectors.runner import SyncBusy, SyncNotConfigured
from connectors.sync import SyncReport
from core.ingest import IngestError
from core.store.sync_cursors import list_cursors
from product import JobEngineDown
from product.sync_jobs import start_following, sync_and_assess

sync_app = typer.Typer(help="Follow Zendesk or Salesforce through their APIs (credentials from settings).",
                       no_args_is_help=True)
ONCE = typer.Option(False, "--once", help="Sync to the end of the vendor's data once, then exit.")
STRICT = typer.Option(False, "--strict", help="Stop at the first record that needs a fallback or cannot be mapped.")
REFUSALS_SHOWN = 20


def _print(report: SyncReport) -> None:
    for stream in report.streams:
        for note, count in sorted(stream.fallbacks.items()):
            console.print(f"[yellow]{stream.stream}: filled in {count} {note}[/yellow]")
    refused = report.refused
    for line in refused[:REFUSALS_SHOWN]:
        console.print(Text(f"refused: {line}", style="red"))
    if len(refused) > REFUSALS_SHOWN:
        console.print(f"... and {len(refused) - REFUSALS_SHOWN} more refused (see the log)")
    console.print(report.line())


def _run(vendor: str, once: bool, strict: bool) -> None:
    settings = load_settings()
    with fail_cleanly(SyncNotConfigured, SyncBusy, VendorError, IngestError, JobEngineDown), \
            opened_product(settings) as product:
        if once:
            _print(sync_and_assess(product, vendor, strict))
            return
        # Follow mode is the `sync_vendor` job: queue it, then work the queue here like a worker does
        # (serve and `redaccount worker` start the same chain by themselves when credentials are set).
        start_following(product, [vendor], strict)
        console.print(f"following {vendor} every {settings.sync_interval_s:.0f}s on the job engine (Ctrl-C stops)")
        product.jobs.run_worker(settings.job_threads)


@sync_app.command("zendesk")
def sync_zendesk(once: bool = ONCE, strict: bool = STRICT) -> None:
    """Organizations, users, tickets, ticket events with comments, metric events, satisfaction ratings."""
    _run("zendesk", once, strict)


@sync_app.command("salesforce")
def sync_salesforce(once: bool = ONCE, strict: bool = STRICT) -> None:
    """Account, Contact, Case and CaseComment by SystemModstamp."""
    _run("salesforce", once, strict)


@sync_app.command("status")
def sync_status() -> None:
    """Where each stream stands: pages and events stored, newest record time, last run."""
    with opened_product() as product:
        cursors = list_cursors(product.engine)
    if not cursors:
        console.print("no sync has run yet")
    for cursor in cursors:
        newest = cursor.watermark.isoformat() if cursor.watermark else "-"
        last = cursor.updated_at.isoformat() if cursor.updated_at else "-"
        resumes = "the vendor's cursor" if cursor.cursor else "the newest record"
        console.print(Text(f"{cursor.stream}: {cursor.pages} page(s), {cursor.events} event(s), newest record "
                           f"{newest}, last page stored {last}, resumes from {resumes}"), soft_wrap=True)
