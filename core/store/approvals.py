"""Approval requests and decisions: created once per case step, decided exactly once.

Status: pending -> decided (claimed) -> applied. A decision the workflow could not apply goes to
failed, with its error kept in `approval_failures`; a failed approval may be decided again (retry).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

import sqlalchemy as sa

from core.db import schema as t
from core.db.engine import read_connection
from core.models import ApprovalDecision, ApprovalRequest, TimelineEntry


class ApprovalNotFound(LookupError):
    """No approval with that id."""


class ApprovalConflict(Exception):
    """The approval is no longer pending (already decided or superseded)."""


class DecisionFailed(RuntimeError):
    """A valid decision was claimed but the workflow could not apply it; the approval is now failed."""

    def __init__(self, approval_id: str, error: str):
        self.approval_id, self.error = approval_id, error
        super().__init__(f"approval {approval_id}: the decision could not be applied ({error}); "
                         "it is marked failed and may be decided again")


DECIDABLE = ("pending", "failed")


@dataclass(frozen=True)
class ApprovalFailure:
    """Why the last decision on an approval could not be applied."""

    approval_id: str
    case_id: str
    failed_at: datetime
    decision_type: str
    error: str
    attempts: int


@dataclass(frozen=True)
class ApprovalRecord:
    """One approval as stored. `request_json` / `decision_json` are the stored JSON (written from the
    validated models, so already in their JSON form); `request` / `decision` validate it on first use
    only, so a listing that just shows records never re-validates them."""

    id: str
    case_id: str
    thread_id: str
    step: str
    status: str
    request_json: dict[str, Any]
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    decision_json: dict[str, Any] | None
    error: str | None = None  # why the decision could not be applied (status "failed")

    @cached_property
    def request(self) -> ApprovalRequest:
        return ApprovalRequest.model_validate(self.request_json)

    @cached_property
    def decision(self) -> ApprovalDecision | None:
        return ApprovalDecision.model_validate(self.decision_json) if self.decision_json else None


def approval_id_for(case_id: str, step: str) -> str:
    """Deterministic id: the same case step always maps to the same approval (idempotent creation)."""
    return "apr-" + hashlib.sha256(f"{case_id}|{step}".encode()).hexdigest()[:16]


_REQUEST_FIELDS = frozenset(ApprovalRequest.model_fields)
_DECISION_FIELDS = frozenset(ApprovalDecision.model_fields)


def _complete(raw: dict[str, Any], model: Any, fields: frozenset[str]) -> dict[str, Any]:
    # A row written before a field existed is brought to the current shape once, by the model itself.
    return raw if fields <= raw.keys() else model.model_validate(raw).model_dump(mode="json")


def _record(row: sa.Row) -> ApprovalRecord:
    return ApprovalRecord(
        id=row.id, case_id=row.escalation_id, thread_id=row.thread_id, step=row.step, status=row.status,
        request_json=_complete(row.request, ApprovalRequest, _REQUEST_FIELDS), created_at=row.created_at,
        decided_at=row.decided_at, decided_by=row.decided_by,
        decision_json=_complete(row.decision, ApprovalDecision, _DECISION_FIELDS) if row.decision else None,
        error=row.failure if row.status == "failed" else None,
    )


def _select() -> sa.Select:
    f = t.approval_failures
    return (sa.select(t.approvals, f.c.error.label("failure"))
            .outerjoin(f, f.c.approval_id == t.approvals.c.id))


def request_approval(engine: sa.Engine, request: ApprovalRequest, thread_id: str, at: datetime) -> tuple[str, bool]:
    """Record a pending approval for the case step; returns (id, created). Repeats are no-ops."""
    approval_id = approval_id_for(request.case_id, request.step)
    with engine.begin() as c:
        if c.execute(sa.select(t.approvals.c.id).where(t.approvals.c.id == approval_id)).scalar():
            return approval_id, False
        try:
            c.execute(t.approvals.insert().values(
                id=approval_id, escalation_id=request.case_id, thread_id=thread_id, step=request.step,
                action=request.action, assigned_role=request.assigned_role.value, assigned_to=request.assigned_to,
                status="pending", request=request.model_dump(mode="json"), created_at=at))
        except sa.exc.IntegrityError:
            return approval_id, False
    return approval_id, True


def get_approval(engine: sa.Engine, approval_id: str) -> ApprovalRecord:
    with read_connection(engine) as c:
        row = c.execute(_select().where(t.approvals.c.id == approval_id)).one_or_none()
    if row is None:
        raise ApprovalNotFound(approval_id)
    return _record(row)


def get_approval_with_evidence(engine: sa.Engine, approval_id: str) -> tuple[ApprovalRecord, list[dict[str, Any]]]:
    """The approval and the text of every record its request cites (`records.resolve_evidence`), on one
    connection (ApprovalNotFound). The caller decides what of it the reader may see."""
    from core.store.records import resolve_evidence_in

    with read_connection(engine) as c:
        row = c.execute(_select().where(t.approvals.c.id == approval_id)).one_or_none()
        if row is None:
            raise ApprovalNotFound(approval_id)
        record = _record(row)
        evidence = resolve_evidence_in(c, record.request_json["evidence_refs"])
    return record, evidence


def recorded_decision(engine: sa.Engine, case_id: str, step: str) -> ApprovalDecision | None:
    """The decision recorded on a case step's approval, if any (the one the workflow must apply)."""
    with engine.connect() as c:
        raw = c.execute(sa.select(t.approvals.c.decision)
                        .where(t.approvals.c.id == approval_id_for(case_id, step))).scalar()
    return ApprovalDecision.model_validate(raw) if raw else None


