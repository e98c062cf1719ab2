"""The live loop under load on PostgreSQL: real `redaccount serve` and `redaccount worker` processes.

Runs, each on a fresh database, the committed sample replayed through signed `POST /events`:

- `off`: detection off (ingest only), sent as fast as the server takes it: events/s until every event is stored;
- `on-1` / `on-2`: live detection with 1 or 2 worker processes, as fast as possible: events/s until every
  event is folded and its assessment recorded (ratios: on-1 / off, on-2 / on-1);
- `paced-2`: 2 workers, the sample replayed at `rate` events/s on an accelerated clock shared by the
  server, the workers and the replayer: event accepted -> assessment recorded (p50/p95), and the event
  that opened a case -> its first approval waiting (p50/p95).

An event counts as assessed when its `detection_pending` mark is gone (the mark is deleted in the
transaction that folds the event and records the assessment); the monitor polls every 50 ms.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

PG_ADMIN = os.environ.get("REDACCOUNT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = "redis://127.0.0.1:6379/11"


@dataclass
class RunResult:
    name: str
    events: int
    seconds: float
    events_per_s: float
    assessed_p50_s: float | None = None
    assessed_p95_s: float | None = None
    case_p50_s: float | None = None
    case_p95_s: float | None = None
    cases: int = 0
    notes: dict[str, Any] = field(default_factory=dict)


def _pct(values: list[float], q: float) -> float | None:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3) if ordered else None


def _database() -> tuple[str, sa.Engine]:
    name = f"redaccount_live_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", admin


def _drop(url: str, admin: sa.Engine) -> None:
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def _flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS).flushdb()


class Monitor(threading.Thread):
    """Polls which accepted events are stored and no longer marked for detection."""

    def __init__(self, url: str, sent_at: dict[str, float], detection: bool):
        super().__init__(daemon=True)
        self.engine = sa.create_engine(url)
        self.sent_at, self.detection = sent_at, detection
        self.done: dict[str, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            outstanding = [e for e in list(self.sent_at) if e not in self.done]
            if outstanding:
                now = time.time()
                with self.engine.connect() as c:
                    stored = set()
                    for i in range(0, len(outstanding), 2000):
                        part = outstanding[i : i + 2000]
                        stored |= set(c.scalars(sa.text("SELECT event_id FROM events WHERE event_id = ANY(:ids)"),
                                                {"ids": part}))
                    pending = set(c.scalars(sa.text("SELECT event_id FROM detection_pending"))) if self.detection \
                        else set()
                for event_id in stored - pending:
                    self.done[event_id] = now
            time.sleep(0.05)
        self.engine.dispose()


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([str(Path(sys.executable).parent / "redaccount"), *args], env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_up(url: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/readyz", timeout=2, trust_env=False).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"server did not start within {timeout:.0f} s ({url})")


def run_once(name: str, events: list[dict[str, Any]], *, detection: bool, workers: int, rate: float | None,
             tmp: Path) -> RunResult:
    from api.replay import Replayer
    from product.clock import Clock

    url, admin = _database()
    _flush_redis()
    secret = secrets.token_urlsafe(24)
    first = datetime.fromisoformat(events[0]["occurred_at"].replace("Z", "+00:00"))
    last = datetime.fromisoformat(events[-1]["occurred_at"].replace("Z", "+00:00"))
    # Processes start meanwhile (slow on a loaded machine); every clock reads `origin` at this moment.
    wall_start = time.time() + (150 if rate else 5)
    speed = (last - first).total_seconds() / (len(events) / rate) if rate else 1.0
    origin = first if rate else last + timedelta(hours=1)
    port = _free_port()
    env = dict(os.environ, REDACCOUNT_DATABASE_URL=url, REDACCOUNT_DATA_DIR=str(tmp / name),
               REDACCOUNT_WEBHOOK_SECRET=secret, REDACCOUNT_LLM_ENABLED="false", REDACCOUNT_JOBS_URL=REDIS,
               REDACCOUNT_JOBS_IN_API="false", REDACCOUNT_DETECTION_LIVE=str(detection).lower(),
               REDACCOUNT_CLOCK_START=origin.isoformat(), REDACCOUNT_CLOCK_WALL_START=str(wall_start),
               REDACCOUNT_CLOCK_SPEED=str(speed))
    log = tmp / f"{name}.log"
    procs = [_spawn(["serve", "--port", str(port)], env, log)]
    procs += [_spawn(["worker", "--threads", "2"], env, log) for _ in range(workers if detection else 0)]
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_up(base)
        time.sleep(max(0.0, wall_start - time.time()))
        clock = Clock(origin, speed)
        clock._wall_start = wall_start
        replayer = Replayer(base, secret, max_batch=50 if rate else 200)
        monitor = Monitor(url, {}, detection)
        started = time.time()

        def tick(stats: Any) -> None:
            monitor.sent_at = stats.sent_at

        monitor.start()
        stats = replayer.run(events, clock if rate else None, on_tick=tick)
        monitor.sent_at = stats.sent_at
        deadline = time.time() + 300
        while len(monitor.done) < len(stats.sent_at) and time.time() < deadline:
            time.sleep(0.1)
        monitor.stop.set()
        monitor.join()
        finished = max(monitor.done.values()) if monitor.done else time.time()
        latencies = [monitor.done[e] - t for e, t in stats.sent_at.items() if e in monitor.done]
        result = RunResult(name, len(monitor.done), round(finished - started, 2),
                           round(len(monitor.done) / (finished - started), 1))
        if detection:
            result.assessed_p50_s, result.assessed_p95_s = _pct(latencies, 0.5), _pct(latencies, 0.95)
            result.cases, case_latencies = _case_latencies(url, events, stats.sent_at, clock)
            result.case_p50_s, result.case_p95_s = _pct(case_latencies, 0.5), _pct(case_latencies, 0.95)
        result.notes = {"speed": round(speed, 1), "post_p95_ms": round(stats.percentile(0.95) * 1000, 1),
                        "requests": stats.requests, "workers": workers, "lost": len(stats.sent_at) - len(monitor.done)}
        return result
    finally:
        for proc in procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        _drop(url, admin)


def _case_latencies(url: str, events: list[dict[str, Any]], sent_at: dict[str, float],
                    clock: Any) -> tuple[int, list[float]]:
    """For each case: its first approval's creation (stamped on the replay clock, converted to wall time)
    minus when the newest event of its account accepted before then was accepted (the event that tipped it)."""
    from core.events import EVENT_ADAPTER, account_of

    by_account: dict[str, list[tuple[float, str]]] = {}
    for e in events:
        if e["event_id"] in sent_at:
            by_account.setdefault(account_of(EVENT_ADAPTER.validate_python(e)), []).append(
                (sent_at[e["event_id"]], e["event_id"]))
    engine = sa.create_engine(url)
    with engine.connect() as c:
        rows = c.execute(sa.text(
            "SELECT e.account_id, min(a.created_at) AS waiting, e.opened_at FROM escalations e "
            "JOIN approvals a ON a.escalation_id = e.id GROUP BY e.account_id, e.opened_at")).all()
        opened_wall = {r.account_id: r for r in rows}
    engine.dispose()
    out = []
    for account_id, row in opened_wall.items():
        waiting = clock.to_wall(row.waiting).timestamp()
        before = [t for t, _ in by_account.get(account_id, []) if t <= waiting]
        if before:
            out.append(waiting - max(before))
    return len(opened_wall), out


def run_live_bench(rate: float = 200.0, limit: int | None = None, only: tuple[str, ...] = ()) -> list[RunResult]:
    from api.replay import ordered
    from core.sample import read_events

    events = ordered([e.model_dump(mode="json") for e in read_events()])[:limit]
    tmp = Path(tempfile.mkdtemp(prefix="bench-live-"))
    runs = [("off", False, 0, None), ("on-1", True, 1, None), ("on-2", True, 2, None), ("paced-2", True, 2, rate)]
    return [run_once(name, events, detection=d, workers=w, rate=r, tmp=tmp) for name, d, w, r in runs
            if not only or name in only]


if __name__ == "__main__":
    results = run_live_bench(float(sys.argv[1]) if len(sys.argv) > 1 else 200.0,
                             int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2] != "all" else None,
                             tuple(sys.argv[3].split(",")) if len(sys.argv) > 3 else ())
    print(json.dumps([r.__dict__ for r in results], indent=1, default=str))
