"""`redaccount kb add|search`: the knowledge base."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from api.cli.common import console, fail_cleanly, load_settings

kb_app = typer.Typer(help="Knowledge base (Chroma, offline embeddings).", no_args_is_help=True)


def _kb():  # type: ignore[no-untyped-def]
    from knowledge.base import ChromaKnowledgeBase

    return ChromaKnowledgeBase.from_settings(load_settings())


@kb_app.command("add")
def kb_add(paths: list[Path] = typer.Argument(..., exists=True, help="Markdown, YAML or JSONL documents.")) -> None:
    """Add documents under stable ids (re-adding unchanged documents is a no-op)."""
    from knowledge.ingest import add_from_path
    from knowledge.models import KnowledgeError

    kb = _kb()
    with fail_cleanly(KnowledgeError):
        for path in paths:
            result = add_from_path(kb, path)
            console.print(f"{path}: {result}")


@kb_app.command("seed")
def kb_seed() -> None:
    """Load the shipped runbooks."""
    from knowledge.seed import seed_runbooks

    console.print(str(seed_runbooks(_kb())))


@kb_app.command("search")
def kb_search(query: str, k: int = typer.Option(5, "-k", "--k", min=1, max=50), json_output: bool = typer.Option(False, "--json")) -> None:
    """Search by meaning."""
    from knowledge.ingest import search_text

    results = search_text(_kb(), query, k)
    if json_output:
        print(json.dumps([r.model_dump(mode="json") for r in results], indent=2))
        return
    table = Table("score", "kind", "id", "title")
    for r in results:
        table.add_row(f"{r.score:.3f}", r.kind, r.id, r.title)
    console.print(table)
