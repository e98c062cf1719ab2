"""`redaccount replay FILE --speed N --url URL`: stream an event file to a running server in time order."""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path

import typer

from api.cli.common import console, err_console, load_settings


def replay(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help=".jsonl event file"),
    url: str = typer.Option("http://127.0.0.1:8000", help="The server's base URL."),
    speed: float = typer.Option(86_400.0, min=0, help="Seconds of event time per wall second (0: as fast as "
                                                      "possible, the load generator)."),
    batch: int = typer.Option(200, min=1, max=5000, help="Most events per POST."),
) -> None:
    """Send the file's events when their time comes on an accelerated clock, signed with
    REDACCOUNT_WEBHOOK_SECRET when it is set."""
    from api.replay import Replayer, ReplayError, ordered
    from product.clock import Clock

    settings = load_settings()
    events = ordered([json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()])
    if not events:
        err_console.print("[red]error:[/red] the file has no events")
        raise typer.Exit(1)
    first = events[0]["occurred_at"]
    origin = datetime.fromisoformat(str(first).replace("Z", "+00:00"))
    clock = Clock(origin=origin, speed=speed) if speed > 0 else None
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    replayer = Replayer(url, secret, max_batch=batch)
    started = time.perf_counter()
    try:
        stats = replayer.run(events, clock)
    except ReplayError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    elapsed = time.perf_counter() - started
    console.print(f"sent {stats.events} events in {stats.requests} requests over {elapsed:.1f} s "
                  f"({stats.events / elapsed:.0f} events/s); POST latency p50 {stats.percentile(0.5) * 1000:.0f} ms, "
                  f"p95 {stats.percentile(0.95) * 1000:.0f} ms; {stats.retries} retries")
