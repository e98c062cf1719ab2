"""POST /webhooks/zendesk: Zendesk's documented signature, freshness, replays, dedupe and ingest."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from connectors.zendesk_signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, zendesk_signature
from core.db import table_counts
from core.settings import Settings

SECRET = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="  # Zendesk's documented test signing secret
EVENT = {"type": "zen:event-type:ticket.status_changed", "account_id": 88888888, "id": "01HNXXXX-CTEXAMPLE",
         "time": "2026-10-01T09:00:00Z", "zendesk_event_version": "2022-11-06", "subject": "zen:ticket:35436",
         "detail": {"id": "35436", "status": "OPEN", "priority": "HIGH", "subject": "SSO login fails",
                    "organization_id": "360001234567", "requester_id": "8589934601", "assignee_id": "361002468024",
                    "created_at": "2026-10-01T07:55:00Z", "updated_at": "2026-10-01T09:00:00Z",
                    "via": {"channel": "web"}},
         "event": {"current": "OPEN", "previous": "NEW"}}


def _b64_hmac(secret: str, message: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()).decode()


def test_documented_order_against_zendesks_published_example() -> None:
    # The example published on developer.zendesk.com (webhooks/verifying, earlier revision of the page):
    secret, body, timestamp = "HRkRd4BeOAoUkfZr-mhauJT64rvBASlJRoIyPsd3zeA=", '{"say": "hello"}', "2021-07-25T10:00:00Z"
    published = "tRDSF7URY8BLCDlaBcQ7FHu051Zk+aAB0NKMP53teMw="
    # Its signature is reproduced only by BODY + TIMESTAMP, which is the formula that revision printed ...
    assert _b64_hmac(secret, body + timestamp) == published
    # ... while the current page documents TIMESTAMP + BODY, which is what we verify (see docs/connectors.md).
    assert _b64_hmac(secret, timestamp + body) != published
    assert zendesk_signature(secret, timestamp, body.encode()) == _b64_hmac(secret, timestamp + body)


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    settings = Settings(data_dir=tmp_path / "data", llm_enabled=False, zendesk_webhook_secret=SECRET)
    return TestClient(create_app(settings))


def _post(client: TestClient, body: bytes, timestamp: str | None = None, secret: str = SECRET,
          signature: str | None = None):  # type: ignore[no-untyped-def]
    timestamp = timestamp or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    signature = signature or zendesk_signature(secret, timestamp, body)
    return client.post("/webhooks/zendesk", content=body,
                       headers={TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature,
                                "Content-Type": "application/json"})


def test_ticket_event_is_ingested_and_deduped(client: TestClient) -> None:
    body = json.dumps(EVENT).encode()
    first = _post(client, body)
    assert first.status_code == 200, first.text
    assert first.json()["created"] == 2  # the ticket snapshot and its (placeholder) account
    engine = client.app.state.engine  # type: ignore[attr-defined]
    assert table_counts(engine)["tickets"] == 1
    later = (datetime.now(UTC) + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    again = _post(client, body, timestamp=later)  # a fresh delivery of the same state: nothing new
    assert again.status_code == 200 and again.json() == {"created": 0, "updated": 0, "skipped": 2}
    assert table_counts(engine)["events"] == 2


def test_comment_added_becomes_a_message(client: TestClient) -> None:
    event = EVENT | {"type": "zen:event-type:ticket.comment_added",
                     "event": {"comment": {"id": "9000000000009", "body": "Still broken!", "is_public": True,
                                           "author": {"id": "8589934601", "is_staff": False, "name": "Priya"}}}}
    assert _post(client, json.dumps(event).encode()).status_code == 200
    assert table_counts(client.app.state.engine)["messages"] == 1  # type: ignore[attr-defined]


def test_replayed_delivery_is_refused(client: TestClient) -> None:
    body = json.dumps(EVENT).encode()
    timestamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _post(client, body, timestamp=timestamp).status_code == 200
    assert _post(client, body, timestamp=timestamp).status_code == 409


@pytest.mark.parametrize("case", ["wrong-secret", "tampered", "stale", "missing", "body+timestamp order"])
def test_bad_deliveries_get_401(client: TestClient, case: str) -> None:
    body = json.dumps(EVENT).encode()
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if case == "wrong-secret":
        response = _post(client, body, secret="another-secret-0123456789")
    elif case == "tampered":
        response = _post(client, body, signature=zendesk_signature(SECRET, now, body + b" "), timestamp=now)
    elif case == "stale":
        response = _post(client, body, timestamp=(datetime.now(UTC) - timedelta(hours=2)).isoformat())
    elif case == "missing":
        response = client.post("/webhooks/zendesk", content=body)
    else:
        response = _post(client, body, timestamp=now, signature=_b64_hmac(SECRET, body.decode() + now))
    assert response.status_code == 401
    assert table_counts(client.app.state.engine)["events"] == 0  # type: ignore[attr-defined]


def test_unmappable_body_is_422_and_writes_nothing(client: TestClient) -> None:
    event = json.loads(json.dumps(EVENT))
    event["detail"]["status"] = "ARCHIVED"
    response = _post(client, json.dumps(event).encode())
    assert response.status_code == 422 and "unknown Zendesk status" in response.text


def test_no_secret_configured_is_503(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path / "d", llm_enabled=False))
    assert TestClient(app).post("/webhooks/zendesk", content=b"{}").status_code == 503
