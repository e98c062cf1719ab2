"""`redaccount ingest` and `redaccount schema`."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.progress import Progress

from api.cli.common import console, fail_cleanly, opened_product
from core.db import table_counts
from core.events import event_json_schema
from core.ingest import IngestError, ingest_paths

schema_app = typer.Typer(help="Print JSON Schemas of the input formats.", no_args_is_help=True)


@schema_app.command("events")
def schema_events() -> None:
    """Print the JSON Schema of the event envelope."""
    print(json.dumps(event_json_schema(), indent=2, sort_keys=True))


def ingest(
    paths: list[Path] = typer.Argument(..., exists=True, dir_okay=False, help=".jsonl or .csv files"),
    json_output: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Ingest event files: all validated first, then written in one transaction (nothing on any error);
    every account with new events is queued for assessment."""
    from product.assess import assess_pending

    with opened_product() as product:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("validating", total=len(paths))
            with fail_cleanly(IngestError):
                summary = ingest_paths(product.engine, paths, on_file=lambda _p, _n: progress.advance(task))
        queued = assess_pending(product)
        counts = table_counts(product.engine)
    if json_output:
        print(json.dumps(summary.as_dict() | {"accounts_queued": queued}, sort_keys=True))
        return
    console.print(
        f"ingested {summary.inserted} new event(s), {summary.duplicates} already known, from {len(paths)} file(s); "
        f"{queued} account(s) queued for assessment (run by `redaccount serve` or `redaccount worker`)"
    )
    console.print(", ".join(f"{k}={v}" for k, v in counts.items() if v))
