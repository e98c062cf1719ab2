"""Red cases: escalation records, swarm, append-only timeline. The rows graph/ and api/ read and write."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from core.db import schema as t
from core.db.engine import read_connection
from core.models import (
    Account,
    Escalation,
    Outcome,
    Phase,
    SupportTier,
    SwarmMember,
    TimelineEntry,
)
from core.store.approvals import ApprovalRecord
from core.store.approvals import _select as approval_select


class CaseNotFound(LookupError):
    """No escalation with that id."""


def _escalation(row: sa.Row, swarm: list[SwarmMember]) -> Escalation:
    return Escalation(
        id=row.id, account_id=row.account_id, opened_at=row.opened_at, closed_at=row.closed_at,
        phase=Phase(row.phase), owner=row.owner, tier=SupportTier(row.tier) if row.tier else None,
        swarm=swarm, sla_due={k: datetime.fromisoformat(v) for k, v in (row.sla_due or {}).items()},
        outcome=Outcome(row.outcome) if row.outcome else None, deescalation_reason=row.deescalation_reason,
        assessment_id=row.assessment_id,
    )


def open_escalation(engine: sa.Engine, account_id: str, at: datetime, assessment_id: int | None = None) -> tuple[Escalation, bool]:
    """Open a Red case for the account, or return its open one. Returns (case, created).

    A unique partial index allows one open case per account: when two workers open it at the same
    moment, the loser reads the winner's case.
    """
    open_case = sa.select(t.escalations.c.id).where(
        t.escalations.c.account_id == account_id, t.escalations.c.closed_at.is_(None))
    with engine.begin() as c:
        existing = c.execute(open_case).scalar()
    if existing:
        return get_escalation(engine, existing), False
    case_id = f"esc-{uuid.uuid4().hex[:12]}"
    try:
        with engine.begin() as c:
            c.execute(t.escalations.insert().values(
                id=case_id, account_id=account_id, thread_id=f"case:{case_id}", opened_at=at, phase=Phase.detect.value,
                sla_due={}, assessment_id=assessment_id, updated_at=at))
    except sa.exc.IntegrityError:
        with engine.connect() as c:
            return get_escalation(engine, c.execute(open_case).scalar_one()), False
    return get_escalation(engine, case_id), True


def open_escalation_in(connection: sa.Connection, account_id: str, at: datetime,
                       assessment_id: int | None = None) -> str | None:
    """Open a Red case inside the caller's transaction; None if the account already has an open one.

    The unique partial index on open cases decides, so the detection that opens the case commits with it
    (a crash leaves both or neither) and a second worker's attempt is a no-op.
    """
    case_id = f"esc-{uuid.uuid4().hex[:12]}"
    savepoint = connection.begin_nested()
    try:
        connection.execute(t.escalations.insert().values(
            id=case_id, account_id=account_id, thread_id=f"case:{case_id}", opened_at=at, phase=Phase.detect.value,
            sla_due={}, assessment_id=assessment_id, updated_at=at))
    except sa.exc.IntegrityError:
        savepoint.rollback()
        return None
    savepoint.commit()
    return case_id


def has_open_case(connection: sa.Connection, account_id: str) -> bool:
    return connection.execute(sa.select(t.escalations.c.id).where(
        t.escalations.c.account_id == account_id, t.escalations.c.closed_at.is_(None))).first() is not None


def open_sla_clocks(engine: sa.Engine) -> list[tuple[str, dict[str, str]]]:
    """(case id, SLA due times) of every open case."""
    with engine.connect() as c:
        return [(r.id, r.sla_due or {}) for r in c.execute(
            sa.select(t.escalations.c.id, t.escalations.c.sla_due).where(t.escalations.c.closed_at.is_(None)))]


def get_escalation(engine: sa.Engine, case_id: str) -> Escalation:
    with read_connection(engine) as c:
        return _read_escalation(c, case_id)


# The statements of the hot reads are built once, with bound parameters: building a SELECT costs more
# CPU than running it on an indexed row, and every request built five or six.
_CASE_ROW = sa.select(t.escalations).where(t.escalations.c.id == sa.bindparam("case_id"))
_CASE_SWARM = (sa.select(t.swarm_members).where(t.swarm_members.c.escalation_id == sa.bindparam("case_id"))
               .order_by(t.swarm_members.c.id))


def _read_escalation(c: sa.Connection, case_id: str) -> Escalation:
    """The case row and its swarm, on the caller's connection (two statements; CaseNotFound)."""
    row = c.execute(_CASE_ROW, {"case_id": case_id}).one_or_none()
    if row is None:
        raise CaseNotFound(case_id)
    members = c.execute(_CASE_SWARM, {"case_id": case_id}).all()
    swarm = [SwarmMember(person=m.person, role=m.role, reason=m.reason, rule_id=m.rule_id,
                         assumed_at=m.assumed_at, renounced_at=m.renounced_at) for m in members]
    return _escalation(row, swarm)


