"""`redaccount inbox list|show|decide`: the approval inbox from a terminal, as the key's owner."""

from __future__ import annotations

import json

import typer
from fastapi import HTTPException
from rich.table import Table

from api.cli.common import console, err_console, load_settings

inbox_app = typer.Typer(help="Pending approvals: list, show, decide (as the owner of an API key).",
                        no_args_is_help=True)
KEY = typer.Option(..., "--api-key", envvar="REDACCOUNT_API_KEY", help="Your API key (decides who you are).")


def _context(api_key: str):  # type: ignore[no-untyped-def]
    from api.auth import load_keys
    from core.db import open_database

    settings = load_settings()
    principal = load_keys(settings).lookup(api_key)
    if principal is None:
        err_console.print("[red]unknown API key[/red]")
        raise typer.Exit(2)
    return settings, open_database(settings), principal


@inbox_app.command("list")
def inbox_list(api_key: str = KEY, case_id: str = typer.Option(None, "--case"),
               mine: bool = typer.Option(False, help="Only approvals assigned to you.")) -> None:
    """Pending approvals you may see."""
    from api import inbox

    _, engine, principal = _context(api_key)
    table = Table("id", "case", "action", "assigned", "waiting since")
    for r in inbox.list_visible(engine, principal, case_id=case_id, mine=mine):
        table.add_row(r.id, r.case_id, r.request.action,
                      f"{r.request.assigned_to or '-'} ({r.request.assigned_role.value})", f"{r.created_at:%Y-%m-%d %H:%M}")
    console.print(table)


@inbox_app.command("show")
def inbox_show(approval_id: str, api_key: str = KEY) -> None:
    """One approval: the proposal, the reasons and the rules that forced it."""
    from api import inbox
    from api.permissions import redact_approval

    _, engine, principal = _context(api_key)
    try:
        record = inbox.read_approval(engine, principal, approval_id)
    except HTTPException as exc:
        err_console.print(f"[red]{exc.status_code}: {exc.detail}[/red]")
        raise typer.Exit(1) from None
    print(json.dumps(redact_approval(principal, record), indent=2, default=str, ensure_ascii=False))


@inbox_app.command("decide")
def inbox_decide(
    approval_id: str,
    decision: str = typer.Argument(..., help="approve | edit | reject | respond"),
    api_key: str = KEY,
    comment: str = typer.Option(None, help="Comment (required for respond)."),
    edit: str = typer.Option(None, help="The edited proposal as JSON, in the proposal's own shape (required for "
                             "edit); only the approval kind's editable fields may differ (docs/operations.md)."),
) -> None:
    """Decide as yourself; the case workflow resumes at once."""
    from api import inbox
    from api.cli.common import opened_product
    from api.hardening import MalformedBody, loads_json

    if decision not in ("approve", "edit", "reject", "respond"):
        raise typer.BadParameter("approve, edit, reject or respond", param_hint="DECISION")
    try:
        edited = loads_json(edit) if edit else None
    except MalformedBody as exc:
        raise typer.BadParameter(f"not JSON: {exc}", param_hint="--edit") from None
    settings, _, principal = _context(api_key)
    with opened_product(settings) as product:
        try:
            record = inbox.decide(product.engine, product.cases, principal, approval_id, type=decision,  # type: ignore[arg-type]
                                  edited_payload=edited, comment=comment)
        except inbox.DecisionInvalid as exc:
            for error in exc.errors:  # one line per field, with its path
                path = ".".join(str(p) for p in error["loc"] if p != "body")
                err_console.print(f"422: {path}: {error['msg']}", style="red", markup=False, highlight=False)
            raise typer.Exit(1) from None
        except HTTPException as exc:
            err_console.print(f"[red]{exc.status_code}: {exc.detail}[/red]")
            raise typer.Exit(1) from None
    kind = record.decision.type if record.decision else decision
    console.print(f"{record.id}: {kind} {record.status} by {record.decided_by}")
