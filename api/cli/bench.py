"""`redaccount bench ...`: benchmarks that report ratios against a baseline measured in the same run."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from api.cli.common import console, load_settings, opened_product

bench_app = typer.Typer(help="Benchmarks (ratios against a baseline measured in the same run); "
                             "without a subcommand: all of them.", invoke_without_command=True)


@bench_app.callback()
def bench_default(ctx: typer.Context) -> None:
    """With no subcommand, run `bench all` with its defaults."""
    if ctx.invoked_subcommand is None:
        bench_all()


@bench_app.command("all")
def bench_all(
    long: bool = typer.Option(False, "--long", help="Full-size runs (1M-event flatness, 2k documents, 10 s HTTP)."),
    only: list[str] = typer.Option([], "--only", help="Run just these: detection, graph, knowledge, http, open."),
    out: Path | None = typer.Option(None, "--out", help="Also write the JSON report to this file."),
    json_output: bool = typer.Option(False, "--json"),
) -> None:
    """Detection, graph, knowledge and HTTP benchmarks in one report, with ratios against in-run baselines."""
    from evals.bench_all import BenchConfig, run_all

    settings = load_settings()
    cfg = BenchConfig.long() if long else BenchConfig()
    if only:
        unknown = set(only) - set(cfg.only)
        if unknown:
            raise typer.BadParameter(f"unknown benchmark(s) {sorted(unknown)}; choose from {list(cfg.only)}")
        cfg.only = tuple(only)
    with opened_product(settings) as product, console.status("benchmarking ..."):
        report = run_all(cfg, product.sentiment, settings)
    text = json.dumps(report, indent=1, sort_keys=True, default=str)
    if out:
        out.write_text(text + "\n", encoding="utf-8")
    if json_output:
        print(text)
        return
    table = Table(title="redaccount bench (ratio: ours vs the in-run baseline; higher is better)")
    for column in ("benchmark", "measure", "ours", "baseline", "baseline value", "ratio", "s"):
        table.add_column(column, justify="right" if column in ("ours", "baseline value", "ratio", "s") else "left")
    for name, r in report["results"].items():
        if "error" in r:
            table.add_row(name, f"[red]{r['error']}[/]", "", "", "", "", str(r["seconds"]))
            continue
        table.add_row(name, r["measure"], f"{r['value']:,}", r["baseline"], f"{r['baseline_value']:,}",
                      f"{r['ratio']}", str(r["seconds"]))
    console.print(table)


@bench_app.command("detection")
def detection(
    accounts: int = typer.Option(200, min=1, help="Accounts in the generated histories."),
    seed: int = typer.Option(11),
    max_history: int = typer.Option(1_000_000, min=10_000, help="Largest history for the flatness run."),
    next_events: int = typer.Option(5_000, "--next", min=100, help="K: marginal events timed at each size."),
    json_output: bool = typer.Option(False, "--json"),
) -> None:
    """End-to-end events/s vs the durable-rules ceiling, and per-event cost at 10k/100k/1M of history."""
    from evals.bench_detection import __doc__ as method
    from evals.bench_detection import run_detection_bench

    settings = load_settings()
    sizes = tuple(s for s in (10_000, 100_000, 1_000_000) if s <= max_history)
    with opened_product(settings) as product:
        result = run_detection_bench(accounts, seed, sizes, next_events, product.sentiment, settings)
    if json_output:
        print(json.dumps({**result.__dict__, "ratio_to_ceiling": result.ratio_to_ceiling,
                          "flatness": result.flatness}, indent=1, sort_keys=True, default=str))
        return
    print((method or "").strip())
    print()
    print("\n".join(result.lines()))


@bench_app.command("accounts")
def accounts_page(
    accounts: int = typer.Option(10_000, min=100, help="Accounts in the generated book."),
    per_account: int = typer.Option(5, min=1, help="Assessments per account (history for the trends)."),
    repeats: int = typer.Option(30, min=5, help="Timed requests per measurement."),
    database_url: str | None = typer.Option(None, help="Run on this (empty) PostgreSQL database instead of SQLite."),
    json_output: bool = typer.Option(False, "--json"),
) -> None:
    """Server time of the accounts page's first page (and each filter) vs a bare FastAPI endpoint."""
    from evals.bench_accounts import __doc__ as method
    from evals.bench_accounts import run_accounts_bench

    with console.status(f"filling {accounts:,} accounts and timing /ui/accounts ..."):
        r = run_accounts_bench(accounts, per_account, repeats, database_url)
    if json_output:
        print(json.dumps(r, indent=1, sort_keys=True))
        return
    print((method or "").strip())
    table = Table(title=f"/ui/accounts over {r['accounts']:,} accounts, {r['assessments']:,} assessments ({r['database']})")
    for column in ("measure", "median ms", "p95 ms"):
        table.add_column(column, justify="left" if column == "measure" else "right")
    table.add_row("page 1 (server time)", str(r["page"]["median_ms"]), str(r["page"]["p95_ms"]))
    for name, s in r["filters"].items():
        table.add_row(f"page with {name}", str(s["median_ms"]), str(s["p95_ms"]))
    table.add_row("store query alone", str(r["store_query"]["median_ms"]), str(r["store_query"]["p95_ms"]))
    table.add_row("baseline: bare FastAPI endpoint, same HTML", str(r["baseline"]["median_ms"]), str(r["baseline"]["p95_ms"]))
    console.print(table)
    console.print(f"ratio baseline/ours {r['ratio']} · goal p95 <= {r['goal_ms']:.0f} ms: "
                  + ("[green]met[/]" if r["goal_met"] else "[red]not met[/]"))


