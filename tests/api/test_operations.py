"""Operations: /metrics, request ids, JSON logs, KPIs."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.logging import JsonFormatter
from core.db import schema as t
from core.kpis import compute_kpis, phase_durations
from core.models import MeasurementEvent, MeasurementKind, Outcome, Role, TimelineEntry
from core.store.cases import append_timeline, close_escalation, open_escalation
from core.store.ledger import record_measurement
from tests.api.conftest import World, auth


def test_metrics_expose_latency_ingest_phases_and_waiting(client: TestClient) -> None:
    World(client.app.state.engine)
    client.get("/healthz")
    client.post("/events", json=[])
    client.app.state.ingest_worker.drain()
    body = client.get("/metrics").text
    for name in ("redaccount_http_request_duration_seconds_bucket", "redaccount_events_ingested_total",
                 'redaccount_cases{phase="detect"} 2.0', 'redaccount_approvals_waiting{role="support_t2"} 1.0',
                 "redaccount_event_deliveries_total"):
        assert name in body, name
    assert 'route="/healthz"' in body


def test_request_id_is_echoed_or_made(client: TestClient) -> None:
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id\n"}).headers["x-request-id"]
    assert made != "bad id\n" and len(made) == 32


def test_json_log_lines() -> None:
    record = logging.LogRecord("redaccount.x", logging.INFO, __file__, 1, "hello %s", ("there",), None)
    record.route = "/x"
    line = json.loads(JsonFormatter().format(record))
    assert line["msg"] == "hello there" and line["route"] == "/x" and line["level"] == "info"


def test_kpis_from_cases_timeline_and_measurements(client: TestClient) -> None:
    engine = client.app.state.engine
    now = datetime.now(UTC)
    opened = now - timedelta(days=3)
    saved, _ = open_escalation(engine, "acc-1", opened)
    append_timeline(engine, TimelineEntry(escalation_id=saved.id, at=opened + timedelta(hours=2), kind="phase_changed",
                                          actor="system:graph", payload={"from": "detect", "to": "triage"}))
    close_escalation(engine, saved.id, opened + timedelta(hours=10), Outcome.saved, "fixed")
    fp, _ = open_escalation(engine, "acc-2", opened)
    close_escalation(engine, fp.id, opened + timedelta(hours=1), Outcome.false_positive, "not red")
    record_measurement(engine, MeasurementEvent(kind=MeasurementKind.fcr, account_id="acc-1", at=now))
    record_measurement(engine, MeasurementEvent(kind=MeasurementKind.reopened, account_id="acc-2", at=now))
    with engine.begin() as c:
        c.execute(t.sla_events.insert().values(id="s1", ticket_id="t1", account_id="acc-1", metric="resolution",
                                               status="breached", due_at=now, occurred_at=now, event_id="e-s1"))
    k = compute_kpis(engine)
    assert k.cases_opened == 2 and k.saves == 1 and k.mttr_hours == 10.0
    assert k.false_positive_rate == 0.5 and k.fcr_rate == 0.5 and k.sla_breaches == 1
    assert k.time_in_phase_hours["detect"] == 1.5 and k.time_in_phase_hours["triage"] == 8.0
    response = client.get("/kpis", headers=auth(Role.manager))
    assert response.status_code == 200 and response.json()["saves"] == 1
    assert sa.inspect(engine)  # the report is read-only


def test_phase_durations_ignore_time_after_closing() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    spent = phase_durations(t0, [(t0 + timedelta(hours=1), "triage"), (t0 + timedelta(hours=3), "closed")],
                            t0 + timedelta(days=9))
    assert spent == {"detect": 3600.0, "triage": 7200.0}
