"""`redaccount eval`: the offline evaluation suite (report.json, report.md, charts) and `eval sentiment`."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from api.cli.common import console, err_console, opened_product

eval_app = typer.Typer(help="Offline evaluation: detection, routing, compliance, briefs, sentiment, knowledge.",
                       invoke_without_command=True)


def _table(report: dict) -> Table:
    from evals.report import headline

    goals, gates = report["thresholds"]["goals"], report["thresholds"]["gates"]
    table = Table(title=f"redaccount eval ({'full' if report['config']['full'] else 'fast subset'}, "
                        f"text: {report['data']['text']}, thresholds v{report['thresholds']['version']})")
    for column in ("metric", "value", "goal", "gate"):
        table.add_column(column, justify="right" if column == "value" else "left")

    def mark(entry: dict | None) -> str:
        if not entry:
            return ""
        bound = " ".join(f"{'>=' if k == 'min' else '<='}{entry[k]}" for k in ("min", "max") if k in entry)
        if entry["ok"] is None:
            return f"{bound} not measured"
        return f"[green]{bound} ok[/]" if entry["ok"] else f"[red]{bound} MISSED[/]"

    for name, value in headline(report).items():
        shown = "n/a" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))
        table.add_row(name, shown, mark(goals.get(name)), mark(gates.get(name)))
    return table


@eval_app.callback()
def run(
    ctx: typer.Context,
    data_dir: Path | None = typer.Option(None, "--data-dir", help="Public data folder (e.g. ../shared/data); "
                                         "without it the generator's templates are used."),
    out: Path = typer.Option(Path("eval-report"), "--out", help="Where report.json, report.md and charts go."),
    llm: str = typer.Option("none", "--llm", help="Brief drafter: none (extractive), cassette, embedded."),
    full: bool = typer.Option(False, "--full", help="The full run (130 accounts x 6 months per split, "
                                                    "all tweets); default is the fast CI subset."),
    accounts: int | None = typer.Option(None, min=13, help="Accounts per split (overrides the preset)."),
    capacity: int = typer.Option(5, min=1, help="Reviewer capacity K for precision@K."),
    no_knowledge: bool = typer.Option(False, "--no-knowledge", help="Skip the knowledge hit@k (loads MiniLM)."),
) -> None:
    """Run the evaluation; exits 1 when a gate of evals/thresholds.yaml does not hold."""
    if ctx.invoked_subcommand is not None:
        return
    from evals.report import write_all
    from evals.runner import EvalConfig, run_eval

    if llm not in ("none", "cassette", "embedded"):
        raise typer.BadParameter("--llm must be none, cassette or embedded")
    if data_dir is not None and not data_dir.is_dir():
        err_console.print(f"[red]error:[/red] --data-dir {data_dir} is not a folder")
        raise typer.Exit(2)
    cfg = EvalConfig.preset(full, data_dir=data_dir, out=out, llm=llm, accounts=accounts, capacity=capacity,
                            knowledge=not no_knowledge)
    with opened_product() as product, console.status("evaluating ..."):
        # Detection is replayed as serve, score and the workers run it: the product's reader, thresholds,
        # rule set, risk model and escalation-by-meaning setting.
        report = run_eval(cfg, live=product.detection)
        paths = write_all(report, out)
    console.print(_table(report))
    console.print(f"wrote {', '.join(str(p) for p in paths)}")
    failed = [k for k, v in report["thresholds"]["gates"].items() if v["ok"] is False]
    missed = [k for k, v in report["thresholds"]["goals"].items() if v["ok"] is False]
    if missed:
        console.print(f"[yellow]goals missed:[/] {', '.join(missed)} (see report.md)")
    if failed:
        err_console.print(f"[red]gates failed:[/red] {', '.join(failed)}")
        raise typer.Exit(1)


@eval_app.command("sentiment")
def sentiment(
    csv_path: Path = typer.Option(..., "--csv", exists=True, dir_okay=False, help="Labelled CSV to score."),
    text_column: str = typer.Option("text", "--text-column"),
    label_column: str = typer.Option("label", "--label-column"),
    compare_default: bool = typer.Option(False, "--compare-default",
                                         help="Also score the shipped lexicon on the same file."),
) -> None:
    """Score the active sentiment reader (the one every path uses) on a labelled CSV, as JSON. Fits nothing."""
    from agent.sentiment import LexiconSentiment
    from evals.sentiment import score_csv

    try:
        with opened_product() as product:
            report = score_csv(csv_path, text_column, label_column, product.sentiment)
        if compare_default:
            report["shipped_default"] = score_csv(csv_path, text_column, label_column, LexiconSentiment())
    except ValueError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    print(json.dumps(report, indent=2))


@eval_app.command("fit-defaults")
def fit_defaults(
    data_dir: Path = typer.Option(..., "--data-dir", help="Public data folder (../shared/data): the dev split's "
                                  "text and the ServiceNow incident log."),
    out: Path | None = typer.Option(None, "--out", help="Where to write the two files (default: the shipped "
                                    "rules/fitted/ folder)."),
    check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 when a refit differs from the "
                               "committed files."),
) -> None:
    """Fit the shipped detection defaults (risk model, Red score) on the generated and ServiceNow dev splits."""
    from evals import fit_defaults as fd
    from rules.fitted import FITTED_DIR

    if not data_dir.is_dir():
        err_console.print(f"[red]error:[/red] --data-dir {data_dir} is not a folder")
        raise typer.Exit(2)
    with console.status("generating and replaying the dev split, replaying ServiceNow dev, fitting ..."):
        try:
            fitted = fd.fit_defaults(data_dir)
        except ValueError as exc:
            err_console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from None
    console.print(fitted.header)
    if check:
        problems = fd.differences(fitted, out or FITTED_DIR)
        for problem in problems:
            err_console.print(f"[red]differs:[/red] {problem}")
        if problems:
            raise typer.Exit(1)
        console.print(f"[green]the committed defaults in {out or FITTED_DIR} are this fit[/]")
        return
    for path in fd.write(fitted, out or FITTED_DIR):
        console.print(f"wrote {path}")
