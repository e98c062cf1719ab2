"""Server-rendered pages: login, the approval inbox, a case with its timeline, the KPI dashboard.

Pages authenticate with a signed HttpOnly SameSite=Strict session cookie obtained by posting an API
key to the login form; every POST form carries a CSRF token bound to the session.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from api import charts, inbox
from api.auth import LOGIN_CSRF_COOKIE, SESSION_COOKIE, SESSION_TTL_S, Principal, same_secret
from api.hardening import MalformedBody, loads_json
from api.permissions import redact_approval, refuse
from api.readers import resolve_evidence
from api.views import case_360
from core.kpis import compute_kpis
from core.models.edits import EditRefused, field_errors, form_fields, payload_from_form
from core.permissions import Capability, can
from core.store.cases import CaseNotFound

router = APIRouter(prefix="/ui", tags=["pages"], include_in_schema=False)
root_router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))


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
    failed = inbox.list_visible(engine, principal, status="failed", mine=scope == "mine")
    return render(request, "inbox.html", principal, scope=scope,
                  approvals=[redact_approval(principal, r) for r in records],
                  failed=[redact_approval(principal, r) for r in failed])


def _approval_page(request: Request, principal: Principal, approval_id: str, flash: str | None = None,
                   submitted: dict[str, str] | None = None, errors: list[dict[str, Any]] | None = None,
                   edited: str = "", status_code: int = 200) -> HTMLResponse:
    engine = request.app.state.engine
    view = redact_approval(principal, inbox.read_approval(engine, principal, approval_id))
    view["evidence"] = resolve_evidence(engine, view["request"]["evidence_refs"])
    fields = form_fields(view["request"]["action"], view["request"]["proposal"])
    by_field, general = field_errors(errors or [], [f["path"] for f in fields])
    for field in fields:
        field["value"] = (submitted or {}).get(field["path"], field["value"])
        field["errors"] = by_field.get(field["path"], [])
    response = render(request, "approval.html", principal, a=view, fields=fields, edit_errors=general,
                      edited=edited, flash=flash)
    response.status_code = status_code
    return response


@router.get("/inbox/{approval_id}")
def approval_page(request: Request, approval_id: str, principal: PagePrincipal,
                  flash: str | None = None) -> HTMLResponse:
    return _approval_page(request, principal, approval_id, flash)


async def form_fields_of(request: Request) -> dict[str, str]:
    """The per-field edit inputs of a decision form (`field:<path>`), as text."""
    form = await request.form()
    return {k.removeprefix(FIELD): v for k, v in form.multi_items() if k.startswith(FIELD) and isinstance(v, str)}


FIELD = "field:"


@router.post("/inbox/{approval_id}/decide")
def decide_form(request: Request, approval_id: str, principal: PagePrincipal,
                csrf: Annotated[str, Form()], decision: Annotated[str, Form()],
                fields: Annotated[dict[str, str], Depends(form_fields_of)],
                comment: Annotated[str, Form()] = "", edited: Annotated[str, Form()] = "") -> Response:
    """Decide from the page: an edit comes from the per-field inputs, or from `edited` (the whole edited
    payload as JSON) when given. A refused edit re-renders the page (422) with each error by its field."""
    check_csrf(request, csrf)
    if decision not in ("approve", "edit", "reject", "respond"):
        raise HTTPException(422, "unknown decision")
    engine = request.app.state.engine
    edited_payload = None
    try:
        if decision == "edit":
            if edited.strip():
                try:
                    edited_payload = loads_json(edited)
                except MalformedBody as exc:
                    raise EditRefused([{"loc": ["edited"], "msg": f"the edited proposal is not JSON: {exc}",
                                        "type": "json_invalid"}]) from None
            else:
                action = inbox.read_approval(engine, principal, approval_id).request.action
                edited_payload = payload_from_form(action, fields, loads_json)
        record = inbox.decide(engine, getattr(request.app.state, "case_service", None), principal, approval_id,
                              type=decision, edited_payload=edited_payload,  # type: ignore[arg-type]
                              comment=comment.strip() or None)
    except (EditRefused, inbox.DecisionInvalid) as exc:
        return _approval_page(request, principal, approval_id, "The decision was not recorded: fix the fields "
                              "marked below.", submitted=fields, errors=exc.errors, edited=edited, status_code=422)
    except HTTPException as exc:
        if exc.status_code in (409, 422, 503):
            return RedirectResponse(f"/ui/inbox/{approval_id}?flash={quote(str(exc.detail))}", status_code=303)
        raise
    return RedirectResponse(f"/ui/cases/{record.case_id}?flash={quote(f'{record.decision.type if record.decision else decision} recorded for {record.step}')}",
                            status_code=303)


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
    phase_series = sorted(k.time_in_phase_hours.items(), key=lambda kv: list(_PHASES).index(kv[0])
                          if kv[0] in _PHASES else 99)
    chart = {
        "volume": charts.bar_chart([(w, float(n)) for w, n in k.escalation_volume], "Escalations opened per week"),
        "mttr": charts.bar_chart(k.mttr_by_week, "MTTR (hours) by week closed", " h"),
        "phases": charts.bar_chart(phase_series, "Mean hours in each phase", " h"),
        "sla": charts.bar_chart([(w, float(n)) for w, n in k.sla_breaches_by_week], "SLA breaches per week"),
        "outcomes": charts.bar_chart([(o, float(n)) for o, n in sorted(k.outcomes.items())], "Closed cases by outcome"),
        "fcr": charts.gauge(k.fcr_rate, "FCR rate"),
        "fp": charts.gauge(k.false_positive_rate, "False-positive rate"),
    }
    return render(request, "dashboard.html", principal, k=k, chart=chart)


_PHASES = ("detect", "triage", "resolve", "post_resolution", "fcr_watch", "closed")
