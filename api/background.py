"""Durable background ingest for POST /events: store first, acknowledge, then apply.

A delivery is acknowledged (202) only after its raw body is committed to the `event_deliveries` table,
in the same transaction that records its webhook signature (so a replay is refused by whichever worker
receives it). Worker threads, one per API process, claim pending deliveries (`FOR UPDATE SKIP LOCKED`
on PostgreSQL, so two processes never apply the same one at once), apply them with the idempotent
ingest (event-id dedupe) and delete each row only after its events committed: a crash at any point
loses nothing, and whichever worker polls next applies what is left; re-applying is a no-op. Deliveries
the store refuses stay in the table as `failed` with the reason (kept, never dropped).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from core.db import schema as t
from core.ingest import IngestError, IngestSummary, ingest_objects
from core.store.dialect import insert_or_ignore

log = logging.getLogger("redaccount.ingest")

BATCH_MAX = 64
POLL_S = 0.5


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:  # JSON in UTF-16/32 is valid too; store it re-encoded
        return json.dumps(json.loads(body))


# Built once (bound parameters): every delivery runs them.
_EXPIRED_SIGNATURE = t.webhook_signatures.delete().where(t.webhook_signatures.c.signature == sa.bindparam("signature"),
                                                         t.webhook_signatures.c.expires_at <= sa.bindparam("now"))
_NEW_DELIVERY = t.event_deliveries.insert()
_CLAIM = (sa.select(t.event_deliveries.c.id, t.event_deliveries.c.body).where(t.event_deliveries.c.status == "pending")
          .order_by(t.event_deliveries.c.id).limit(BATCH_MAX).with_for_update(skip_locked=True))
_APPLIED = t.event_deliveries.delete().where(t.event_deliveries.c.id.in_(sa.bindparam("ids", expanding=True)))


class EventSpool:
    """Raw deliveries in the database: pending (accepted, not yet applied) and failed (refused)."""

    def __init__(self, engine: sa.Engine, replay_window_s: int = 300):
        self.engine = engine
        self.replay_window_s = replay_window_s

    def put(self, body: bytes, signature: str | None = None) -> str | None:
        """Store the body durably and return its delivery id; None when the signature was seen already."""
        delivery_id = f"{time.time_ns():020d}-{uuid.uuid4().hex[:12]}"
        now = datetime.now(UTC)
        with self.engine.begin() as c:
            if signature is not None:
                sigs = t.webhook_signatures
                c.execute(_EXPIRED_SIGNATURE, {"signature": signature, "now": now})
                fresh = c.execute(insert_or_ignore(c, sigs, "signature").returning(sigs.c.signature), {
                    "signature": signature, "expires_at": now + timedelta(seconds=2 * self.replay_window_s)})
                if fresh.first() is None:  # the conflict left the row alone: seen inside the window
                    return None
            c.execute(_NEW_DELIVERY, {"id": delivery_id, "received_at": now, "body": _text(body), "status": "pending"})
        return delivery_id

    def backlog(self) -> list[str]:
        """Pending delivery ids, oldest first (ids sort by arrival time)."""
        with self.engine.connect() as c:
            return list(c.scalars(sa.select(t.event_deliveries.c.id)
                                  .where(t.event_deliveries.c.status == "pending").order_by(t.event_deliveries.c.id)))

    def failed(self) -> dict[str, str]:
        """Refused deliveries and why."""
        with self.engine.connect() as c:
            rows = c.execute(sa.select(t.event_deliveries.c.id, t.event_deliveries.c.reason)
                             .where(t.event_deliveries.c.status == "failed")).all()
        return {r.id: r.reason or "" for r in rows}

    def purge_signatures(self, now: datetime | None = None) -> int:
        with self.engine.begin() as c:
            return c.execute(t.webhook_signatures.delete().where(
                t.webhook_signatures.c.expires_at <= (now or datetime.now(UTC)))).rowcount


class IngestWorker:
    """One thread per process applying pending deliveries in arrival order, several per transaction."""

    def __init__(self, engine: sa.Engine, spool: EventSpool,
                 on_ingested: Callable[[IngestSummary], None] | None = None, poll_s: float = POLL_S):
        self.engine = engine
        self.spool = spool
        self.on_ingested = on_ingested
        self.poll_s = poll_s
        self._wake: queue.Queue[bool] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._last_purge = 0.0

    def start(self) -> None:
        """Start once; the first poll picks up whatever an earlier process accepted but did not apply."""
        with self._lock:
            if self._thread is not None:
                return
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="redaccount-ingest", daemon=True)
            self._thread.start()

    def submit(self, delivery_id: str) -> None:
        """A delivery was stored: poll now rather than at the next interval."""
        self.start()
        self._wake.put(True)

    def stop(self, timeout: float = 10.0) -> None:
        if self._thread is not None:
            self._stopping.set()
            self._wake.put(False)
            self._thread.join(timeout)
            self._thread = None

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until no delivery is pending (tests, shutdown); applies them here if no thread runs."""
        deadline = time.monotonic() + timeout
        while self.spool.backlog():
            if time.monotonic() > deadline:
                return False
            if self._thread is None:
                self.run_once()
            else:
                self._wake.put(True)
                time.sleep(0.02)
        return True

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                while self.run_once():
                    pass
            except Exception:  # noqa: BLE001 - keep the worker alive; deliveries stay pending for the next poll
                log.exception("ingest worker failed; deliveries stay pending")
                time.sleep(1.0)
            try:
                self._wake.get(timeout=self.poll_s)
            except queue.Empty:
                pass

    def run_once(self) -> int:
        """Claim and apply up to BATCH_MAX pending deliveries; returns how many were claimed."""
        with self.engine.connect() as claim:
            with claim.begin():
                rows = claim.execute(_CLAIM).all()
                if rows:
                    self._apply(claim, [(r.id, r.body) for r in rows])
        if time.monotonic() - self._last_purge > 60:
            self._last_purge = time.monotonic()
            self.spool.purge_signatures()
        return len(rows)

    def _apply(self, claim: sa.Connection, loaded: list[tuple[str, str]]) -> None:
        # The claim transaction holds the rows; events are written in their own transaction first, so a
        # crash between the two re-applies them later (a no-op) rather than losing them.
        parsed = [(d, json.loads(body)) for d, body in loaded]
        try:
            summaries = [ingest_objects(self.engine, [o for _, objs in parsed for o in objs], source="webhook")]
            applied = [d for d, _ in parsed]
        except IngestError:
            # One delivery spoils a merged batch (e.g. the same event id with different content across
            # deliveries): apply them one by one so only the bad one is set aside.
            summaries, applied = [], []
            for delivery_id, objs in parsed:
                try:
                    summaries.append(ingest_objects(self.engine, objs, source="webhook"))
                    applied.append(delivery_id)
                except IngestError as exc:
                    log.error("delivery refused by the store", extra={"delivery": delivery_id, "error": str(exc)})
                    claim.execute(t.event_deliveries.update().where(t.event_deliveries.c.id == delivery_id)
                                  .values(status="failed", reason=str(exc)))
        if applied:
            claim.execute(_APPLIED, {"ids": applied})
        for summary in summaries:
            if self.on_ingested:
                self.on_ingested(summary)
