"""HTTP ingest benchmark: POST /events on redaccount vs. a bare FastAPI echo app, same run, same client.

Both servers run as uvicorn subprocesses (one worker each) on loopback; the load generator is a small
keep-alive HTTP/1.1 client on asyncio streams (64 connections by default) so the client is not the
bottleneck. Every redaccount request is a signed delivery of fresh events, and the run waits until
every accepted event is in the store (nothing accepted may be lost).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response

from evals.loadstats import free_port, summarise

SECRET = "bench-secret-0123456789abcdef"


def echo_app() -> FastAPI:
    """The baseline: read the body, answer 202 with its length."""
    app = FastAPI()

    @app.post("/events", status_code=202)
    async def events(request: Request) -> Response:
        body = await request.body()
        return Response(json.dumps({"received": len(body)}), status_code=202, media_type="application/json")

    return app


def _start(target: str, port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "uvicorn", target, "--factory", "--host", "127.0.0.1", "--port", str(port),
           "--log-level", "warning", "--no-access-log"]
    # Logs go to a file: a pipe nobody reads would fill up and stall the server.
    process = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{target} exited: {log.read_text()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{target} did not start")


def _request(port: int, body: bytes, signed: bool) -> bytes:
    from api.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

    headers = ["POST /events HTTP/1.1", f"Host: 127.0.0.1:{port}", "Content-Type: application/json",
               f"Content-Length: {len(body)}"]
    if signed:
        ts = str(int(time.time()))
        headers += [f"{TIMESTAMP_HEADER}: {ts}", f"{SIGNATURE_HEADER}: {sign(SECRET, ts, body)}"]
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + body


def _body(conn: int, seq: int, events_per_request: int) -> bytes:
    events = [{"event_id": f"bench-{conn}-{seq}-{i}", "type": "account.upserted", "occurred_at": "2026-10-01T09:00:00Z",
               "payload": {"id": f"acc-{conn}-{seq}-{i}", "name": "Bench Co", "arr": 1000, "tier": "smb"}}
              for i in range(events_per_request)]
    return json.dumps(events).encode()


async def _connection(port: int, conn: int, stop_at: float, measure_from: float, signed: bool,
                      events_per_request: int, latencies: list[float], errors: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    seq = 0
    try:
        while (now := time.perf_counter()) < stop_at:
            seq += 1
            writer.write(_request(port, _body(conn, seq, events_per_request), signed))
            await writer.drain()
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
            status_line, _, rest = head.partition(b"\r\n")
            length = next((int(h.split(b":")[1]) for h in rest.split(b"\r\n")
                           if h.lower().startswith(b"content-length:")), 0)
            await asyncio.wait_for(reader.readexactly(length), 30)
            if now >= measure_from:
                latencies.append(time.perf_counter() - now)
                if b" 202 " not in status_line:
                    errors.append(1)
    finally:
        writer.close()


async def _load(port: int, connections: int, warmup_s: float, duration_s: float, signed: bool,
                events_per_request: int) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors: list[int] = []
    start = time.perf_counter()
    measure_from, stop_at = start + warmup_s, start + warmup_s + duration_s
    await asyncio.gather(*(_connection(port, c, stop_at, measure_from, signed, events_per_request, latencies, errors)
                           for c in range(connections)))
    return latencies, len(errors), duration_s


def _stored_events(db: Path) -> int:
    import sqlite3

    with sqlite3.connect(db) as c:
        return c.execute("SELECT count(*) FROM events WHERE event_id LIKE 'bench-%'").fetchone()[0]


def run_http_bench(connections: int = 64, duration_s: float = 10.0, warmup_s: float = 2.0,
                   events_per_request: int = 1, data_dir: Path | None = None) -> dict[str, Any]:
    """Measure both apps under the same load; returns figures, the ratio and whether the goals were met."""
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="redaccount-bench-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDACCOUNT_")}
    env.update({"REDACCOUNT_DATA_DIR": str(data_dir), "REDACCOUNT_WEBHOOK_SECRET": SECRET,
                "REDACCOUNT_LLM_ENABLED": "false", "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    results = {}
    for name, target, signed in (("echo", "evals.bench_http:echo_app", False),
                                 ("redaccount", "api.app:create_served_app", True)):
        port = free_port()
        process = _start(target, port, env, data_dir / f"{name}.log")
        try:
            latencies, errors, seconds = asyncio.run(
                _load(port, connections, warmup_s, duration_s, signed, events_per_request))
            results[name] = summarise(name, latencies, errors, seconds)
            if name == "redaccount":
                accepted = _count_accepted(data_dir)
                started = time.monotonic()
                while _stored_events(data_dir / "redaccount.db") < accepted and time.monotonic() - started < 300:
                    time.sleep(0.5)
                stored = _stored_events(data_dir / "redaccount.db")
                results["ingest"] = {"accepted_events_total": accepted, "stored": stored,
                                     "drain_s_after_load": round(time.monotonic() - started, 1)}
        finally:
            process.terminate()
            process.wait(30)
    echo, ours = results["echo"], results["redaccount"]
    ratio = round(ours.rps / echo.rps, 3) if echo.rps else 0.0
    return {"connections": connections, "duration_s": duration_s, "events_per_request": events_per_request,
            "echo": asdict(echo), "redaccount": asdict(ours), "ingest": results["ingest"], "ratio": ratio,
            "goals": {"ratio>=0.3": ratio >= 0.3, "p99<=50ms": ours.p99_ms <= 50.0,
                      "nothing_lost": results["ingest"]["stored"] >= results["ingest"]["accepted_events_total"]}}


def _count_accepted(data_dir: Path) -> int:
    """Events acknowledged during the run = stored + still pending in the delivery table."""
    import sqlite3

    stored = _stored_events(data_dir / "redaccount.db")
    with sqlite3.connect(data_dir / "redaccount.db") as c:
        bodies = [b for (b,) in c.execute("SELECT body FROM event_deliveries WHERE status = 'pending'")]
    return stored + sum(len(json.loads(b)) for b in bodies)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--events-per-request", type=int, default=1)
    args = parser.parse_args()
    print(json.dumps(run_http_bench(args.connections, args.duration, events_per_request=args.events_per_request),
                     indent=2))
