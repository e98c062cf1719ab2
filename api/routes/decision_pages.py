"""One approval as a page and its decision as a form: per-kind fields validated on the server.

Errors come back on the same page (422) next to the field they concern, with what was typed kept;
a stale decision (409) goes back with a notice. Raw JSON editing is for admins only.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api import decision_forms, inbox
from api.auth import Principal
from api.permissions import redact_approval
from api.readers import resolve_evidence
from api.routes.pages import PagePrincipal, check_csrf, render
from api.triage import what_is_asked
from core.models import Role
from core.store.approvals import ApprovalRecord
from core.store.book import case_accounts

router = APIRouter(prefix="/ui", tags=["pages"], include_in_schema=False)

_SUBJECT = {"validate_brief": "the brief and the case ownership", "send_customer_update": "the update to the customer",
            "publish_article": "the knowledge article"}
_DONE = {"approve": "Approved", "edit": "Approved with your edits", "reject": "Rejected", "respond": "Answered"}


def _page(request: Request, principal: Principal, record: ApprovalRecord, *, values: dict[str, str] | None = None,
          errors: dict[str, str] | None = None, flash: str | None = None, status: int = 200) -> HTMLResponse:
    engine = request.app.state.engine
    view = redact_approval(principal, record)
    view["evidence"] = resolve_evidence(engine, view["request"]["evidence_refs"])
    proposal = view["request"]["proposal"]
    values, errors = values or {}, errors or {}
    redacted = "redacted" in proposal
    fields = [] if redacted else [
        {"f": f, "value": values.get(f.path, decision_forms.current_value(proposal, f)), "error": errors.get(f.path)}
        for f in decision_forms.form_for(record.request.action)]
    is_admin = principal.role == Role.admin
    response = render(request, "approval.html", principal, a=view, fields=fields, errors=errors, values=values,
                      asked=what_is_asked(view), acc=case_accounts(engine, [record.case_id]).get(record.case_id),
                      proposal_json=json.dumps(proposal, indent=2, ensure_ascii=False) if is_admin else None,
                      json_value=values.get("json"), flash=flash)
    response.status_code = status
    return response


@router.get("/inbox/{approval_id}")
def approval_page(request: Request, approval_id: str, principal: PagePrincipal,
                  flash: str | None = None) -> HTMLResponse:
    return _page(request, principal, inbox.read_approval(request.app.state.engine, principal, approval_id), flash=flash)


def _decide(request: Request, principal: Principal, approval_id: str, form: dict[str, str]) -> Response:
    engine = request.app.state.engine
    record = inbox.read_approval(engine, principal, approval_id)
    decision, comment = form.get("decision", ""), form.get("comment", "").strip()
    if decision not in ("approve", "edit", "reject", "respond"):
        raise HTTPException(422, "unknown decision")
    edited = None
    if decision in ("approve", "edit"):
        result = decision_forms.read_form(record.request.action, record.request.proposal, form,
                                          allow_json=principal.role == Role.admin)
        errors = dict(result.errors)
        if result.edited and "edit" not in record.request.allowed_decisions:
            errors[""] = "this step cannot be edited; approve it as proposed or reject it"
        if errors:
            return _page(request, principal, record, values=result.values, errors=errors, status=422)
        if result.edited:
            decision, edited = "edit", decision_forms.to_contract(record.request.action, result.edited,
                                                                  record.request.proposal,
                                                                  record.request.assigned_role.value)
        else:
            decision = "approve"
    if decision == "respond" and not comment:
        return _page(request, principal, record, values={"comment": form.get("comment", "")},
                     errors={"comment": "write the answer the workflow should take into account"}, status=422)
    try:
        done = inbox.decide(engine, request.app.state.product.cases, principal, approval_id,
                            type=decision, edited_payload=edited, comment=comment or None)  # type: ignore[arg-type]
    except HTTPException as exc:
        if exc.status_code == 422:
            return _page(request, principal, record, values={k[2:]: v for k, v in form.items() if k.startswith("f.")},
                         errors=decision_forms.errors_from_detail(exc.detail), status=422)
        if exc.status_code in (409, 503):  # 503: the decision could not be applied; the page says why
            return RedirectResponse(f"/ui/inbox/{approval_id}?flash={quote(str(exc.detail))}", status_code=303)
        raise
    note = f"{_DONE[decision]}: {_SUBJECT.get(done.request.action, done.request.action.replace('_', ' '))}."
    return RedirectResponse(f"/ui/cases/{done.case_id}?flash={quote(note)}", status_code=303)


@router.post("/inbox/{approval_id}/decide")
async def decide_form(request: Request, approval_id: str, principal: PagePrincipal) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    check_csrf(request, form.get("csrf", ""))
    return await run_in_threadpool(_decide, request, principal, approval_id, form)
