"""Statements per request on the reads people wait on: a fixed number, whatever the number of cases and
approvals. A view that starts querying once per row (N+1) sends more statements at the larger size and
fails here.

Counted with a `before_cursor_execute` listener (core.db.querycount) scoped to each request by an ASGI
wrapper, so job threads using the same engine are not counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.auth import SESSION_COOKIE
from core.db.querycount import QueryCounter
from core.ingest import ingest_objects
from core.models import Role, SwarmMember, TimelineEntry
from core.settings import Settings
from core.store.cases import add_swarm_member, append_timeline, open_escalation, update_escalation
from tests.api.conftest import ACTORS, KEYS, add_approval, assessment, seeded_app, store_assessment
from tests.utils.events import account, message, ticket

# The most statements each read may send, at any size (the counts below are asserted exactly equal at
# both sizes too). Reading the whole inbox as a role without `read_all_cases` checks the read rule for
# all the listed cases at once: 1 listing + 3 visibility queries.
BOUNDS = {
    "inbox (manager)": 1,
    "inbox page (manager)": 1,
    "inbox (support_t2)": 4,
    "inbox mine (support_t2)": 1,
    "approval detail": 3,
    "case 360 (manager)": 6,
    "case 360 (support_t2)": 6,
    "account risk": 3,
    "accounts page": 8,
}


class Counting:
    """ASGI wrapper: the statements of the last HTTP request, counted in the request's own context."""

    def __init__(self, app: Any, counter: QueryCounter):
        self.app, self.counter, self.last = app, counter, -1

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = self.counter.start()
        try:
            await self.app(scope, receive, send)
        finally:
            self.last = self.counter.stop(token)


def _seed(engine: Any, start: int, count: int) -> list[tuple[str, str]]:
    """`count` accounts, each with a ticket, a message, an assessment, an open case with a swarm, a
    timeline and two pending approvals (one assigned to support_t2's Priya, one to a CSM); returns
    (case id, approval id) pairs."""
    now = datetime.now(UTC)
    out = []
    for i in range(start, start + count):
        acc = f"acc-q{i}"
        ingest_objects(engine, [account(f"e-a-q{i}", acc, name=f"Account {i}", csm="Omar Haddad", ae="Someone Else"),
                                ticket(f"e-t-q{i}", f"t-q{i}", account_id=acc),
                                message(f"e-m-q{i}", f"m-q{i}", "I need to speak to your manager.", ticket_id=f"t-q{i}")])
        store_assessment(engine, assessment(acc))
        case, _ = open_escalation(engine, acc, now - timedelta(days=1))
        update_escalation(engine, case.id, now, owner="Jonas Weber", sla_due={"first_response": now + timedelta(hours=2)})
        add_swarm_member(engine, case.id, SwarmMember(person="Hannah Brooks", role=Role.engineering, assumed_at=now))
        for kind in ("opened", "rule_hit", "brief"):
            append_timeline(engine, TimelineEntry(escalation_id=case.id, at=now, kind=kind, actor="system:test",
                                                  payload={"rule_id": "CMP-LEGAL-THREAT"} if kind == "rule_hit" else {}))
        mine = add_approval(engine, case.id, "validate_brief", Role.support_t2,
                            ACTORS[Role.support_t2] if i % 2 else "Jonas Weber")
        add_approval(engine, case.id, "send_update", Role.csm, forced_by_rules=["CMP-LEGAL-THREAT"] if i % 3 else [])
        out.append((case.id, mine))
    return out


def counter_app(client: TestClient) -> Any:
    """The app inside the counting wrapper."""
    return client.app.app  # type: ignore[attr-defined]


@pytest.fixture
def counting(api_settings: Settings) -> Iterator[tuple[TestClient, Counting]]:
    app = seeded_app(api_settings)
    counting = Counting(app, QueryCounter(app.state.engine))
    with TestClient(counting) as client:
        yield client, counting


def _counts(client: TestClient, counting: Counting, case_id: str, approval_id: str) -> dict[str, int]:
    manager, t2 = {"X-API-Key": KEYS[Role.manager]}, {"X-API-Key": KEYS[Role.support_t2]}
    app: Any = counting.app
    cookie = app.state.sessions.issue(app.state.keys.lookup(KEYS[Role.manager]))
    account_id = client.get(f"/cases/{case_id}", headers=manager).json()["case"]["account_id"]
    reads = {
        "inbox (manager)": ("/approvals", manager),
        "inbox page (manager)": ("/approvals?limit=3&offset=1", manager),
        "inbox (support_t2)": ("/approvals", t2),
        "inbox mine (support_t2)": ("/approvals?mine=true", t2),
        "approval detail": (f"/approvals/{approval_id}", manager),
        "case 360 (manager)": (f"/cases/{case_id}", manager),
        "case 360 (support_t2)": (f"/cases/{case_id}", t2),
        "account risk": (f"/accounts/{account_id}", manager),
        "accounts page": ("/ui/accounts", {"cookie": f"{SESSION_COOKIE}={cookie}"}),
    }
    counts = {}
    for name, (path, headers) in reads.items():
        response = client.get(path, headers=headers)
        assert response.status_code == 200, (name, response.status_code, response.text[:200])
        counts[name] = counting.last
    return counts


def test_each_read_sends_a_fixed_number_of_statements_at_two_sizes(counting: tuple[TestClient, Counting]) -> None:
    client, counter = counting
    first = _seed(counter_app(client).state.engine, 0, 2)
    # An approval Priya (support_t2) holds, so her 360 view of its case is allowed.
    case_id, approval_id = next((c, a) for i, (c, a) in enumerate(first) if i % 2)
    small = _counts(client, counter, case_id, approval_id)
    _seed(counter_app(client).state.engine, 2, 18)
    large = _counts(client, counter, case_id, approval_id)
    assert large == small, "a read sends more statements with more data (N+1)"
    over = {name: n for name, n in large.items() if n > BOUNDS[name]}
    assert not over, f"more statements than allowed: {over} (bounds {BOUNDS})"


def test_the_listing_shows_the_same_approvals_at_either_size(counting: tuple[TestClient, Counting]) -> None:
    """The batched read rule keeps exactly what the per-case rule allowed: Priya sees the approvals of
    cases she holds one on, and not the others."""
    client, _ = counting
    pairs = _seed(counter_app(client).state.engine, 0, 6)
    t2 = {"X-API-Key": KEYS[Role.support_t2]}
    listed = client.get("/approvals", headers=t2).json()
    held = {c for i, (c, _) in enumerate(pairs) if i % 2}
    assert {a["case_id"] for a in listed} == held
    for case_id, _ in pairs:
        assert client.get(f"/cases/{case_id}", headers=t2).status_code == (200 if case_id in held else 403)
    mine = client.get("/approvals?mine=true", headers=t2).json()
    assert {a["id"] for a in mine} == {a for i, (_, a) in enumerate(pairs) if i % 2}
    paged = [a["id"] for a in client.get("/approvals?limit=2&offset=1", headers=t2).json()]
    assert paged == [a["id"] for a in listed][1:3]
