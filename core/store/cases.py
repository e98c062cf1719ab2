"""Red cases: escalation records, swarm, append-only timeline. The rows graph/ and api/ read and write."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from core.db import schema as t
from core.models import Escalation, Outcome, Phase, SupportTier, SwarmMember, TimelineEntry


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


def get_escalation(engine: sa.Engine, case_id: str) -> Escalation:
    with engine.connect() as c:
        row = c.execute(sa.select(t.escalations).where(t.escalations.c.id == case_id)).one_or_none()
        if row is None:
            raise CaseNotFound(case_id)
        members = c.execute(sa.select(t.swarm_members).where(t.swarm_members.c.escalation_id == case_id)
                            .order_by(t.swarm_members.c.id)).all()
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
    with engine.connect() as c:
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
    with engine.connect() as c:
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
