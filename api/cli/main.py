"""Command tree of `redaccount`: one module per command group."""

from __future__ import annotations

import typer

from api.cli.backup import backup, restore
from api.cli.bench import bench_app
from api.cli.demo import demo
from api.cli.eval import eval_app
from api.cli.importers import import_app
from api.cli.inbox import inbox_app
from api.cli.ingest import ingest, schema_app
from api.cli.kb import kb_app
from api.cli.llm import llm_app
from api.cli.rules import rules_app
from api.cli.score import score
from api.cli.serve import serve
from api.cli.sync import sync_app
from api.cli.train import train_app

app = typer.Typer(
    name="redaccount",
    help="Red Account protocol: detect at-risk accounts, swarm them, approve every step, capture what fixed it.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command()(demo)
app.command()(ingest)
app.command()(serve)
app.command()(score)
app.command()(backup)
app.command()(restore)
app.add_typer(schema_app, name="schema")
app.add_typer(llm_app, name="llm")
app.add_typer(kb_app, name="kb")
app.add_typer(import_app, name="import")
app.add_typer(bench_app, name="bench")
app.add_typer(rules_app, name="rules")
app.add_typer(inbox_app, name="inbox")
app.add_typer(eval_app, name="eval")
app.add_typer(sync_app, name="sync")
app.add_typer(train_app, name="train")
