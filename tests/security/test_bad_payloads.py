"""Oversized and malformed bodies on every write endpoint: a 4xx with a precise message, nothing written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app, install_workflow
from api.hardening import DEFAULT_MAX_BODY_BYTES, MAX_JSON_DEPTH
from api.routes import events, zendesk
from connectors.zendesk_signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, zendesk_signature
from core.db import table_counts
from core.models import Role
from core.store.approvals import list_approvals
from tests.api.conftest import World, auth
from tests.security.conftest import ZENDESK_SECRET, served_settings
from tests.utils.events import account

JSON = {"content-type": "application/json"}


class Target:
    def __init__(self, client: TestClient, world: World):
        self.client, self.world = client, world
        self.engine = client.app.state.engine
        self.approval = next(a.id for a in list_approvals(self.engine) if a.case_id == world.mine)

    def data_dir(self) -> Path:
        return self.client.app.state.settings.data_dir

    def snapshot(self) -> tuple[dict[str, int], list[str]]:
        """Every table's row count and the files under the data dir (spool included)."""
        files = sorted(str(p.relative_to(self.data_dir())) for p in self.data_dir().rglob("*")
                       if p.is_file() and "chroma" not in p.parts and not p.name.endswith(("-wal", "-shm")))
        return table_counts(self.engine), [f for f in files if not f.startswith(("checkpoints", "redaccount.db"))]


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    tmp = tmp_path_factory.mktemp("bad")
    app = create_app(served_settings(tmp))
    install_workflow(app)
    with TestClient(app, raise_server_exceptions=False) as client:
        world = World(app.state.engine)
        assert client.post("/cases", json={"account_id": "acc-1"}, headers=auth(Role.manager)).status_code == 201
        yield Target(client, world)


def _zendesk_headers(body: bytes) -> dict[str, str]:
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: zendesk_signature(ZENDESK_SECRET, stamp, body)} | JSON


# endpoint name -> (path template, size limit, headers for a body)
ENDPOINTS = {
    "events": ("/events", events.MAX_BODY_BYTES),
    "zendesk": ("/webhooks/zendesk", zendesk.MAX_BODY_BYTES),
    "start_case": ("/cases", DEFAULT_MAX_BODY_BYTES),
    "brief": ("/cases/{mine}/brief", DEFAULT_MAX_BODY_BYTES),
    "decision": ("/approvals/{approval}/decision", DEFAULT_MAX_BODY_BYTES),
}


def _post(target: Target, name: str, body: bytes, content_type: str = "application/json"):  # type: ignore[no-untyped-def]
    path, _ = ENDPOINTS[name]
    url = path.format(mine=target.world.mine, approval=target.approval)
    headers = auth(Role.manager) | {"content-type": content_type}
    if name == "zendesk":  # a correctly signed delivery, so the body itself is what gets judged
        headers |= {k: v for k, v in _zendesk_headers(body).items() if k != "content-type"}
    return target.client.post(url, content=body, headers=headers)


def _deep(levels: int) -> bytes:
    return ("[" * levels + "]" * levels).encode()


MALFORMED = {
    "deep nesting (arrays)": (_deep(100_000), 400, f"nested deeper than {MAX_JSON_DEPTH} levels"),
    "deep nesting (objects)": (('{"a":' * 5_000 + "1" + "}" * 5_000).encode(), 400, "nested deeper than"),
    "just past the depth cap": (_deep(MAX_JSON_DEPTH + 1), 400, "nested deeper than"),
    "invalid UTF-8": (b'{"account_id": "\xff\xfe acc"}', 400, "not valid UTF-8"),
    "NaN": (b'{"account_id": NaN, "type": NaN}', 400, "NaN is not valid JSON"),
    "Infinity": (b'[{"arr": Infinity}]', 400, "Infinity is not valid JSON"),
    "-Infinity": (b'{"x": -Infinity}', 400, "-Infinity is not valid JSON"),
    "truncated JSON": (b'{"account_id": "acc-1"', 400, "malformed JSON"),
    "not JSON at all": (b"account_id=acc-1", 400, "malformed JSON"),
    "lone surrogate escape": (b'{"account_id": "\\ud800"}', 400, "unpaired UTF-16 surrogate"),
    "surrogate in a key": (b'[{"\\udfff": 1}]', 400, "unpaired UTF-16 surrogate"),
}


@pytest.mark.parametrize("name", list(ENDPOINTS))
@pytest.mark.parametrize("kind", list(MALFORMED))
def test_malformed_json_is_refused_precisely_and_nothing_is_written(target: Target, name: str, kind: str) -> None:
    body, status, message = MALFORMED[kind]
    before = target.snapshot()
    response = _post(target, name, body)
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    if status is not None:
        assert response.status_code == status, response.text[:300]
        assert message in response.json()["detail"], response.text[:300]
    if name != "brief":  # the brief takes no body; a fresh brief is a legitimate timeline entry
        assert target.snapshot() == before


