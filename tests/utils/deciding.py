"""Deciding approvals of a served app (workflow installed) the three ways a person can: API, page, CLI."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from api.app import create_app
from core.models import Role
from core.store.approvals import ApprovalRecord, list_approvals
from tests.api.conftest import ACTORS, KEYS, World, auth
from tests.security.conftest import served_settings

JSON_HEADERS = {"content-type": "application/json"}


@contextmanager
def served_client(tmp: Path, **overrides: Any) -> Iterator[tuple[TestClient, World]]:
    """The app `redaccount serve` runs, seeded (two accounts with messages), errors answered not raised."""
    app = create_app(served_settings(tmp, **overrides))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, World(app.state.engine)


def start_case(client: TestClient, account_id: str = "acc-1") -> str:
    response = client.post("/cases", json={"account_id": account_id}, headers=auth(Role.manager))
    assert response.status_code in (200, 201), response.text
    return response.json()["case_id"]


def pending_of(client: TestClient, case_id: str) -> ApprovalRecord | None:
    found = list_approvals(client.app.state.engine, case_id=case_id, status=None)
    open_ = [a for a in found if a.status in ("pending", "failed", "decided")]
    return open_[-1] if open_ else None


def approver(record: ApprovalRecord) -> Role:
    """The role whose test key may decide this approval (the assignee's, or a manager's override)."""
    role = record.request.assigned_role
    if record.request.assigned_to in (None, ACTORS.get(role)):
        return role
    return Role.manager


def decide_api(client: TestClient, record: ApprovalRecord, body: Any, role: Role | None = None) -> httpx.Response:
    """POST a decision body as raw JSON (escaped, so lone surrogates travel as the hostile client sends them)."""
    return client.post(f"/approvals/{record.id}/decision", content=json.dumps(body).encode(),
                       headers={**JSON_HEADERS, **auth(role or approver(record))})


def login(client: TestClient, role: Role) -> str:
    """Log in on the page; returns the session cookie."""
    form = client.get("/ui/login")
    response = client.post("/ui/login", data={"api_key": KEYS[role], "csrf": csrf_of(form.text),
                                              "next": "/ui/inbox"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return client.cookies.get("ra_session") or ""


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def decide_page(client: TestClient, record: ApprovalRecord, data: dict[str, str]) -> httpx.Response:
    """Submit the approval page's form (the session must be the approver's)."""
    page = client.get(f"/ui/inbox/{record.id}")
    return client.post(f"/ui/inbox/{record.id}/decide", data={"csrf": csrf_of(page.text), **data},
                       follow_redirects=False)
