"""Decisions as forms: per-kind fields, server-side validation next to the field, JSON for admins only."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from api.decision_forms import read_form, to_contract
from core.models import Role
from core.store.approvals import get_approval
from tests.api.conftest import World, add_approval
from tests.api.test_pages import _csrf, login

PROPOSAL = {"subject": "Update on your SSO issue", "body": "We re-issued the metadata."}


def test_unchanged_form_is_a_plain_approval() -> None:
    result = read_form("send_customer_update", PROPOSAL, {"f.subject": PROPOSAL["subject"],
                                                          "f.body": PROPOSAL["body"] + "\r\n"}, allow_json=False)
    assert result.edited is None and result.errors == {}


def test_changed_fields_become_the_edit_and_bad_ones_are_named() -> None:
    ok = read_form("send_customer_update", PROPOSAL, {"f.subject": "SSO fixed", "f.body": PROPOSAL["body"]},
                   allow_json=False)
    assert ok.edited == {"subject": "SSO fixed"}
    bad = read_form("send_customer_update", PROPOSAL, {"f.subject": " ", "f.body": "x" * 4001}, allow_json=False)
    assert set(bad.errors) == {"subject", "body"} and "4000" in bad.errors["body"]
    brief = read_form("validate_brief", {"brief": {"intent": {"text": "a"}}}, {"f.brief.intent": "b"}, allow_json=False)
    assert brief.edited == {"brief": {"intent": "b"}}
    article = read_form("publish_article", {"article": {"title": "T", "tags": ["a"]}},
                        {"f.article.title": "T2", "f.article.tags": "a, b"}, allow_json=False)
    assert to_contract("publish_article", article.edited or {}, {}, "csm") == {"article": {"title": "T2", "tags": ["a", "b"]}}
    proposed = {"next_actions": [{"action": "Call the sponsor", "owner_role": "csm", "rationale": "r", "citations": []}]}
    lines = read_form("send_customer_update", proposed, {"f.next_actions": "Call the sponsor\r\nFix SSO"},
                      allow_json=False)
    assert to_contract("send_customer_update", lines.edited or {}, proposed, "support_t2")["next_actions"] == [
        proposed["next_actions"][0], {"action": "Fix SSO", "owner_role": "support_t2", "rationale": "", "citations": []}]


def test_json_only_for_admins() -> None:
    form = {"json": '{"subject": "from json", "body": "b"}'}
    assert read_form("send_customer_update", PROPOSAL, form, allow_json=False).edited is None
    assert read_form("send_customer_update", PROPOSAL, form, allow_json=True).edited == {"subject": "from json",
                                                                                         "body": "b"}
    assert "not JSON" in read_form("x", PROPOSAL, {"json": "{"}, allow_json=True).errors["json"]


def test_edit_a_customer_update_through_the_form(client: TestClient) -> None:
    engine = client.app.state.engine
    world = World(engine)
    approval_id = add_approval(engine, world.mine, "form-step", Role.support_t2)
    login(client, Role.support_t2)
    page = client.get(f"/ui/inbox/{approval_id}")
    assert 'name="f.subject"' in page.text and 'name="json"' not in page.text and "{&#34;" not in page.text
    token = _csrf(page.text)
    invalid = client.post(f"/ui/inbox/{approval_id}/decide", data={
        "csrf": token, "decision": "approve", "f.subject": "", "f.body": "Typed text is kept."})
    assert invalid.status_code == 422 and get_approval(engine, approval_id).status == "pending"
    assert re.search(r'id="f-subject-error">Subject: must not be empty', invalid.text)
    assert "Typed text is kept." in invalid.text and 'aria-invalid="true"' in invalid.text
    done = client.post(f"/ui/inbox/{approval_id}/decide", data={
        "csrf": token, "decision": "approve", "f.subject": "SSO is fixed", "f.body": PROPOSAL["body"],
        "f.next_actions": ""}, follow_redirects=False)
    assert done.status_code == 303, done.text
    decided = get_approval(engine, approval_id)
    assert decided.decision and decided.decision.type == "edit"
    assert decided.decision.edited_payload == {"subject": "SSO is fixed"}


def test_admin_sees_the_json_editor(client: TestClient) -> None:
    engine = client.app.state.engine
    world = World(engine)
    approval_id = add_approval(engine, world.mine, "admin-step", Role.admin)
    login(client, Role.manager)  # may decide it as an override, but is not an admin
    manager_page = client.get(f"/ui/inbox/{approval_id}").text
    assert 'id="decide-approve"' in manager_page and 'name="json"' not in manager_page
    client.cookies.clear()
    login(client, Role.admin)
    page = client.get(f"/ui/inbox/{approval_id}")
    assert 'name="json"' in page.text
    bad = client.post(f"/ui/inbox/{approval_id}/decide", data={"csrf": _csrf(page.text), "decision": "approve",
                                                                "json": "[1]"})
    assert bad.status_code == 422 and "must be a JSON object" in bad.text
