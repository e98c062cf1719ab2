"""`redaccount demo`: the live loop on the committed sample, then Red cases run through every phase."""

from __future__ import annotations

import secrets
import shutil
import time
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path

import typer

from api.cli.common import console, err_console, load_settings, opened_product
from api.cli.demo_view import show_assessments, show_kpis

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
    cases: int = typer.Option(1, min=0, max=10, help="How many Red cases to run through every phase."),
    seconds: float = typer.Option(40.0, min=5, help="Wall seconds to stream the sample's months of events in."),
) -> None:
    """Run the end-to-end demo on the committed sample."""
    from api.cli.demo_case import InlineDrafts, run_case
    from api.cli.demo_live import show_lead_times, stream_sample
    from api.replay import ordered
    from core.kpis import compute_kpis
    from core.sample import read_events, truth_path
    from core.store.cases import list_escalations
    from core.store.detection import latest_assessment
    from core.store.records import list_accounts
    from knowledge.seed import seed_runbooks
    from product.clock import Clock

    if llm not in ("embedded", "endpoint", "none"):
        raise typer.BadParameter("choose embedded, endpoint or none", param_hint="--llm")
    started = time.perf_counter()
    _fresh_dir(data_dir)
    base = load_settings()
    secret = secrets.token_urlsafe(24)
    # A small local model on 2 CPU cores needs about a minute per draft: allow it, rather than time out.
    settings = load_settings(data_dir=data_dir, database_url=None, llm_enabled=llm != "none", jobs_url="",
                             llm_timeout_s=max(base.llm_timeout_s, 300.0), webhook_secret=secret,
                             model_cache_dir=base.model_cache_dir or base.data_dir.resolve() / "models")
    events = ordered([e.model_dump(mode="json") for e in read_events()])
    first = events[0]["occurred_at"]
    origin = datetime.fromisoformat(first.replace("Z", "+00:00")) - timedelta(hours=1)
    span = (datetime.fromisoformat(events[-1]["occurred_at"].replace("Z", "+00:00")) - origin).total_seconds()
    clock = Clock(origin=origin, speed=span / seconds)

    with ExitStack() as stack:
        if llm == "embedded" and not _start_model(settings, stack):
            settings = settings.model_copy(update={"llm_enabled": False})
        # The demo drafts the steps it decides inline (api/cli/demo_case.py) rather than queuing a model
        # draft for every case the live loop opens: on 2 CPU cores those would stall the stream for minutes.
        product = stack.enter_context(opened_product(settings, clock=clock, drafts=InlineDrafts()))
        console.print(f"runbooks: {seed_runbooks(product.knowledge).created} seeded; sentiment: "
                      f"{product.sentiment_version}; rules: {product.rules.ruleset.version}")

        console.rule("[bold]1. live: the sample's events arrive over HTTP in time order; each is assessed as it "
                     "comes, a confident Red opens one case")
        stats, watch = stream_sample(product, events, secret)
        now = clock()  # paused at the end of the stream; the case phases advance it step by step
        console.print(f"streamed {stats.events} events in {stats.requests} signed POSTs; event time now "
                      f"{now:%Y-%m-%d %H:%M}")
        show_lead_times(product, watch, truth_path())
        names = {a.id: a.name for a in list_accounts(product.engine)}
        risk = [a for a in (latest_assessment(product.engine, acc) for acc in names) if a is not None]
        show_assessments(risk, names, limit=12)

        console.rule("[bold]2. Red cases through every phase (the demo supplies each decision)")
        open_cases = {c.account_id: c for c in list_escalations(product.engine, open_only=True)}
        chosen = sorted((a for a in risk if a.account_id in open_cases), key=lambda a: -a.score)[:cases]
        timings = [run_case(product.cases, clock, a, names.get(a.account_id, a.account_id)) for a in chosen]

        console.rule("[bold]3. KPI summary")
        report = compute_kpis(product.engine).as_dict()
        show_kpis({k: v for k, v in report.items() if not isinstance(v, list | dict)})
        if timings:
            triage = sorted(t["triage_s"] for t in timings)
            console.print(f"triage (brief + rules + swarm) took {', '.join(f'{t:.1f} s' for t in triage)} "
                          f"({'model' if settings.llm_enabled else 'extractive'} drafting)")
    console.print(f"[green]demo finished[/green] in {time.perf_counter() - started:.0f} s; data in {data_dir}; "
                  f"`redaccount serve` with REDACCOUNT_DATA_DIR={data_dir} shows the inbox and dashboard")
