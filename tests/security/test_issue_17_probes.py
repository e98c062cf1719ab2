"""Issue 17's probes, each pinned: edits that stranded a case, edits silently dropped, stored values that
broke every read, unauthenticated 500s, sessions that outlived logout, pages without security headers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.auth import SESSION_COOKIE
from core.db import schema as t
from core.models import Role
from core.store.approvals import get_approval
from core.store.cases import read_timeline
from tests.api.conftest import World, auth
from tests.utils.deciding import (
    JSON_HEADERS,
    approver,
    decide_api,
    decide_page,
    login,
    pending_of,
    served_client,
    start_case,
)
from tests.utils.events import account

TEMPLATES = Path(__file__).resolve().parents[2] / "api" / "templates"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[TestClient, World, str]]:
    with served_client(tmp_path) as (client, world):
        yield client, world, start_case(client)


def test_issue_17_unchanged_prefilled_edit_on_the_page_is_an_approval(served) -> None:  # type: ignore[no-untyped-def]
    client, _, case_id = served
    record = pending_of(client, case_id)
    login(client, approver(record))
    brief = record.request.proposal["brief"]
    done = decide_page(client, record, {"decision": "edit", **{f"f.brief.{n}": brief[n]["text"] for n in
                                                              ("intent", "tried", "results")}})
    assert done.status_code == 303 and done.headers["location"].startswith(f"/ui/cases/{case_id}")
    assert get_approval(client.app.state.engine, record.id).decision.type == "approve"
    assert pending_of(client, case_id).request.action == "send_customer_update"  # the case moved on


def test_issue_17_brief_source_string_edit_is_a_422_with_the_path_and_the_case_moves_on(served) -> None:  # type: ignore[no-untyped-def]
    client, _, case_id = served
    record = pending_of(client, case_id)
    refused = decide_api(client, record, {"type": "edit", "edited_payload": {"brief": {"source": "x"}}})
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"][0]["loc"] == ["body", "edited_payload", "brief", "source"]
    assert get_approval(client.app.state.engine, record.id).status == "pending"
    assert decide_api(client, record, {"type": "approve"}).status_code == 200


@pytest.mark.parametrize("how", ["object", "page"])
def test_issue_17_edit_of_intent_is_applied(served, how: str) -> None:  # type: ignore[no-untyped-def]
    client, _, case_id = served
    record = pending_of(client, case_id)
    text = "Renewal at risk until SSO works for EU users"
    if how == "object":  # the object shape the page used to pre-fill, through the API
        brief = record.request.proposal["brief"]
        edited = {"brief": {**brief, "intent": {**brief["intent"], "text": text}}}
        assert decide_api(client, record, {"type": "edit", "edited_payload": edited}).status_code == 200
    else:
        login(client, approver(record))
        assert decide_page(client, record, {"decision": "edit", "f.brief.intent": text + "\r\n"}).status_code == 303
    (entry,) = [e for e in read_timeline(client.app.state.engine, case_id) if e.kind == "brief_edited"]
    assert entry.payload["edited"]["intent"]["text"] == text
    assert entry.payload["original"]["intent"]["text"] == record.request.proposal["brief"]["intent"]["text"]


@pytest.mark.parametrize("text", ["   ", "a\x00b", "x\x1by", "[" * 50_000 + "]" * 50_000])
def test_issue_17_bad_page_edits_are_a_422_next_to_the_field_and_store_nothing(served, text: str) -> None:  # type: ignore[no-untyped-def]
    client, _, case_id = served
    record = pending_of(client, case_id)
    login(client, approver(record))
    page = decide_page(client, record, {"decision": "edit", "f.brief.intent": text})
    assert page.status_code == 422
    assert get_approval(client.app.state.engine, record.id).status == "pending"


def test_issue_17_stored_lone_surrogates_stay_readable(served) -> None:  # type: ignore[no-untyped-def]
    client, _, case_id = served
    record = pending_of(client, case_id)
    engine = client.app.state.engine
    # What the old page form let through: a decision and a timeline entry holding a lone surrogate.
    bad = {"type": "edit", "edited_payload": {"x": "\ud800"}, "comment": None, "actor": "Priya Raman"}
    with engine.begin() as c:
        c.execute(t.approvals.update().where(t.approvals.c.id == record.id)
                  .values(status="applied", decision=bad, decided_by="Priya Raman"))
        c.execute(t.timeline.insert().values(escalation_id=case_id, at=record.created_at, kind="brief_edited",
                                             actor="Priya Raman", payload={"edited": {"intent": "\udfff"}}))
    headers = auth(Role.manager)
    one = client.get(f"/approvals/{record.id}", headers=headers)
    assert one.status_code == 200 and one.json()["decision"]["edited_payload"] == {"x": "\ufffd"}
    assert client.get("/approvals?status=applied", headers=headers).status_code == 200
    assert client.get(f"/cases/{case_id}", headers=headers).status_code == 200
    login(client, Role.manager)
    assert client.get(f"/ui/cases/{case_id}").status_code == 200
    assert client.get(f"/ui/inbox/{record.id}").status_code == 200


@pytest.mark.parametrize("path", ["/approvals/apr-x/decision", "/no/such/path", "/cases"])
@pytest.mark.parametrize("authenticated", [False, True])
def test_issue_17_a_4301_digit_integer_is_a_400_before_auth(served, path: str, authenticated: bool) -> None:  # type: ignore[no-untyped-def]
    client = served[0]
    body = b'{"type": "approve", "n": ' + b"9" * 4301 + b"}"
    headers = {**JSON_HEADERS, **(auth(Role.manager) if authenticated else {})}
    response = client.post(path, content=body, headers=headers)
    assert response.status_code == 400 and "digits" in response.json()["detail"]


def test_issue_17_min_age_overflow_is_a_422(served) -> None:  # type: ignore[no-untyped-def]
    client = served[0]
    for value in ("100000000000", "9" * 5000, "-1"):
        response = client.get(f"/approvals?min_age_s={value}", headers=auth(Role.manager))
        assert response.status_code == 422, (value[:20], response.text[:300])


def test_issue_17_logout_ends_the_session_even_for_a_copied_cookie(served) -> None:  # type: ignore[no-untyped-def]
    client = served[0]
    cookie = login(client, Role.manager)
    inbox = client.get("/ui/inbox")
    csrf = re.search(r'name="csrf" value="([^"]+)"', inbox.text).group(1)  # type: ignore[union-attr]
    assert client.post("/ui/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    client.cookies.set(SESSION_COOKIE, cookie)  # an attacker kept a copy
    replayed = client.get("/ui/inbox", follow_redirects=False)
    assert replayed.status_code == 303 and replayed.headers["location"].startswith("/ui/login")


def test_issue_17_free_text_fields_are_bounded(served) -> None:  # type: ignore[no-untyped-def]
    client = served[0]
    huge = account("e-big", "acc-big", legal_notes="x" * 5_000_000)
    response = client.post("/events", content=json.dumps([huge]).encode(), headers=JSON_HEADERS)
    assert response.status_code == 422 and "legal_notes" in response.text


def test_issue_17_pages_carry_security_headers_and_no_inline_script(served) -> None:  # type: ignore[no-untyped-def]
    client = served[0]
    page = client.get("/ui/login")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert page.headers["x-frame-options"] == "DENY" and page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"]
    assert client.get("/healthz").headers["x-content-type-options"] == "nosniff"
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\ssrc=)", text), template.name
        assert not re.search(r"\son[a-z]+\s*=", text), template.name
        assert "style=" not in text, template.name  # style-src 'self' would block it


def test_issue_17_any_unexpected_exception_is_a_json_500_without_traceback(served) -> None:  # type: ignore[no-untyped-def]
    client = served[0]

    def boom() -> None:
        raise RuntimeError("secret internals")

    client.app.add_api_route("/boom-for-test", boom)
    response = client.get("/boom-for-test")
    assert response.status_code == 500
    assert response.json()["detail"] == "internal error" and "secret" not in response.text
    assert "Traceback" not in response.text


def test_issue_17_replay_memory_is_documented_as_shared() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text(encoding="utf-8")
    assert "memory is per\nprocess" not in text and "replay memory is per process" not in text.replace("\n", " ")


def test_issue_17_failed_decision_is_in_the_inbox_the_case_and_metrics(served) -> None:  # type: ignore[no-untyped-def]
    client, _, case_id = served
    service = client.app.state.product.cases
    engine = client.app.state.engine
    assert decide_api(client, pending_of(client, case_id), {"type": "approve"}).status_code == 200
    assert decide_api(client, pending_of(client, case_id), {"type": "approve"}).status_code == 200
    record = pending_of(client, case_id)
    assert record.request.action == "publish_article"
    knowledge = service.context.knowledge
    original = knowledge.capture_article

    def unreachable(article):  # type: ignore[no-untyped-def]
        raise ConnectionError("vector store unreachable")

    # An article whose solution no evidence supports cannot be approved as drafted: write one.
    publish = ({"type": "approve"} if "approve" in record.request.allowed_decisions else
               {"type": "edit", "edited_payload": {"article": {"solution": "Re-upload the SAML metadata."}}})
    knowledge.capture_article = unreachable
    try:
        failed = decide_api(client, record, publish)
    finally:
        knowledge.capture_article = original
    assert failed.status_code == 503 and "vector store unreachable" in failed.json()["detail"]
    assert get_approval(engine, record.id).status == "failed"
    listed = client.get("/approvals?status=failed", headers=auth(Role.manager)).json()
    assert [a["id"] for a in listed] == [record.id] and "ConnectionError" in listed[0]["error"]
    metrics = client.get("/metrics").text
    assert re.search(r"^redaccount_approvals_failed 1\.0$", metrics, re.M)
    assert re.search(r"^redaccount_decision_failures_total 1\.0$", metrics, re.M)
    login(client, Role.manager)
    assert "vector store unreachable" in client.get(f"/ui/cases/{case_id}").text
    retried = decide_api(client, record, publish)  # retry: decided again, applied
    assert retried.status_code == 200 and retried.json()["status"] == "applied"
    assert re.search(r"^redaccount_approvals_failed 0\.0$", client.get("/metrics").text, re.M)
    with engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(t.approvals)
                         .where(t.approvals.c.status == "decided")).scalar() == 0
