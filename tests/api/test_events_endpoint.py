"""POST /events: validation, background ingest, idempotency and signatures over HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from core.db import table_counts
from core.settings import Settings
from tests.utils.events import account, message, ticket

SECRET = "s3cret-for-tests-only-0123456789"


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def drained(client: TestClient) -> dict[str, int]:
    assert client.app.state.ingest_worker.drain(timeout=10)
    return table_counts(client.app.state.engine)


def test_post_events_is_acknowledged_then_applied_once(client: TestClient) -> None:
    batch = [account(), ticket("e-t"), message("e-m", "m-1", "Hello, any news on the export?")]
    first = client.post("/events", json=batch)
    second = client.post("/events", json=batch)
    assert first.status_code == 202 and first.json()["received"] == 3 and first.json()["delivery_id"]
    assert second.status_code == 202
    counts = drained(client)
    assert counts["events"] == 3 and counts["messages"] == 1
    assert client.app.state.spool.backlog() == []


def test_bad_item_rejects_batch_with_index_and_field(client: TestClient) -> None:
    response = client.post("/events", json=[account(), ticket("e-t", priority="urgent")])
    assert response.status_code == 422
    assert response.json()["detail"][0]["index"] == 1
    assert response.json()["detail"][0]["field"] == "payload.priority"
    assert sum(drained(client).values()) == 0
    assert client.app.state.spool.backlog() == []


def test_body_must_be_an_array(client: TestClient) -> None:
    assert client.post("/events", json=account()).status_code == 422
    assert client.post("/events", content=b"{oops", headers={"content-type": "application/json"}).status_code == 400


def test_unsigned_ingest_is_refused_unless_configured(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path / "d", llm_enabled=False))
    response = TestClient(app).post("/events", json=[account()])
    assert response.status_code == 503 and "REDACCOUNT_WEBHOOK_SECRET" in response.json()["detail"]


def test_accepted_delivery_survives_a_crash_before_processing(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "d", llm_enabled=False, allow_unsigned_events=True)
    app = create_app(settings)
    app.state.ingest_worker.submit = lambda delivery_id: None  # the process dies right after the 202
    assert TestClient(app).post("/events", json=[account()]).status_code == 202
    assert table_counts(app.state.engine)["events"] == 0 and len(app.state.spool.backlog()) == 1
    with TestClient(create_app(settings)) as restarted:  # the next start applies the spool
        assert drained(restarted)["accounts"] == 1
        assert restarted.app.state.spool.backlog() == []


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
    assert client.get("/healthz").headers["x-request-id"]


def signed(body: bytes, ts: int | None = None, secret: str = SECRET) -> dict[str, str]:
    stamp = str(int(time.time()) if ts is None else ts)
    return {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: sign(secret, stamp, body), "content-type": "application/json"}


@pytest.fixture
def signed_client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(data_dir=tmp_path / "d", webhook_secret=SECRET))) as test_client:
        yield test_client


def test_signed_delivery_accepted(signed_client: TestClient) -> None:
    body = json.dumps([account()]).encode()
    assert signed_client.post("/events", content=body, headers=signed(body)).status_code == 202
    assert drained(signed_client)["accounts"] == 1


def test_tampered_body_refused(signed_client: TestClient) -> None:
    body = json.dumps([account()]).encode()
    headers = signed(body)
    tampered = body.replace(b"Northwind", b"Southwind")
    assert signed_client.post("/events", content=tampered, headers=headers).status_code == 401
    assert signed_client.post("/events", content=body, headers=signed(body, secret="another-secret-0123456789")
                              ).status_code == 401
    assert sum(drained(signed_client).values()) == 0


@pytest.mark.parametrize("offset", [-3600, -301, 301, 3600])
def test_stale_or_future_timestamp_refused(signed_client: TestClient, offset: int) -> None:
    body = json.dumps([account()]).encode()
    response = signed_client.post("/events", content=body, headers=signed(body, int(time.time()) + offset))
    assert response.status_code == 401 and "window" in response.json()["detail"]


@pytest.mark.parametrize("drop", [TIMESTAMP_HEADER, SIGNATURE_HEADER])
def test_missing_signature_headers_refused(signed_client: TestClient, drop: str) -> None:
    body = json.dumps([account()]).encode()
    headers = {k: v for k, v in signed(body).items() if k != drop}
    assert signed_client.post("/events", content=body, headers=headers).status_code == 401


def test_replayed_delivery_is_deduplicated_not_stored_twice(signed_client: TestClient) -> None:
    body = json.dumps([account(), ticket("e-t")]).encode()
    headers = signed(body)
    first = signed_client.post("/events", content=body, headers=headers)
    replay = signed_client.post("/events", content=body, headers=headers)
    assert first.status_code == 202 and first.json()["duplicate_delivery"] is False
    assert replay.status_code == 202 and replay.json() == {"delivery_id": None, "received": 2,
                                                           "duplicate_delivery": True}
    assert drained(signed_client)["events"] == 2


def test_duplicate_events_in_a_new_delivery_change_nothing(signed_client: TestClient) -> None:
    body = json.dumps([account(), ticket("e-t")]).encode()
    assert signed_client.post("/events", content=body, headers=signed(body)).status_code == 202
    drained(signed_client)
    again = json.dumps([ticket("e-t"), account()]).encode()  # same events, new signature (a resend)
    assert signed_client.post("/events", content=again, headers=signed(again, int(time.time()) - 1)).status_code == 202
    counts = drained(signed_client)
    assert counts["events"] == 2 and counts["ticket_snapshots"] == 1


def test_same_id_different_content_in_one_delivery_refused(signed_client: TestClient) -> None:
    body = json.dumps([account(), account(name="Other name")]).encode()
    response = signed_client.post("/events", content=body, headers=signed(body))
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "event_id"


def test_out_of_order_deliveries_keep_the_newest_state(signed_client: TestClient) -> None:
    from datetime import timedelta

    from tests.utils.events import T0
    newer = json.dumps([ticket("e-t2", at=T0 + timedelta(hours=2), status="solved")]).encode()
    older = json.dumps([ticket("e-t1", at=T0, status="open")]).encode()
    assert signed_client.post("/events", content=newer, headers=signed(newer)).status_code == 202
    assert signed_client.post("/events", content=older, headers=signed(older)).status_code == 202
    counts = drained(signed_client)
    assert counts["ticket_snapshots"] == 2
    import sqlalchemy as sa

    from core.db import schema as t
    with signed_client.app.state.engine.connect() as c:
        assert c.execute(sa.select(t.tickets.c.status)).scalar() == "solved"


def test_a_known_event_id_with_new_content_changes_nothing(signed_client: TestClient) -> None:
    # Event ids are the identity: a later delivery reusing one is a duplicate, whatever it carries.
    first = json.dumps([account()]).encode()
    second = json.dumps([account(name="Changed")]).encode()
    worker = signed_client.app.state.ingest_worker
    assert signed_client.post("/events", content=first, headers=signed(first)).status_code == 202
    assert signed_client.post("/events", content=second, headers=signed(second, int(time.time()) - 2)
                              ).status_code == 202
    assert worker.drain(10)
    counts = table_counts(signed_client.app.state.engine)
    assert counts["events"] == 1 and signed_client.app.state.spool.backlog() == []
    with signed_client.app.state.engine.connect() as c:
        import sqlalchemy as sa

        from core.db import schema as t
        assert c.execute(sa.select(t.accounts.c.name)).scalar() == "Northwind Logistics"
