"""Role x endpoint x someone else's object: function-, object- and property-level authorization."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from core.models import Role
from core.permissions import Capability, roles_with
from core.store.ledger import read_audit
from tests.api.conftest import ACTORS, CONTRACT, LEGAL, OTHER_T2_KEY, World, add_approval, auth

R = Role
ALL = list(Role)
READERS = set(roles_with(Capability.read_accounts))
STARTERS = set(roles_with(Capability.start_case))
KPI_READERS = set(roles_with(Capability.read_kpis))
ORG_WIDE = {R.compliance, R.manager, R.admin}
BRIEFERS = set(roles_with(Capability.refresh_brief))


def _code(allowed: bool, ok: int = 200) -> int:
    return ok if allowed else 403


# (name, method, path template, expected status for a role)
MATRIX = [
    ("list accounts", "GET", "/accounts", lambda r: _code(r in READERS)),
    ("read account", "GET", "/accounts/acc-1", lambda r: _code(r in READERS)),
    ("risk history", "GET", "/accounts/acc-1/risk-history", lambda r: _code(r in READERS)),
    ("read own case", "GET", "/cases/{mine}", lambda r: 200),
    ("read someone else's case", "GET", "/cases/{other}", lambda r: _code(r in ORG_WIDE)),
    ("brief someone else's case", "POST", "/cases/{other}/brief",
     lambda r: 202 if r in BRIEFERS and r in ORG_WIDE else 403),
    ("read someone else's approval", "GET", "/approvals/{others_approval}",
     lambda r: _code(r in ORG_WIDE)),
    ("decide someone else's approval", "POST", "/approvals/{others_approval}/decision",
     lambda r: 403 if r != R.manager else 200),
    ("kpis", "GET", "/kpis", lambda r: _code(r in KPI_READERS)),
]


@pytest.mark.parametrize("role", ALL, ids=[r.value for r in ALL])
@pytest.mark.parametrize("name,method,path,expect", MATRIX, ids=[m[0] for m in MATRIX])
def test_matrix(world_client: tuple[TestClient, World], role: Role, name: str, method: str, path: str,
                expect) -> None:  # type: ignore[no-untyped-def]
    client, world = world_client
    engine = client.app.state.engine
    if "decision" in path:  # a fresh approval of someone else each time, so tests do not consume each other's
        world.others_approval = add_approval(engine, world.other, f"s-{uuid.uuid4().hex[:8]}", R.support_t2,
                                             "Jonas Weber")
    url = path.format(mine=world.mine, other=world.other, others_approval=world.others_approval)
    body = {"type": "approve"} if method == "POST" and "decision" in path else None
    response = client.request(method, url, headers=auth(role), json=body)
    assert response.status_code == expect(role), response.text
    if response.status_code == 403:
        assert read_audit(engine)[-1]["outcome"] == "forbidden"


@pytest.mark.parametrize("role", ALL, ids=[r.value for r in ALL])
def test_start_case_is_function_level(client: TestClient, role: Role) -> None:
    World(client.app.state.engine)
    response = client.post("/cases", json={"account_id": "acc-2"}, headers=auth(role))
    assert response.status_code == (201 if role in STARTERS else 403)


@pytest.mark.parametrize("assigned", ALL, ids=[r.value for r in ALL])
@pytest.mark.parametrize("role", ALL, ids=[r.value for r in ALL])
def test_a_role_decides_only_its_own_approvals(world_client: tuple[TestClient, World], role: Role,
                                               assigned: Role) -> None:
    client, world = world_client
    approval_id = add_approval(client.app.state.engine, world.mine, f"s-{uuid.uuid4().hex[:8]}", assigned)
    response = client.post(f"/approvals/{approval_id}/decision", json={"type": "approve"}, headers=auth(role))
    own = role == assigned
    override = role == R.manager and assigned != R.compliance
    assert response.status_code == (200 if own or override else 403), response.text
    if response.status_code == 200:
        assert response.json()["decided_by"] == ACTORS[role]
        assert response.json()["as_override"] is (override and not own)


@pytest.mark.parametrize("role", ALL, ids=[r.value for r in ALL])
def test_sensitive_account_fields_by_role(world_client: tuple[TestClient, World], role: Role) -> None:
    client, _ = world_client
    response = client.get("/accounts/acc-1", headers=auth(role))
    if role not in READERS:
        assert response.status_code == 403
        return
    account = response.json()["account"]
    assert (account["legal_notes"] == LEGAL) is (role in {R.compliance, R.manager, R.admin})
    assert (account["contract_terms"] == CONTRACT) is (role in {R.ae, R.compliance, R.manager, R.admin})
    assert LEGAL not in response.text or role in {R.compliance, R.manager, R.admin}


@pytest.mark.parametrize("role", ALL, ids=[r.value for r in ALL])
def test_compliance_findings_by_role(world_client: tuple[TestClient, World], role: Role) -> None:
    client, world = world_client
    view = client.get(f"/cases/{world.mine}", headers=auth(role)).json()
    sees = role in {R.compliance, R.manager, R.admin}
    rules = [s["rule_id"] for s in view["risk"]["signals"]]
    assert ("CMP-LEGAL-THREAT" in rules) is sees
    assert view["risk"]["redacted_signals"] == (0 if sees else 1)
    hit = next(e for e in view["timeline"] if e["kind"] == "rule_hit")
    assert ("rule_id" in hit["payload"]) is sees
    assert (view["account"]["legal_notes"] == LEGAL) is sees


def test_same_role_other_person_cannot_decide_a_named_assignment(world_client: tuple[TestClient, World]) -> None:
    client, world = world_client
    approval_id = add_approval(client.app.state.engine, world.mine, f"s-{uuid.uuid4().hex[:8]}", R.support_t2,
                               ACTORS[R.support_t2])
    refused = client.post(f"/approvals/{approval_id}/decision", json={"type": "approve"},
                          headers={"X-API-Key": OTHER_T2_KEY})
    assert refused.status_code == 403
    assert client.post(f"/approvals/{approval_id}/decision", json={"type": "approve"},
                       headers=auth(R.support_t2)).status_code == 200


def test_case_list_holds_only_visible_cases(world_client: tuple[TestClient, World]) -> None:
    client, world = world_client
    for role, expected in ((R.support_t1, {world.mine}), (R.csm, {world.mine}), (R.manager, {world.mine, world.other})):
        ids = {c["id"] for c in client.get("/cases", headers=auth(role)).json()}
        assert ids == expected, role
    jonas = {c["id"] for c in client.get("/cases", headers={"X-API-Key": OTHER_T2_KEY}).json()}
    assert world.other in jonas  # he owns it (and sees `mine` only while it holds a T2 approval anyone may take)


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "nope"}, {"Authorization": "Bearer nope"},
                                     {"Authorization": "Basic dGVzdA=="}], ids=["none", "bad-key", "bad-bearer", "basic"])
@pytest.mark.parametrize("path", ["/accounts", "/cases", "/approvals", "/kpis"])
def test_unauthenticated_is_401(world_client: tuple[TestClient, World], headers: dict, path: str) -> None:
    client, _ = world_client
    response = client.get(path, headers=headers)
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"


def test_bearer_token_works_like_the_header(world_client: tuple[TestClient, World]) -> None:
    client, _ = world_client
    from tests.api.conftest import KEYS
    assert client.get("/accounts", headers={"Authorization": f"Bearer {KEYS[R.csm]}"}).status_code == 200
