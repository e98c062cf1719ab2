"""`redaccount rules check|match`: validate the rule files; match compliance terms in text from stdin."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from api.cli.common import console, err_console, load_settings

rules_app = typer.Typer(help="The YAML rules (triggers, compliance, tiers, roles, SLA, exit).", no_args_is_help=True)


def _paths(rules_dir: Path | None, thresholds: Path | None) -> tuple[str | None, str | None]:
    settings = load_settings()
    rules_dir = rules_dir or settings.rules_dir
    thresholds = thresholds or settings.thresholds_file
    return (str(rules_dir) if rules_dir else None, str(thresholds) if thresholds else None)


@rules_app.command("check")
def rules_check(
    rules_dir: Path = typer.Option(None, help="Folder of rule YAML (default: shipped or REDACCOUNT_RULES_DIR)."),
    thresholds: Path = typer.Option(None, help="Threshold overrides YAML."),
    json_output: bool = typer.Option(False, "--json"),
) -> None:
    """Validate the rule set; every problem is listed with file, rule id, field and a suggestion."""
    from rules.loader import check_rules

    summary = check_rules(*_paths(rules_dir, thresholds))
    if json_output:
        print(json.dumps(summary, indent=2, default=str))
    elif summary["ok"]:
        console.print(f"[green]rules ok[/green]: version {summary['version']}, "
                      + ", ".join(f"{k} {v}" for k, v in summary["rules"].items())
                      + f", {summary['compliance_terms']} compliance terms, {summary['facts']} facts")
    else:
        for problem in summary["errors"]:
            err_console.print(f"[red]{problem['text']}[/red]")
    if not summary["ok"]:
        raise typer.Exit(1)


@rules_app.command("match")
def rules_match(
    rules_dir: Path = typer.Option(None, help="Folder of rule YAML."),
    thresholds: Path = typer.Option(None, help="Threshold overrides YAML."),
) -> None:
    """Read text on stdin; print JSON hits (rule id, category, matched term, span, quote)."""
    from rules.engine import match_stdin_text

    text = sys.stdin.read()
    print(json.dumps(match_stdin_text(text, *_paths(rules_dir, thresholds)), indent=2, ensure_ascii=False))