def claim_decision(engine: sa.Engine, approval_id: str, decision: ApprovalDecision, at: datetime) -> ApprovalRecord:
    """Atomically move pending (or failed) -> decided. Exactly one concurrent caller wins; the others get
    ApprovalConflict."""
    with engine.begin() as c:
        result = c.execute(
            t.approvals.update()
            .where(t.approvals.c.id == approval_id, t.approvals.c.status.in_(DECIDABLE))
            .values(status="decided", decided_at=at, decided_by=decision.actor,
                    decision=decision.model_dump(mode="json"))
        )
    if result.rowcount != 1:
        record = get_approval(engine, approval_id)  # raises ApprovalNotFound for unknown ids
        raise ApprovalConflict(f"approval {approval_id} is {record.status}, not pending")
    return get_approval(engine, approval_id)


def replace_proposal(engine: sa.Engine, approval_id: str, proposal: dict[str, Any],
                     timeline: TimelineEntry | None = None, idem_key: str | None = None) -> bool:
    """Swap the proposal of a still-pending approval (a later draft); False once anyone has decided.

    Compare-and-set on the status in one UPDATE, the same row `claim_decision` moves: a decision and a
    replacement can race, and exactly one of them wins. `timeline` (keyed by `idem_key`) is appended in the
    same transaction, so a reader never sees the new proposal without the entry that says where it came from."""
    record = get_approval(engine, approval_id)
    if record.status != "pending":
        return False
    request = record.request.model_copy(update={"proposal": proposal})
    try:
        with engine.begin() as c:
            result = c.execute(
                t.approvals.update()
                .where(t.approvals.c.id == approval_id, t.approvals.c.status == "pending")
                .values(request=request.model_dump(mode="json"))
            )
            if result.rowcount != 1:
                return False
            if timeline is not None and not (
                idem_key and c.execute(sa.select(t.timeline.c.id).where(t.timeline.c.idem_key == idem_key)).scalar()
            ):
                c.execute(t.timeline.insert().values(
                    escalation_id=timeline.escalation_id, at=timeline.at, kind=timeline.kind, actor=timeline.actor,
                    payload=timeline.payload, idem_key=idem_key))
    except sa.exc.IntegrityError:
        return False  # a concurrent run of the same keyed draft committed first; its proposal stands
    return True


def mark_failed(engine: sa.Engine, approval_id: str, error: str, at: datetime) -> bool:
    """decided -> failed, keeping the error; False if the approval was not decided (nothing changes)."""
    f = t.approval_failures
    with engine.begin() as c:
        row = c.execute(sa.select(t.approvals.c.escalation_id, t.approvals.c.decision)
                        .where(t.approvals.c.id == approval_id, t.approvals.c.status == "decided")).one_or_none()
        if row is None:
            return False
        c.execute(t.approvals.update().where(t.approvals.c.id == approval_id).values(status="failed"))
        values = {"failed_at": at, "decision_type": (row.decision or {}).get("type", "?"), "error": error[:2000]}
        updated = c.execute(f.update().where(f.c.approval_id == approval_id)
                            .values(**values, attempts=f.c.attempts + 1))
        if updated.rowcount == 0:
            c.execute(f.insert().values(approval_id=approval_id, escalation_id=row.escalation_id, attempts=1,
                                        **values))
    return True


