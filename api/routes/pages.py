"""Server-rendered pages: login, the approval inbox, a case with its timeline, the KPI dashboard.

Pages authenticate with a signed HttpOnly SameSite=Strict session cookie obtained by posting an API
key to the login form; every POST form carries a CSRF token bound to the session.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from api import chart_specs, charts, inbox, present, triage
from api.auth import LOGIN_CSRF_COOKIE, SESSION_COOKIE, SESSION_TTL_S, Principal, same_secret
from api.permissions import refuse
from api.views import case_360
from core.kpis import compute_kpis
from core.learning import learning_report
from core.permissions import Capability, can
from core.store.cases import CaseNotFound
from core.store.reviews import list_reviews

router = APIRouter(prefix="/ui", tags=["pages"], include_in_schema=False)
root_router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))
present.install(templates.env)


class LoginRequired(Exception):
    """No valid session: the exception handler redirects to the login page."""


def page_principal(request: Request) -> Principal:
    principal = request.app.state.sessions.principal(request.cookies.get(SESSION_COOKIE))
    if principal is None:
        raise LoginRequired(request.url.path)
    request.state.actor = principal.actor
    return principal


PagePrincipal = Annotated[Principal, Depends(page_principal)]


def check_csrf(request: Request, token: str) -> None:
    if not request.app.state.sessions.check_csrf(request.cookies.get(SESSION_COOKIE), token):
        raise HTTPException(403, "CSRF token missing or wrong; reload the page")


def render(request: Request, name: str, principal: Principal | None, **context: Any) -> HTMLResponse:
    cookie = request.cookies.get(SESSION_COOKIE)
    csrf = request.app.state.sessions.csrf_token(cookie) if principal and cookie else ""
    return templates.TemplateResponse(request, name, {"me": principal, "csrf": csrf, "can": can,
                                                      "Capability": Capability, **context})


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


@root_router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/ui/inbox", status_code=303)


@router.get("/login")
def login_form(request: Request, next: str = "/ui/inbox", error: str | None = None) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", None, next=next if next.startswith("/ui/") else "/ui/inbox",
                      login_csrf=token, error=error)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=600, httponly=True, samesite="strict",
                        secure=_secure(request), path="/ui")
    return response


@router.post("/login")
def login(request: Request, api_key: Annotated[str, Form()], csrf: Annotated[str, Form()],
          next: Annotated[str, Form()] = "/ui/inbox") -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not expected or not same_secret(expected, csrf):
        raise HTTPException(403, "login form expired; reload the page")
    principal = request.app.state.keys.lookup(api_key.strip())
    if principal is None:
        return RedirectResponse(f"/ui/login?error=unknown+key&next={quote(next)}", status_code=303)
    response = RedirectResponse(next if next.startswith("/ui/") else "/ui/inbox", status_code=303)
    response.set_cookie(SESSION_COOKIE, request.app.state.sessions.issue(principal), max_age=SESSION_TTL_S,
                        httponly=True, samesite="strict", secure=_secure(request), path="/")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/ui")
    return response


@router.post("/logout")
def logout(request: Request, principal: PagePrincipal, csrf: Annotated[str, Form()]) -> Response:
    check_csrf(request, csrf)
    request.app.state.sessions.revoke(request.cookies.get(SESSION_COOKIE))  # a copied cookie dies too
    response = RedirectResponse("/ui/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/inbox")
def inbox_page(request: Request, principal: PagePrincipal, scope: str = "mine") -> HTMLResponse:
    engine = request.app.state.engine
    records = inbox.list_visible(engine, principal, mine=scope == "mine")
    reviews = list_reviews(engine) if can(principal.role, Capability.read_accounts) else []
    return render(request, "inbox.html", principal, scope=scope, reviews=reviews,
                  rows=triage.triage_rows(engine, principal, records))


@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: str, principal: PagePrincipal, flash: str | None = None) -> HTMLResponse:
    try:
        view = case_360(request.app.state.engine, principal, case_id)
    except CaseNotFound:
        raise HTTPException(404, f"no case {case_id}") from None
    return render(request, "case.html", principal, v=view, flash=flash)


@router.get("/dashboard")
def dashboard_page(request: Request, principal: PagePrincipal) -> HTMLResponse:
    engine = request.app.state.engine
    if not can(principal.role, Capability.read_kpis):
        refuse(engine, principal, "call:read_kpis", request.url.path)
    k = compute_kpis(engine)
    chart = {name: charts.svg(spec) for name, spec in chart_specs.dashboard_charts(k).items()}
    chart |= _learning_charts(engine)
    return render(request, "dashboard.html", principal, k=k, chart=chart)


def _learning_charts(engine: sa.Engine) -> dict[str, Markup]:
    """Reader accuracy at each refit and the weekly false-positive rate (issue 14; JSON: /kpis/learning)."""
    report = learning_report(engine)
    return {
        "reader": charts.bar_chart([(e["at"][:10], round(e["accuracy"], 3)) for e in report["reader_accuracy"]],
                                   "Reader accuracy on held-back operator labels, per refit"),
        "fp_weekly": charts.bar_chart([(w["week"], w["rate"]) for w in report["false_positive_rate"]],
                                      "False-positive rate by week closed"),
    }
