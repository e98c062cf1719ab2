"""Pages: login with an API key, signed session cookie, CSRF on every form, decide from the inbox."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from api.auth import SESSION_COOKIE
from core.models import Role
from core.store.approvals import get_approval
from tests.api.conftest import KEYS, LEGAL, World, add_approval


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def login(client: TestClient, role: Role) -> None:
    form = client.get("/ui/login")
    response = client.post("/ui/login", data={"api_key": KEYS[role], "csrf": _csrf(form.text), "next": "/ui/inbox"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_pages_need_a_session(client: TestClient) -> None:
    response = client.get("/ui/inbox", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/ui/login")
    client.cookies.set(SESSION_COOKIE, "forged.value")
    assert client.get("/ui/inbox", follow_redirects=False).status_code == 303


def test_login_needs_the_form_token_and_a_known_key(client: TestClient) -> None:
    client.get("/ui/login")
    assert client.post("/ui/login", data={"api_key": KEYS[Role.csm], "csrf": "wrong"},
                       follow_redirects=False).status_code == 403
    form = client.get("/ui/login")
    bad = client.post("/ui/login", data={"api_key": "nope", "csrf": _csrf(form.text)}, follow_redirects=False)
    assert bad.status_code == 303 and "error" in bad.headers["location"]


def test_decide_from_the_inbox_with_csrf(client: TestClient) -> None:
    engine = client.app.state.engine
    world = World(engine)
    approval_id = add_approval(engine, world.mine, "page-step", Role.support_t2)
    login(client, Role.support_t2)
    inbox = client.get("/ui/inbox")
    assert approval_id in inbox.text
    page = client.get(f"/ui/inbox/{approval_id}")
    assert "Our lawyers" in page.text and 'id="decide-approve"' in page.text
    refused = client.post(f"/ui/inbox/{approval_id}/decide", data={"csrf": "forged", "decision": "approve"},
                          follow_redirects=False)
    assert refused.status_code == 403 and get_approval(engine, approval_id).status == "pending"
    done = client.post(f"/ui/inbox/{approval_id}/decide", data={"csrf": _csrf(page.text), "decision": "approve"},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith(f"/ui/cases/{world.mine}")
    assert get_approval(engine, approval_id).decided_by == "Priya Raman"
    again = client.post(f"/ui/inbox/{approval_id}/decide", data={"csrf": _csrf(page.text), "decision": "approve"},
                        follow_redirects=False)
    assert again.status_code == 303 and "flash" in again.headers["location"]  # 409 shown on the page
    case = client.get(done.headers["location"])
    assert 'data-kind="decision"' in case.text and LEGAL not in case.text


def test_dashboard_renders_charts_for_kpi_roles_only(client: TestClient) -> None:
    World(client.app.state.engine)
    login(client, Role.manager)
    page = client.get("/ui/dashboard")
    assert page.status_code == 200 and page.text.count("<svg") >= 7
    for title in ("MTTR", "FCR rate", "Saves", "False-positive rate", "Time in each phase", "SLA breaches",
                  "Escalation volume"):
        assert title in page.text
    client.cookies.clear()
    login(client, Role.support_t1)
    assert client.get("/ui/dashboard").status_code == 403


def test_static_assets_are_served_locally(client: TestClient) -> None:
    assert client.get("/static/app.css").status_code == 200
    assert client.get("/static/app.js").status_code == 200


def test_the_inbox_shows_each_drafts_source(client: TestClient) -> None:
    from core.store.approvals import replace_proposal

    engine = client.app.state.engine
    world = World(engine)
    approval_id = add_approval(engine, world.mine, "source-step", Role.support_t2)
    proposal = get_approval(engine, approval_id).request.proposal
    draft = {"source": "model", "note": "", "fallbacks": ["next_actions"]}
    assert replace_proposal(engine, approval_id, {**proposal, "draft": draft})
    login(client, Role.support_t2)
    assert 'draft-source">model' in client.get("/ui/inbox").text
    page = client.get(f"/ui/inbox/{approval_id}").text
    assert "Draft: <span class=\"badge\">model</span>" in page and "extractive fields: next_actions" in page