def list_failures(engine: sa.Engine, *, case_id: str | None = None) -> list[ApprovalFailure]:
    """The last failure of every approval that is failed now (applied or re-decided ones are left out)."""
    f, a = t.approval_failures, t.approvals
    query = (sa.select(f).join(a, a.c.id == f.c.approval_id).where(a.c.status == "failed")
             .order_by(f.c.failed_at))
    if case_id:
        query = query.where(f.c.escalation_id == case_id)
    with read_connection(engine) as c:
        rows = c.execute(query).all()
    return [ApprovalFailure(approval_id=r.approval_id, case_id=r.escalation_id, failed_at=r.failed_at,
                            decision_type=r.decision_type, error=r.error, attempts=r.attempts) for r in rows]


def failure_counts(engine: sa.Engine) -> tuple[int, int]:
    """(approvals failed now, failures ever recorded): the gauge and the counter /metrics reports."""
    f, a = t.approval_failures, t.approvals
    with engine.connect() as c:
        now = c.execute(sa.select(sa.func.count()).select_from(a).where(a.c.status == "failed")).scalar() or 0
        ever = c.execute(sa.select(sa.func.coalesce(sa.func.sum(f.c.attempts), 0))).scalar() or 0
    return int(now), int(ever)


def mark_applied(engine: sa.Engine, approval_id: str) -> None:
    """The workflow consumed the decision (recovery skips applied approvals)."""
    with engine.begin() as c:
        c.execute(t.approvals.update().where(t.approvals.c.id == approval_id, t.approvals.c.status == "decided")
                  .values(status="applied"))


@functools.cache
def _list_query(given: frozenset[str]) -> sa.Select:
    """The inbox statement for one combination of filters, built once, with bound parameters (building
    it cost more CPU than running it)."""
    a = t.approvals.c
    p = sa.bindparam
    filters: list[Any] = []
    if "status" in given:
        filters.append(a.status == p("status"))
    if "statuses" in given:
        filters.append(a.status.in_(p("statuses", expanding=True)))
    if "role" in given:
        filters.append(a.assigned_role == p("role"))
    if "owner" in given:
        filters.append(a.assigned_to == p("owner"))
    if "case_id" in given:
        filters.append(a.escalation_id == p("case_id"))
    if "older_than" in given:
        filters.append(a.created_at <= p("older_than", type_=t.approvals.c.created_at.type))
    if "decider" in given:
        filters += [a.assigned_role == p("decider_role"), sa.or_(a.assigned_to.is_(None), a.assigned_to == p("decider"))]
    query = _select().where(*filters).order_by(a.created_at, a.id)
    if "limit" in given:
        query = query.limit(p("limit", type_=sa.Integer))
    if "offset" in given:
        query = query.offset(p("offset", type_=sa.Integer))
    return query


def list_approvals(engine: sa.Engine, *, status: str | Sequence[str] | None = "pending", role: str | None = None,
                   owner: str | None = None, case_id: str | None = None,
                   older_than: datetime | None = None, decidable_by: tuple[str, str] | None = None,
                   limit: int | None = None, offset: int = 0) -> list[ApprovalRecord]:
    """Approvals, oldest first, filtered in SQL: status (one or several), assigned role, assignee, case,
    created before `older_than`; `decidable_by=(role, actor)` keeps those assigned to that role and to
    that person or to nobody (the caller's own queue); `limit`/`offset` page through the result."""
    params: dict[str, Any] = {}
    if isinstance(status, str):
        params["status"] = status
    elif status:
        params["statuses"] = list(status)
    for name, value in (("role", role), ("owner", owner), ("case_id", case_id), ("older_than", older_than)):
        if value:
            params[name] = value
    if decidable_by:
        params["decider_role"], params["decider"] = decidable_by
    if limit is not None:
        params["limit"] = limit
    if offset:
        params["offset"] = offset
    with read_connection(engine) as c:
        rows = c.execute(_list_query(frozenset(params)), params).all()
    return [_record(r) for r in rows]