@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_oversized_bodies_get_413_before_being_read(target: Target, name: str) -> None:
    _, limit = ENDPOINTS[name]
    body = json.dumps({"account_id": "x" * (limit + 10)}).encode()
    before = target.snapshot()
    response = _post(target, name, body)
    assert response.status_code == 413 and response.json()["detail"] == f"body larger than {limit} bytes"
    assert target.snapshot() == before


@pytest.mark.parametrize("name", ["start_case", "decision", "brief"])
def test_oversized_streamed_body_without_length_is_cut_off(target: Target, name: str) -> None:
    path, limit = ENDPOINTS[name]
    url = path.format(mine=target.world.mine, approval=target.approval)

    def chunks() -> Iterator[bytes]:
        yield b'{"comment": "'
        for _ in range(limit // 65_536 + 2):
            yield b"a" * 65_536
        yield b'"}'

    before = target.snapshot()
    response = target.client.post(url, content=chunks(), headers=auth(Role.manager) | JSON)
    assert response.status_code == 413, response.text[:200]
    assert target.snapshot() == before


@pytest.mark.parametrize("name", list(ENDPOINTS))
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                                          "application/xml"])
def test_wrong_content_type_is_415(target: Target, name: str, content_type: str) -> None:
    if name == "brief":
        pytest.skip("the brief endpoint takes no body")
    body = json.dumps([account()] if name == "events" else {"account_id": "acc-1", "type": "approve"}).encode()
    before = target.snapshot()
    response = _post(target, name, body, content_type)
    assert response.status_code == 415, response.text[:300]
    assert "Content-Type must be application/json" in response.json()["detail"]
    assert target.snapshot() == before


GIANT = "é" * 300_000  # within the size cap, far beyond any field's length


@pytest.mark.parametrize("name,body,field", [
    ("start_case", {"account_id": GIANT}, "account_id"),
    ("decision", {"type": "respond", "comment": GIANT}, "comment"),
    ("decision", {"type": "approve", "actor": "someone else"}, "actor"),
    ("decision", {"type": "edit", "edited_payload": {"body": "ok"}, "extra": 1}, "extra"),
    ("start_case", {"account_id": ["acc-1"]}, "account_id"),
    ("decision", {"type": "close_case"}, "type"),
])
def test_giant_strings_and_wrong_shapes_get_422_naming_the_field_without_echoing_it(
        target: Target, name: str, body: dict, field: str) -> None:
    before = target.snapshot()
    response = _post(target, name, json.dumps(body, ensure_ascii=False).encode())
    assert response.status_code == 422, response.text[:300]
    detail = response.json()["detail"]
    assert any(field in [str(p) for p in d["loc"]] for d in detail), detail
    assert len(response.content) < 5_000  # the 600 kB input is not echoed back
    assert target.snapshot() == before


def test_edited_payload_must_be_json_safe(target: Target) -> None:
    """Numbers beyond float range parse as Infinity: refused before anything is decided (PostgreSQL JSONB
    would reject the row and SQLite would store non-standard JSON)."""
    before = target.snapshot()
    response = _post(target, "decision", b'{"type": "edit", "edited_payload": {"body": 1e999}}')
    assert response.status_code == 422, response.text
    assert "finite" in response.text
    deep = {"body": "x"}
    for _ in range(40):
        deep = {"nested": deep}
    response = _post(target, "decision", json.dumps({"type": "edit", "edited_payload": deep}).encode())
    assert response.status_code == 422 and "nested deeper" in response.text
    counts, files = target.snapshot()
    assert {k: v for k, v in counts.items() if k != "audit_log"} == {k: v for k, v in before[0].items()
                                                                     if k != "audit_log"}
    assert files == before[1]


def test_events_with_out_of_range_numbers_are_refused(target: Target) -> None:
    envelope = account("e-inf", "acc-inf")
    body = json.dumps([envelope]).replace('"arr": 250000', '"arr": 1e999').encode()
    before = target.snapshot()
    response = _post(target, "events", body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == "payload.arr"
    assert target.snapshot() == before


@pytest.mark.parametrize("path,fields", [
    ("/ui/login", {"api_key": "k", "csrf": "c"}),
    ("/ui/logout", {"csrf": "c"}),
    ("/ui/inbox/{approval}/decide", {"csrf": "c", "decision": "approve"}),
])
def test_form_endpoints_refuse_oversized_and_wrong_bodies(target: Target, path: str, fields: dict) -> None:
    url = path.format(approval=target.approval)
    before = target.snapshot()
    big = target.client.post(url, content=b"api_key=" + b"a" * (DEFAULT_MAX_BODY_BYTES + 1),
                             headers={"content-type": "application/x-www-form-urlencoded"}, follow_redirects=False)
    assert big.status_code == 413
    as_json = target.client.post(url, content=json.dumps(fields).encode(), headers=JSON, follow_redirects=False)
    assert 400 <= as_json.status_code < 500 or as_json.status_code == 303  # 303: pages send anonymous users to login
    nan = target.client.post(url, content=b'{"csrf": NaN}', headers=JSON, follow_redirects=False)
    assert nan.status_code == 400 and "NaN" in nan.json()["detail"]
    assert target.snapshot() == before