def thread_id_of(engine: sa.Engine, case_id: str) -> str:
    with engine.connect() as c:
        thread = c.execute(sa.select(t.escalations.c.thread_id).where(t.escalations.c.id == case_id)).scalar()
    if thread is None:
        raise CaseNotFound(case_id)
    return thread


def list_escalations(engine: sa.Engine, open_only: bool = False, account_id: str | None = None) -> list[Escalation]:
    query = sa.select(t.escalations.c.id).order_by(t.escalations.c.opened_at.desc())
    if open_only:
        query = query.where(t.escalations.c.closed_at.is_(None))
    if account_id:
        query = query.where(t.escalations.c.account_id == account_id)
    with read_connection(engine) as c:
        ids = list(c.scalars(query))
    return [get_escalation(engine, i) for i in ids]


def update_escalation(engine: sa.Engine, case_id: str, at: datetime, *, phase: Phase | None = None,
                      owner: str | None = None, tier: SupportTier | None = None,
                      sla_due: dict[str, datetime] | None = None) -> None:
    """Move the case's current state (its history is on the timeline)."""
    values: dict[str, Any] = {"updated_at": at}
    if phase is not None:
        values["phase"] = phase.value
        _log_phase_change(engine, case_id, phase, at)
    if owner is not None:
        values["owner"] = owner
    if tier is not None:
        values["tier"] = tier.value
    if sla_due is not None:
        values["sla_due"] = {k: v.isoformat() for k, v in sla_due.items()}
    with engine.begin() as c:
        if c.execute(t.escalations.update().where(t.escalations.c.id == case_id).values(**values)).rowcount != 1:
            raise CaseNotFound(case_id)


def _log_phase_change(engine: sa.Engine, case_id: str, phase: Phase, at: datetime) -> None:
    # Time in each phase is measured from these entries (dashboard); written only on a real change.
    with engine.connect() as c:
        current = c.execute(sa.select(t.escalations.c.phase).where(t.escalations.c.id == case_id)).scalar()
    if current is not None and current != phase.value:
        append_timeline(engine, TimelineEntry(escalation_id=case_id, at=at, kind="phase_changed",
                                              actor="system:workflow", payload={"from": current, "to": phase.value}))


def close_escalation(engine: sa.Engine, case_id: str, at: datetime, outcome: Outcome, reason: str) -> bool:
    """Close once; returns False if it was already closed (closing is idempotent, never rewritten)."""
    _log_phase_change(engine, case_id, Phase.closed, at)
    with engine.begin() as c:
        result = c.execute(t.escalations.update()
                           .where(t.escalations.c.id == case_id, t.escalations.c.closed_at.is_(None))
                           .values(closed_at=at, phase=Phase.closed.value, outcome=outcome.value,
                                   deescalation_reason=reason, updated_at=at))
    return result.rowcount == 1