@bench_app.command("endpoints")
def endpoints(
    accounts: int = typer.Option(10_000, min=10, help="Accounts seeded (each with an assessment)."),
    approvals: int = typer.Option(1_000, min=1, help="Open cases seeded, each with a pending approval."),
    decisions: int = typer.Option(20, min=1, help="Cases run through the workflow, for the timed decisions."),
    repeats: int = typer.Option(100, min=3, help="Timed requests per read endpoint."),
    database: list[str] = typer.Option(["sqlite", "postgresql"], "--database",
                                       help="sqlite and/or postgresql (a fresh database next to --pg)."),
    pg: str = typer.Option("postgresql+psycopg://postgres@127.0.0.1:5432/test", "--pg",
                           help="PostgreSQL admin URL: the run creates and drops its own database beside it."),
    profile_dir: Path | None = typer.Option(None, help="Also write a cProfile summary per endpoint here."),
    json_output: bool = typer.Option(False, "--json"),
) -> None:
    """Server time per endpoint (inbox, approval detail, case 360, account risk, accounts page, POST
    decision) at scale, against a bare FastAPI endpoint timed in the same run; statements per request."""
    import os

    from evals.bench_endpoints import __doc__ as method
    from evals.bench_endpoints import fresh_postgres, run_endpoint_bench

    unknown = set(database) - {"sqlite", "postgresql"}
    if unknown:
        raise typer.BadParameter(f"unknown database(s) {sorted(unknown)}; choose sqlite and/or postgresql")
    say = (lambda text: None) if json_output else (lambda text: console.print(f"[dim]{text}[/]"))
    reports = []
    for name in database:
        url, drop = fresh_postgres(pg) if name == "postgresql" else (None, None)
        try:
            reports.append(run_endpoint_bench(url, accounts, approvals, decisions, repeats,
                                              profile_dir=profile_dir, say=say))
        finally:
            if drop:
                drop()
    if json_output:
        print(json.dumps(reports, indent=1, sort_keys=True))
        return
    print((method or "").strip())
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    for r in reports:
        table = Table(title=f"{r['database']}: {r['accounts']:,} accounts, {r['open_approvals']:,} open approvals "
                            f"(load average now {load})")
        for column in ("endpoint", "p50 ms", "p95 ms", "x bare p50", "statements", "bytes"):
            table.add_column(column, justify="left" if column == "endpoint" else "right")
        table.add_row("bare FastAPI (baseline)", str(r["baseline"]["p50_ms"]), str(r["baseline"]["p95_ms"]), "1.0",
                      "0", "")
        for name, e in r["endpoints"].items():
            table.add_row(name, str(e["p50_ms"]), str(e["p95_ms"]), str(e["ratio_p50"]), e["queries"], f"{e['bytes']:,}")
        console.print(table)
        console.print(f"goal: each read p50 <= {r['goal_p50_ms']:.0f} ms (the whole unpaged inbox and the decision "
                      "excluded): " + ("[green]met[/]" if r["reads_goal_met"] else "[red]not met[/]"))
