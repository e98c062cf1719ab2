"""`redaccount demo`: a fresh data dir, the sample ingested, detection, and Red cases run end to end."""

from __future__ import annotations

import shutil
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import typer
from rich.table import Table

from api.cli.common import console, err_console, load_settings
from api.cli.demo_view import show_assessments, show_kpis
from core.db import open_database, table_counts
from core.ingest import ingest_paths

DEMO_MARKER = ".redaccount-demo"


def _fresh_dir(path: Path) -> None:
    # Only ever wipe a folder this command created itself (it carries the marker file).
    if path.exists():
        if not (path / DEMO_MARKER).exists():
            raise typer.BadParameter(f"{path} exists and was not created by the demo; choose another --data-dir")
        shutil.rmtree(path)
    path.mkdir(parents=True)
    (path / DEMO_MARKER).write_text("created by redaccount demo\n")


def _start_model(settings, stack: ExitStack) -> bool:  # type: ignore[no-untyped-def]
    """Start the embedded model; on failure say why and continue with labelled extractive drafts."""
    from agent.llm_server import LlmServerError, running_server
    from agent.model_files import ModelFileError

    try:
        server = stack.enter_context(running_server(settings))
    except (LlmServerError, ModelFileError) as exc:
        err_console.print(f"[yellow]embedded model unavailable, drafts will be extractive:[/] {exc}")
        return False
    console.print(f"embedded model serving on {server.options.base_url}")
    return True


def demo(
    data_dir: Path = typer.Option(Path(".redaccount/demo"), help="Fresh data dir for the demo (recreated)."),
    llm: str = typer.Option("embedded", help="embedded: start the local model | endpoint: use REDACCOUNT_LLM_* | none"),
    cases: int = typer.Option(1, min=1, max=10, help="How many Red cases to run end to end."),
) -> None:
    """Run the end-to-end demo on the committed sample."""
    from agent.sentiment import load_sentiment_model
    from api.cli.demo_case import DemoClock, run_case
    from core.kpis import compute_kpis
    from core.sample import DEFAULT_END, sample_path
    from core.store.records import list_accounts
    from graph.runtime import build_runtime
    from knowledge.base import ChromaKnowledgeBase
    from knowledge.seed import seed_runbooks
    from rules.detect import assess_all

    if llm not in ("embedded", "endpoint", "none"):
        raise typer.BadParameter("choose embedded, endpoint or none", param_hint="--llm")
    started = time.perf_counter()
    _fresh_dir(data_dir)
    base = load_settings()
    # A small local model on 2 CPU cores needs about a minute per draft: allow it, rather than time out.
    settings = load_settings(data_dir=data_dir, database_url=None, llm_enabled=llm != "none",
                             llm_timeout_s=max(base.llm_timeout_s, 300.0),
                             model_cache_dir=base.model_cache_dir or base.data_dir.resolve() / "models")
    engine = open_database(settings)

    console.rule("[bold]1. ingest the sample account histories")
    summary = ingest_paths(engine, [sample_path()])
    again = ingest_paths(engine, [sample_path()])
    console.print(f"ingested {summary.inserted} events; re-ingesting the same file added {again.inserted}")
    counts = Table("record", "rows")
    for name, count in table_counts(engine).items():
        if count and name in ("accounts", "contacts", "tickets", "messages", "usage_snapshots", "csat_responses",
                              "sla_events", "notes"):
            counts.add_row(name, str(count))
    console.print(counts)

    console.rule("[bold]2. detect: signals with evidence, scored, decided by the rules")
    sentiment = load_sentiment_model(settings)
    assessments = assess_all(engine, settings, sentiment=sentiment)
    names = {a.id: a.name for a in list_accounts(engine)}
    show_assessments(assessments, names)
    bands = Counter("review queue" if a.needs_review else a.band.value for a in assessments)
    console.print("bands: " + ", ".join(f"{k} {v}" for k, v in sorted(bands.items())))

    console.rule("[bold]3. knowledge base and model")
    knowledge = ChromaKnowledgeBase.from_settings(settings)
    console.print(f"runbooks: {seed_runbooks(knowledge).created} seeded")
    with ExitStack() as stack:
        if llm == "embedded" and not _start_model(settings, stack):
            settings = settings.model_copy(update={"llm_enabled": False})
        clock = DemoClock(DEFAULT_END)
        by_id = {a.account_id: a for a in assessments}

        def assess(account_id: str):  # type: ignore[no-untyped-def]
            return assess_all(engine, settings, clock(), sentiment=sentiment, account_id=account_id)[0] \
                if account_id in by_id else None

        runtime = stack.enter_context(build_runtime(settings, engine, knowledge=knowledge, assess=assess,
                                                    clock=clock))
        red = sorted((a for a in assessments if a.band.value == "red" and not a.needs_review),
                     key=lambda a: -a.score)[:cases]
        if not red:
            err_console.print("[red]no Red account in the sample: nothing to run[/]")
            raise typer.Exit(1)
        timings = [run_case(runtime.service, clock, a, names.get(a.account_id, a.account_id)) for a in red]

    console.rule("[bold]4. KPI summary")
    report = compute_kpis(engine).as_dict()
    show_kpis({k: v for k, v in report.items() if not isinstance(v, list | dict)})
    triage = sorted(t["triage_s"] for t in timings)
    console.print(f"triage (brief + rules + swarm) took {', '.join(f'{t:.1f} s' for t in triage)} "
                  f"({'model' if settings.llm_enabled else 'extractive'} drafting)")
    console.print(f"[green]demo finished[/green] in {time.perf_counter() - started:.0f} s; data in {data_dir}; "
                  f"`redaccount serve` with REDACCOUNT_DATA_DIR={data_dir} shows the inbox and dashboard")