def add_swarm_member(engine: sa.Engine, case_id: str, member: SwarmMember) -> bool:
    """Add a member once per (case, person, role); returns whether it was new."""
    with engine.begin() as c:
        exists = c.execute(sa.select(t.swarm_members.c.id).where(
            t.swarm_members.c.escalation_id == case_id, t.swarm_members.c.person == member.person,
            t.swarm_members.c.role == member.role.value)).scalar()
        if exists:
            return False
        c.execute(t.swarm_members.insert().values(
            escalation_id=case_id, person=member.person, role=member.role.value, reason=member.reason,
            rule_id=member.rule_id, assumed_at=member.assumed_at))
    return True


def append_timeline(engine: sa.Engine, entry: TimelineEntry, idem_key: str | None = None) -> bool:
    """Append one immutable entry. With an idem_key, a repeat (e.g. a node re-run on resume) writes nothing."""
    with engine.begin() as c:
        if idem_key and c.execute(sa.select(t.timeline.c.id).where(t.timeline.c.idem_key == idem_key)).scalar():
            return False
        try:
            c.execute(t.timeline.insert().values(escalation_id=entry.escalation_id, at=entry.at, kind=entry.kind,
                                                 actor=entry.actor, payload=entry.payload, idem_key=idem_key))
        except sa.exc.IntegrityError:
            return False  # a concurrent writer appended the same keyed entry first
    return True


def read_timeline(engine: sa.Engine, case_id: str) -> list[TimelineEntry]:
    with read_connection(engine) as c:
        rows = c.execute(sa.select(t.timeline).where(t.timeline.c.escalation_id == case_id)
                         .order_by(t.timeline.c.at, t.timeline.c.id)).all()
    return [TimelineEntry(escalation_id=r.escalation_id, at=r.at, kind=r.kind, actor=r.actor, payload=r.payload)
            for r in rows]


def timeline_entry(engine: sa.Engine, idem_key: str) -> TimelineEntry | None:
    """The keyed entry, if it was written (lets a re-run node reuse what it decided before)."""
    with engine.connect() as c:
        r = c.execute(sa.select(t.timeline).where(t.timeline.c.idem_key == idem_key)).one_or_none()
    if r is None:
        return None
    return TimelineEntry(escalation_id=r.escalation_id, at=r.at, kind=r.kind, actor=r.actor, payload=r.payload)


def edited_customer_updates(engine: sa.Engine, limit: int = 3, scan: int = 200) -> list[str]:
    """Bodies of the latest customer updates a reviewer edited before approving (newest first): kept as
    examples for later drafts. Reads the approval entries the workflow already records."""
    with engine.connect() as c:
        rows = c.execute(sa.select(t.timeline.c.payload).where(t.timeline.c.kind == "customer_update_approved")
                         .order_by(t.timeline.c.id.desc()).limit(scan)).all()
    out: list[str] = []
    for (payload,) in rows:
        original = (payload.get("original") or {}).get("body")
        approved = (payload.get("approved") or {}).get("body")
        if approved and approved != original and approved not in out:
            out.append(approved)
        if len(out) >= limit:
            break
    return out


def open_case_load(engine: sa.Engine, exclude: str | None = None) -> dict[str, int]:
    """Person -> number of open cases they are active on (one query, whatever the number of cases)."""
    query = (sa.select(t.swarm_members.c.person, sa.func.count(sa.distinct(t.swarm_members.c.escalation_id)))
             .join(t.escalations, t.escalations.c.id == t.swarm_members.c.escalation_id)
             .where(t.escalations.c.closed_at.is_(None), t.swarm_members.c.renounced_at.is_(None))
             .group_by(t.swarm_members.c.person))
    if exclude:
        query = query.where(t.escalations.c.id != exclude)
    with engine.connect() as c:
        return {person: count for person, count in c.execute(query)}


@dataclass(frozen=True)
class CaseViewers:
    """Who a case concerns, for the object-level read rule: owner, active swarm, the account's AE and CSM
    (none if the account is unknown), and the (role, person) each pending approval is assigned to."""

    owner: str | None
    swarm: list[str]
    account_people: list[str | None]
    pending: list[tuple[str, str | None]]


