"""Prometheus /metrics: request latency, events ingested, cases by phase, approvals waiting, decisions that
failed to apply.

Counters and the latency histogram live in this process. With several worker processes, set
PROMETHEUS_MULTIPROC_DIR (read by prometheus_client itself) to an empty directory before start-up and
/metrics aggregates all workers. Cases by phase, approvals waiting and decision failures are read from the
database at scrape time, so they are correct whatever the process count.
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from core.db import schema as t
from core.store.approvals import failure_counts

router = APIRouter(tags=["operations"])

REQUEST_LATENCY = Histogram(
    "redaccount_http_request_duration_seconds", "HTTP request latency by route template.",
    ["method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
EVENTS_INGESTED = Counter("redaccount_events_ingested_total", "Events written by the ingest worker.", ["result"])
DELIVERIES = Counter("redaccount_event_deliveries_total", "POST /events deliveries by outcome.", ["outcome"])
NOTIFICATIONS = Counter("redaccount_notifications_total", "Outgoing notifications by outcome.", ["outcome"])


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    REQUEST_LATENCY.labels(method, route, str(status // 100) + "xx").observe(seconds)


class StoreCollector:
    """Gauges computed from the database at scrape time."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def collect(self):  # type: ignore[no-untyped-def]
        phases = GaugeMetricFamily("redaccount_cases", "Open cases by phase.", labels=["phase"])
        waiting = GaugeMetricFamily("redaccount_approvals_waiting", "Pending approvals by assigned role.",
                                    labels=["role"])
        oldest = GaugeMetricFamily("redaccount_approval_oldest_created_timestamp",
                                   "Creation time of the oldest pending approval (Unix seconds).")
        e, a = t.escalations, t.approvals
        with self.engine.connect() as c:
            for phase, count in c.execute(sa.select(e.c.phase, sa.func.count()).where(e.c.closed_at.is_(None))
                                          .group_by(e.c.phase)):
                phases.add_metric([phase], count)
            for role, count in c.execute(sa.select(a.c.assigned_role, sa.func.count())
                                         .where(a.c.status == "pending").group_by(a.c.assigned_role)):
                waiting.add_metric([role], count)
            first = c.execute(sa.select(sa.func.min(a.c.created_at)).where(a.c.status == "pending")).scalar()
        if first is not None:
            oldest.add_metric([], first.timestamp())
        failed_now, failed_ever = failure_counts(self.engine)
        failed = GaugeMetricFamily("redaccount_approvals_failed",
                                   "Approvals whose decision could not be applied, waiting to be decided again.")
        failed.add_metric([], failed_now)
        failures = CounterMetricFamily("redaccount_decision_failures",
                                       "Decisions the workflow could not apply, since the database was created.")
        failures.add_metric([], failed_ever)
        yield from (phases, waiting, oldest, failed, failures)


def store_registry(engine: sa.Engine) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(engine))
    return registry


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        process_registry = CollectorRegistry()
        MultiProcessCollector(process_registry)
    else:
        process_registry = REGISTRY
    body = generate_latest(process_registry) + generate_latest(request.app.state.metrics_registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
