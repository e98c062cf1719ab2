"""Outgoing Slack/Teams-style notifications, delivered from the outbox by a background thread.

The workflow queues `notification` rows (a case opened, an approval waiting); a scan here adds one per
case SLA clock entering its warning window. Each is fanned out to one `notify.*` row per configured
URL, so each destination is retried on its own. A sender thread posts `{"text": ...}` to
each row's URL with a short timeout and exponential backoff, and marks it sent exactly once. Only
hosts in `notify_allowed_hosts` are contacted (checked at start-up and again before each post);
redirects are not followed. Messages carry ids, names and scores, never sensitive notes.

With several API workers, one round runs at a time (a named lock: advisory on PostgreSQL), so a row is
posted by one worker only. Each post carries `Idempotency-Key: <outbox key>`: if a worker dies between a
receiver's 200 and marking the row sent, the next round posts it again with the same key, and a
receiver that honours the header applies it once (a webhook cannot be both never lost and never repeated).
"""

from __future__ import annotations

import hashlib
import logging
import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import sqlalchemy as sa

from core.db.locks import NamedLocks
from core.store.cases import open_sla_clocks
from core.store.ledger import count_attempt, enqueue_outbound, mark_sent, read_outbox

log = logging.getLogger("redaccount.notify")

MAX_ATTEMPTS = 8
SLA_WARNING = timedelta(hours=4)
WORKFLOW_KIND = "notification"  # what graph.service queues: {"event": case_opened | approval_waiting, ...}


class NotifyConfigError(ValueError):
    """A notify URL points outside the allowed hosts or is not http(s)."""


def check_url(url: str, allowed_hosts: list[str]) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NotifyConfigError(f"notify URL must be http(s)://host/...: {url!r}")
    if parts.hostname.lower() not in {h.lower() for h in allowed_hosts}:
        raise NotifyConfigError(f"notify URL host {parts.hostname!r} is not in notify_allowed_hosts")
    if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise NotifyConfigError(f"notify URL to a remote host must use https: {url!r}")


def _url_key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:10]


def plan(engine: sa.Engine, urls: list[str], now: datetime) -> int:
    """Queue an SLA warning per case clock entering its warning window; returns how many were new.

    Case-opened and approval-waiting notifications are queued by the workflow (kind `notification`).
    """
    new = 0
    for case_id, sla_due in open_sla_clocks(engine):
        for clock, due in sla_due.items():
            due_at = datetime.fromisoformat(due)
            if now <= due_at <= now + SLA_WARNING:
                text = f"SLA {clock} on case {case_id} breaches at {due_at:%Y-%m-%d %H:%M} UTC: /ui/cases/{case_id}"
                for url in urls:
                    new += enqueue_outbound(engine, f"notify:sla_at_risk:{case_id}:{clock}:{_url_key(url)}",
                                            "notify.sla_at_risk", {"url": url, "text": text}, now, case_id=case_id)
    return new


def message_text(payload: dict[str, Any]) -> str:
    """Slack/Teams text for a workflow notification: ids, action and score only, never notes."""
    event, case_id = payload.get("event", "update"), payload.get("case_id")
    if event == "case_opened":
        return (f"Red case {case_id} opened for account {payload.get('account_id')} "
                f"(score {payload.get('score')}): /ui/cases/{case_id}")
    if event == "approval_waiting":
        who = payload.get("assigned_to") or "its role"
        return (f"Approval waiting for {who}: {payload.get('action')} on case {case_id}: "
                f"/ui/inbox/{payload.get('approval_id')}")
    return f"redaccount: {event} on case {case_id}"


def _fan_out(engine: sa.Engine, row: dict[str, Any], urls: list[str], now: datetime) -> None:
    """One `notify.<event>` row per URL (each retried on its own), then the source row is done."""
    kind = f"notify.{row['payload'].get('event', 'update')}"
    for url in urls:
        enqueue_outbound(engine, f"{row['idem_key']}:{_url_key(url)}", kind,
                         {"url": url, "text": message_text(row["payload"])}, now, case_id=row["escalation_id"])
    mark_sent(engine, row["id"], now)


class Notifier:
    """The background sender. `run_once` is the unit tests drive; `start` loops it on a thread."""

    def __init__(self, engine: sa.Engine, urls: list[str], allowed_hosts: list[str],
                 client: httpx.Client | None = None, interval_s: float = 5.0,
                 on_post: Callable[[bool], None] | None = None):
        for url in urls:
            check_url(url, allowed_hosts)
        self.engine, self.urls, self.allowed_hosts = engine, list(urls), list(allowed_hosts)
        self.client = client or httpx.Client(timeout=5.0, follow_redirects=False, trust_env=False)
        self.interval_s = interval_s
        self._not_before: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.locks = NamedLocks(engine)
        self.on_post = on_post  # metrics hook (the API counts deliveries)

    def run_once(self, now: datetime | None = None) -> dict[str, int]:
        with self.locks.hold("notify:round", wait=False) as got:
            if not got:
                return {"planned": 0, "sent": 0, "failed": 0}
            return self._round(now or datetime.now(UTC))

    def _round(self, now: datetime) -> dict[str, int]:
        counts = {"planned": plan(self.engine, self.urls, now), "sent": 0, "failed": 0}
        for row in read_outbox(self.engine, kind=WORKFLOW_KIND, unsent_only=True):
            _fan_out(self.engine, row, self.urls, now)
        for row in read_outbox(self.engine, unsent_only=True):
            if not row["kind"].startswith("notify.") or row["attempts"] >= MAX_ATTEMPTS:
                continue
            if self._not_before.get(row["id"], 0.0) > time.monotonic():
                continue
            if self._post(row):
                mark_sent(self.engine, row["id"], datetime.now(UTC))
                self._not_before.pop(row["id"], None)
                counts["sent"] += 1
            else:
                attempts = count_attempt(self.engine, row["id"])
                backoff = min(300.0, 2.0 ** attempts) * (0.5 + random.random() / 2)  # noqa: S311 - jitter only
                self._not_before[row["id"]] = time.monotonic() + backoff
                counts["failed"] += 1
        return counts

    def _post(self, row: dict[str, Any]) -> bool:
        url = row["payload"]["url"]
        try:
            check_url(url, self.allowed_hosts)
            response = self.client.post(url, json={"text": row["payload"]["text"]},
                                        headers={"Idempotency-Key": row["idem_key"]})
            ok = 200 <= response.status_code < 300
        except (httpx.HTTPError, NotifyConfigError) as exc:
            log.warning("notification not delivered", extra={"outbox_id": row["id"], "error": str(exc)})
            ok = False
        if self.on_post is not None:
            self.on_post(ok)
        return ok

    def start(self) -> None:
        if self._thread is None and self.urls:
            self._thread = threading.Thread(target=self._loop, name="redaccount-notify", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # noqa: BLE001 - a bad round must not kill the sender
                log.exception("notification round failed")
            self._stop.wait(self.interval_s)