def case_viewers(engine: sa.Engine, case_ids: list[str]) -> dict[str, CaseViewers]:
    """CaseViewers of each known case among `case_ids`: three queries whatever the number of cases."""
    e, a, s, p = t.escalations, t.accounts, t.swarm_members, t.approvals
    found: dict[str, tuple[str | None, list[str | None]]] = {}
    swarm: dict[str, list[str]] = {}
    pending: dict[str, list[tuple[str, str | None]]] = {}
    with read_connection(engine) as c:
        for i in range(0, len(case_ids), 1000):
            part = case_ids[i:i + 1000]
            for r in c.execute(sa.select(e.c.id, e.c.owner, a.c.id.label("account"), a.c.ae, a.c.csm)
                               .select_from(e.outerjoin(a, a.c.id == e.c.account_id)).where(e.c.id.in_(part))):
                found[r.id] = (r.owner, [r.ae, r.csm] if r.account is not None else [])
            for r in c.execute(sa.select(s.c.escalation_id, s.c.person)
                               .where(s.c.escalation_id.in_(part), s.c.renounced_at.is_(None))):
                swarm.setdefault(r.escalation_id, []).append(r.person)
            for r in c.execute(sa.select(p.c.escalation_id, p.c.assigned_role, p.c.assigned_to)
                               .where(p.c.escalation_id.in_(part), p.c.status == "pending")):
                pending.setdefault(r.escalation_id, []).append((r.assigned_role, r.assigned_to))
    return {case_id: CaseViewers(owner, swarm.get(case_id, []), people, pending.get(case_id, []))
            for case_id, (owner, people) in found.items()}


def json_time(at: datetime) -> str:
    """A stored time as the domain models serialise it (pydantic: `Z` for UTC), so raw reads and model
    dumps give the same text."""
    text = at.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


@dataclass(frozen=True)
class CaseRead:
    """Everything the case 360 view shows, read in one connection: the case with its swarm, its account
    (None if unknown), the stored JSON of the account's latest assessment, the timeline as JSON-ready
    dicts, and the case's pending and failed approvals (stored JSON, not re-validated)."""

    case: Escalation
    account: Account | None
    assessment_json: dict[str, Any] | None
    timeline: list[dict[str, Any]]
    approvals: list[ApprovalRecord]


_CASE_TIMELINE = (sa.select(t.timeline.c.escalation_id, t.timeline.c.at, t.timeline.c.kind, t.timeline.c.actor,
                            t.timeline.c.payload)
                  .where(t.timeline.c.escalation_id == sa.bindparam("case_id"))
                  .order_by(t.timeline.c.at, t.timeline.c.id))


_OPEN_APPROVALS = (approval_select().where(t.approvals.c.escalation_id == sa.bindparam("case_id"),
                                           t.approvals.c.status.in_(("pending", "failed")))
                   .order_by(t.approvals.c.created_at, t.approvals.c.id))


def read_case(engine: sa.Engine, case_id: str) -> CaseRead:
    """The case 360 read: six indexed queries on one connection, whatever the case's size (CaseNotFound)."""
    from core.store.approvals import _record
    from core.store.detection import current_body
    from core.store.records import ACCOUNT_ROW, NEWEST_ASSESSMENT_BODY, _model

    with read_connection(engine) as c:
        case = _read_escalation(c, case_id)
        account = {"account_id": case.account_id}
        account_row = c.execute(ACCOUNT_ROW, account).one_or_none()
        body = c.execute(NEWEST_ASSESSMENT_BODY, account).scalar()
        entries = c.execute(_CASE_TIMELINE, {"case_id": case_id}).all()
        approvals = c.execute(_OPEN_APPROVALS, {"case_id": case_id}).all()
    return CaseRead(
        case=case, account=_model(Account, account_row) if account_row is not None else None,
        assessment_json=current_body(body),
        timeline=[{"escalation_id": e.escalation_id, "at": json_time(e.at), "kind": e.kind, "actor": e.actor,
                   "payload": e.payload} for e in entries],
        approvals=[_record(r) for r in approvals])
