"""Deciding over HTTP: 404 unknown, 409 no longer pending, double submit applies once, all audited."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from core.models import Role
from core.store.approvals import get_approval
from core.store.cases import read_timeline
from core.store.ledger import read_audit
from tests.api.conftest import ACTORS, World, add_approval, auth


def _new(client: TestClient, world: World, role: Role = Role.support_t2) -> str:
    return add_approval(client.app.state.engine, world.mine, f"s-{uuid.uuid4().hex[:8]}", role)


def test_unknown_approval_is_404_and_audited(client: TestClient) -> None:
    World(client.app.state.engine)
    response = client.post("/approvals/apr-nope/decision", json={"type": "approve"}, headers=auth(Role.support_t2))
    assert response.status_code == 404
    assert read_audit(client.app.state.engine, target="apr-nope")[-1]["outcome"] == "not_found"


def test_second_decision_is_409_audited_and_applies_once(client: TestClient) -> None:
    world = World(client.app.state.engine)
    approval_id = _new(client, world)
    first = client.post(f"/approvals/{approval_id}/decision", json={"type": "approve"}, headers=auth(Role.support_t2))
    second = client.post(f"/approvals/{approval_id}/decision", json={"type": "reject", "comment": "no"},
                         headers=auth(Role.support_t2))
    assert first.status_code == 200 and second.status_code == 409
    engine = client.app.state.engine
    assert get_approval(engine, approval_id).decision.type == "approve"
    outcomes = [a["outcome"] for a in read_audit(engine, target=approval_id)]
    assert outcomes == ["decided", "conflict"]
    assert len([e for e in read_timeline(engine, world.mine) if e.kind == "decision"]) == 1


def test_concurrent_double_submit_applies_once(client: TestClient) -> None:
    world = World(client.app.state.engine)
    approval_id = _new(client, world)

    def submit(_: int) -> int:
        return client.post(f"/approvals/{approval_id}/decision", json={"type": "approve"},
                           headers=auth(Role.support_t2)).status_code

    with ThreadPoolExecutor(8) as pool:
        codes = sorted(pool.map(submit, range(8)))
    assert codes == [200] + [409] * 7


def test_actor_comes_from_authentication_never_the_body(client: TestClient) -> None:
    world = World(client.app.state.engine)
    approval_id = _new(client, world)
    spoof = client.post(f"/approvals/{approval_id}/decision", json={"type": "approve", "actor": "Elena Petrova"},
                        headers=auth(Role.support_t2))
    assert spoof.status_code == 422
    ok = client.post(f"/approvals/{approval_id}/decision", json={"type": "approve"}, headers=auth(Role.support_t2))
    assert ok.json()["decided_by"] == ACTORS[Role.support_t2]


def test_edit_needs_a_payload_and_respond_a_comment(client: TestClient) -> None:
    world = World(client.app.state.engine)
    approval_id = _new(client, world)
    headers = auth(Role.support_t2)
    assert client.post(f"/approvals/{approval_id}/decision", json={"type": "edit"}, headers=headers).status_code == 422
    assert client.post(f"/approvals/{approval_id}/decision", json={"type": "respond"},
                       headers=headers).status_code == 422
    edited = client.post(f"/approvals/{approval_id}/decision", headers=headers,
                         json={"type": "edit", "edited_payload": {"subject": "S", "body": "B"}, "comment": "tone"})
    assert edited.status_code == 200 and edited.json()["decision"]["edited_payload"] == {"subject": "S", "body": "B"}


def test_list_filters_by_role_case_age_and_mine(client: TestClient) -> None:
    world = World(client.app.state.engine)
    t2 = _new(client, world, Role.support_t2)
    csm = _new(client, world, Role.csm)
    manager = auth(Role.manager)
    ids = {a["id"] for a in client.get("/approvals", params={"role": "csm"}, headers=manager).json()}
    assert ids == {csm}
    ids = {a["id"] for a in client.get("/approvals", params={"case_id": world.mine}, headers=manager).json()}
    assert ids == {t2, csm}
    assert client.get("/approvals", params={"min_age_s": 7200}, headers=manager).json() == []
    mine = {a["id"] for a in client.get("/approvals", params={"mine": True}, headers=auth(Role.support_t2)).json()}
    assert mine == {t2}
    owner = client.get("/approvals", params={"owner": "Jonas Weber"}, headers=manager).json()
    assert [a["id"] for a in owner] == [world.others_approval]


def test_read_one_approval_resolves_its_evidence(client: TestClient) -> None:
    world = World(client.app.state.engine)
    view = client.get(f"/approvals/{_new(client, world)}", headers=auth(Role.support_t2)).json()
    assert view["evidence"][0]["ref"] == "message:m-1" and "lawyers" in view["evidence"][0]["text"]
    assert view["you_may_decide"] is True


def test_compliance_forced_proposal_is_hidden_from_other_roles(client: TestClient) -> None:
    world = World(client.app.state.engine)
    approval_id = add_approval(client.app.state.engine, world.mine, "cmp-step", Role.compliance,
                               forced_by_rules=["CMP-GDPR"])
    hidden = client.get(f"/approvals/{approval_id}", headers=auth(Role.csm)).json()
    assert list(hidden["request"]["proposal"]) == ["redacted"] and hidden["evidence"] == []
    manager = client.get(f"/approvals/{approval_id}", headers=auth(Role.manager)).json()
    assert manager["you_may_decide"] is False  # no override reaches a compliance sign-off
    shown = client.get(f"/approvals/{approval_id}", headers=auth(Role.compliance)).json()
    assert shown["request"]["proposal"]["subject"] == "Update on your SSO issue"
