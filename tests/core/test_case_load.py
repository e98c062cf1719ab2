"""Workload for owner choice: one grouped query, same counts as reading every open case."""

from __future__ import annotations

from datetime import UTC, datetime

from core.db import open_database
from core.models import Outcome, Role, SwarmMember
from core.store.cases import add_swarm_member, close_escalation, open_case_load, open_escalation

AT = datetime(2026, 10, 1, tzinfo=UTC)


def _member(person: str) -> SwarmMember:
    return SwarmMember(person=person, role=Role.support_t2, assumed_at=AT)


def test_counts_active_members_of_open_cases_only(settings) -> None:  # type: ignore[no-untyped-def]
    engine = open_database(settings)
    a, _ = open_escalation(engine, "acc-a", AT)
    b, _ = open_escalation(engine, "acc-b", AT)
    c, _ = open_escalation(engine, "acc-c", AT)
    add_swarm_member(engine, a.id, _member("Priya"))
    add_swarm_member(engine, b.id, _member("Priya"))
    add_swarm_member(engine, c.id, _member("Jonas"))
    close_escalation(engine, c.id, AT, Outcome.saved, "done")
    assert open_case_load(engine) == {"Priya": 2}
    assert open_case_load(engine, exclude=a.id) == {"Priya": 1}
