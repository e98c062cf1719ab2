"""Workspace pages: the account book ranked by risk, and one account with its evidence in context."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from api.account_view import account_page, book_view
from api.permissions import refuse
from api.readers import AccountNotFound
from api.routes.pages import PagePrincipal, render
from core.models import Band
from core.permissions import Capability, can
from core.store.book import BookFilter, book_choices

router = APIRouter(prefix="/ui", tags=["pages"], include_in_schema=False)

PER_PAGE = 25


def _may_read_accounts(request: Request, principal: PagePrincipal) -> None:
    if not can(principal.role, Capability.read_accounts):
        refuse(request.app.state.engine, principal, "call:read_accounts", request.url.path)


@router.get("/accounts")
def accounts_page(request: Request, principal: PagePrincipal,
                  band: Annotated[str, Query(max_length=10)] = "",
                  tier: Annotated[str, Query(max_length=20)] = "",
                  owner: Annotated[str, Query(max_length=200)] = "",
                  renewal_days: Annotated[str, Query(max_length=5)] = "",
                  q: Annotated[str, Query(max_length=200)] = "",
                  page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> HTMLResponse:
    """Every account the caller may read, highest risk first, with filters, search and pages."""
    _may_read_accounts(request, principal)
    engine = request.app.state.engine
    errors: dict[str, str] = {}
    if band and band not in {b.value for b in Band}:
        errors["band"] = f"unknown band '{band}'"
    days: int | None = None
    if renewal_days:
        if renewal_days.isdigit() and 1 <= int(renewal_days) <= 3650:
            days = int(renewal_days)
        else:
            errors["renewal_days"] = "a whole number of days between 1 and 3650"
    today = datetime.now(UTC).date()
    f = BookFilter(band=band if band and "band" not in errors else None, tier=tier or None, owner=owner or None,
                   renewal_before=today + timedelta(days=days) if days else None, today=today if days else None,
                   search=q or None, page=page, per_page=PER_PAGE)
    book, lines = book_view(engine, principal, f)
    tiers, owners = book_choices(engine)
    query = {k: v for k, v in {"band": band, "tier": tier, "owner": owner, "renewal_days": renewal_days,
                               "q": q}.items() if v}
    return render(request, "accounts.html", principal, book=book, lines=lines, errors=errors,
                  f={"band": band, "tier": tier, "owner": owner, "renewal_days": renewal_days, "q": q},
                  bands=[b.value for b in Band], tiers=tiers, owners=owners,
                  page_link=lambda n: "/ui/accounts?" + urlencode({**query, "page": n}))


@router.get("/accounts/{account_id}")
def account_detail(request: Request, account_id: str, principal: PagePrincipal) -> HTMLResponse:
    """One account: risk history, signals with evidence, tickets and conversation, CSAT, usage, cases."""
    _may_read_accounts(request, principal)
    try:
        view = account_page(request.app.state.engine, principal, account_id)
    except AccountNotFound:
        raise HTTPException(404, f"no account {account_id}") from None
    return render(request, "account.html", principal, v=view)
