"""Job engine candidates measured on this machine, in one run: enqueue latency and drain throughput.

Each candidate enqueues N no-op jobs one by one (latency of each call: p50/p95), then one worker with
`threads` workers runs them until the queue is empty (jobs/s). Candidates: huey on its SQLite, PostgreSQL
and Redis storages (one API over the three deployments redaccount has), and procrastinate on PostgreSQL.
The ratio column compares each to huey-SQLite, the embedded default, measured in the same run.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"


@dataclass
class QueueResult:
    name: str
    jobs: int
    enqueue_p50_ms: float
    enqueue_p95_ms: float
    jobs_per_s: float
    error: str | None = None


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def _timed_enqueue(n: int, enqueue: Callable[[int], Any]) -> list[float]:
    latencies = []
    for i in range(n):
        started = time.perf_counter()
        enqueue(i)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def bench_huey(name: str, make: Callable[[], Any], n: int, threads: int) -> QueueResult:
    huey = make()
    huey.flush()
    done = threading.Semaphore(0)

    @huey.task(name="noop")
    def noop(i: int) -> None:
        done.release()

    latencies = _timed_enqueue(n, lambda i: noop(i))
    consumer = huey.create_consumer(workers=threads, worker_type="thread", periodic=False, initial_delay=0.01,
                                    backoff=1.1, max_delay=0.05, check_worker_health=False)
    consumer._set_signal_handlers = lambda: None
    started = time.perf_counter()
    consumer.start()
    for _ in range(n):
        done.acquire(timeout=120)
    elapsed = time.perf_counter() - started
    consumer.stop(graceful=True)
    huey.flush()
    return QueueResult(name, n, round(statistics.median(latencies), 3), round(_percentile(latencies, 0.95), 3),
                       round(n / elapsed, 1))


def _pg_database(name: str) -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}"')
        c.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def _drop_pg(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_procrastinate(n: int, threads: int) -> QueueResult:
    import procrastinate

    db = f"bench_procrastinate_{os.getpid()}"
    dsn = _pg_database(db)
    try:
        app = procrastinate.App(connector=procrastinate.SyncPsycopgConnector(conninfo=dsn))

        @app.task(name="noop")
        def noop(i: int) -> None:
            return None

        with app.open():
            app.schema_manager.apply_schema()
            latencies = _timed_enqueue(n, lambda i: noop.defer(i=i))
        worker_app = app.with_connector(procrastinate.PsycopgConnector(conninfo=dsn))
        started = time.perf_counter()
        worker_app.run_worker(wait=False, concurrency=threads, install_signal_handlers=False)
        elapsed = time.perf_counter() - started
        return QueueResult("procrastinate-postgresql", n, round(statistics.median(latencies), 3),
                           round(_percentile(latencies, 0.95), 3), round(n / elapsed, 1))
    finally:
        _drop_pg(db)


def run_queue_bench(n: int = 2000, threads: int = 2) -> list[QueueResult]:
    from huey import PostgresHuey, RedisHuey, SqliteHuey

    results: list[QueueResult] = []
    tmp = Path(tempfile.mkdtemp(prefix="bench-queue-"))
    pg_db = f"bench_huey_{os.getpid()}"
    candidates: list[tuple[str, Callable[[], QueueResult]]] = [
        ("huey-sqlite", lambda: bench_huey("huey-sqlite", lambda: SqliteHuey(
            "bench", filename=str(tmp / "q.sqlite"), results=False), n, threads)),
        ("huey-postgresql", lambda: bench_huey("huey-postgresql", lambda: PostgresHuey(
            "bench", dsn=_pg_database(pg_db), results=False), n, threads)),
        ("huey-redis", lambda: bench_huey("huey-redis", lambda: RedisHuey(
            f"bench-{os.getpid()}", url=REDIS_URL, results=False), n, threads)),
        ("procrastinate-postgresql", lambda: bench_procrastinate(n, threads)),
    ]
    for name, run in candidates:
        try:
            results.append(run())
        except Exception as exc:  # noqa: BLE001 - a candidate that cannot run is reported, not fatal
            results.append(QueueResult(name, n, 0.0, 0.0, 0.0, f"{type(exc).__name__}: {exc}"))
    try:
        _drop_pg(pg_db)
    except Exception:  # noqa: BLE001
        pass
    return results


def lines(results: list[QueueResult]) -> list[str]:
    base = next((r for r in results if r.name == "huey-sqlite" and not r.error), None)
    out = [f"{'candidate':26} {'enqueue p50 ms':>15} {'p95 ms':>8} {'jobs/s':>8} {'x huey-sqlite':>14}"]
    for r in results:
        if r.error:
            out.append(f"{r.name:26} error: {r.error}")
            continue
        ratio = f"{r.jobs_per_s / base.jobs_per_s:.2f}" if base else "-"
        out.append(f"{r.name:26} {r.enqueue_p50_ms:>15.3f} {r.enqueue_p95_ms:>8.3f} {r.jobs_per_s:>8.1f} {ratio:>14}")
    return out


if __name__ == "__main__":
    import sys

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    print("\n".join(lines(run_queue_bench(count))))
