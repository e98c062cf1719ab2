"""Stream an event file to a running server in time order, on an accelerated clock (also the load generator).

Events are sent when the replay clock reaches their `occurred_at` (speed N: N seconds of event time per
wall second), grouped into one POST per tick; `speed=0` sends as fast as the server takes them (load).
Deliveries are signed when a secret is given. Each accepted event's send time is kept, so a caller can
measure event accepted -> assessment recorded.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from api.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

MAX_BATCH = 200


class ReplayError(RuntimeError):
    """The server refused a delivery for good (4xx other than 429), or stayed unreachable."""


@dataclass
class ReplayStats:
    events: int = 0
    requests: int = 0
    retries: int = 0
    latencies_s: list[float] = field(default_factory=list)  # per POST
    sent_at: dict[str, float] = field(default_factory=dict)  # event id -> wall time its POST was accepted

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_s)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def _at(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(event["occurred_at"]).replace("Z", "+00:00"))


def ordered(events: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events in occurred_at order (ties by event id), as the customer produced them."""
    return sorted(events, key=lambda e: (_at(e), str(e.get("event_id", ""))))


class Replayer:
    """POSTs batches of events to `<url>/events`, retrying 429/5xx and connection errors with backoff."""

    def __init__(self, url: str, secret: str | None = None, client: httpx.Client | None = None,
                 max_batch: int = MAX_BATCH, attempts: int = 8):
        self.url = url.rstrip("/") + "/events"
        self.secret = secret
        self.client = client or httpx.Client(timeout=30.0, trust_env=False)
        self.max_batch = max_batch
        self.attempts = attempts

    def post(self, batch: list[dict[str, Any]], stats: ReplayStats) -> None:
        body = json.dumps(batch, ensure_ascii=False).encode()
        for attempt in range(self.attempts):
            headers = {"Content-Type": "application/json"}
            if self.secret:
                stamp = str(int(time.time()))
                headers |= {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: sign(self.secret, stamp, body)}
            started = time.perf_counter()
            try:
                response = self.client.post(self.url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                error: str = str(exc)
            else:
                if response.status_code == 202:
                    done = time.time()
                    stats.latencies_s.append(time.perf_counter() - started)
                    stats.requests += 1
                    stats.events += len(batch)
                    for event in batch:
                        stats.sent_at[str(event["event_id"])] = done
                    return
                if response.status_code != 429 and response.status_code < 500:
                    raise ReplayError(f"server refused a delivery ({response.status_code}): {response.text[:500]}")
                error = f"HTTP {response.status_code}"
            stats.retries += 1
            time.sleep(min(5.0, 0.1 * 2 ** attempt))
        raise ReplayError(f"server unreachable after {self.attempts} attempts: {error}")

    def run(self, events: Sequence[dict[str, Any]], clock: Callable[[], datetime] | None = None,
            on_tick: Callable[[ReplayStats], None] | None = None) -> ReplayStats:
        """Send every event when `clock()` reaches it (no clock: as fast as possible)."""
        stats = ReplayStats()
        queue = ordered(events)
        i = 0
        while i < len(queue):
            if clock is None:
                batch = queue[i : i + self.max_batch]
            else:
                now = clock()
                batch = []
                while i + len(batch) < len(queue) and len(batch) < self.max_batch and _at(queue[i + len(batch)]) <= now:
                    batch.append(queue[i + len(batch)])
                if not batch:
                    if on_tick:
                        on_tick(stats)
                    time.sleep(0.02)
                    continue
            self.post(batch, stats)
            i += len(batch)
            if on_tick:
                on_tick(stats)
        return stats
