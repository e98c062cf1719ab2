"""Scale benchmark: the served app on PostgreSQL with 1 worker vs N workers, same load, same run.

`redaccount serve --workers W` (real uvicorn workers) runs as a subprocess for each W on a fresh
PostgreSQL database and, if given, a Chroma server. A pure-python asyncio load generator (httpx, keep-alive
connections) sends a fixed mix for a bounded time: the approval inbox list, a case 360 view, an account's
risk and a signed POST /events delivery. Throughput is measured as completed requests per second and
latency as p50/p99; the headline is the throughput ratio N/1 (on the same machine, so with 2 cores the
ceiling is ~2).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
import yaml

from evals.loadstats import LoadFigures, free_port, summarise

SECRET = "bench-scale-secret-0123456789abcdef"
MANAGER_KEY = "bench-key-manager-0123456789abcdef"
ROOT = Path(__file__).resolve().parents[1]


# ---- a seeded store ------------------------------------------------------------------------------------

def seed_red_accounts(engine: sa.Engine, count: int, prefix: str = "scale") -> list[str]:
    """`count` accounts, each with a ticket, an angry message and a stored Red assessment; returns their ids."""
    from core.db import schema as t
    from core.ingest import ingest_objects
    from core.models import Band, Evidence, RiskAssessment, RiskSignal

    at = datetime(2026, 10, 1, 10, tzinfo=UTC)
    stamp = at.isoformat().replace("+00:00", "Z")
    ids, events, rows = [], [], []
    for i in range(count):
        acc, tkt, msg = f"{prefix}-acc-{i}", f"{prefix}-t-{i}", f"{prefix}-m-{i}"
        ids.append(acc)
        events += [
            {"event_id": f"{prefix}-e-acc-{i}", "type": "account.upserted", "occurred_at": stamp,
             "payload": {"id": acc, "name": f"Account {i}", "arr": 120000, "tier": "enterprise",
                         "renewal_date": "2027-01-15", "csm": "Dana Whitfield", "ae": "Marco Ruiz"}},
            {"event_id": f"{prefix}-e-t-{i}", "type": "ticket.upserted", "occurred_at": stamp,
             "payload": {"id": tkt, "account_id": acc, "subject": "SSO login fails for EU users",
                         "priority": "p2", "status": "open", "created_at": stamp}},
            {"event_id": f"{prefix}-e-m-{i}", "type": "message.created", "occurred_at": stamp,
             "payload": {"id": msg, "ticket_id": tkt, "account_id": acc, "author_side": "customer",
                         "text": "This has been open for weeks. I need to speak to your manager about SSO.",
                         "created_at": stamp}},
        ]
        signal = RiskSignal(kind="escalation_language", value=1.0, weight=80.0, confidence=0.9, rule_id="SIG-ESC",
                            evidence=[Evidence(record_type="message", record_id=msg,
                                               quote="I need to speak to your manager", at=at)])
        assessment = RiskAssessment(account_id=acc, score=80.0, band=Band.red, confidence=0.9, needs_review=False,
                                    signals=[signal], triggered_rules=["TRG-T-RED"], ruleset_version="bench",
                                    assessed_at=at)
        rows.append({"account_id": acc, "score": 80.0, "band": "red", "confidence": 0.9, "needs_review": False,
                     "ruleset_version": "bench", "assessed_at": at, "body": assessment.model_dump(mode="json")})
    ingest_objects(engine, events)
    with engine.begin() as c:
        c.execute(t.assessments.insert(), rows)
    return ids


def signed_headers(body: bytes, secret: str = SECRET) -> dict[str, str]:
    from api.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

    ts = str(int(time.time()))
    return {TIMESTAMP_HEADER: ts, SIGNATURE_HEADER: sign(secret, ts, body), "content-type": "application/json"}


# ---- the load -------------------------------------------------------------------------------------------

async def _client_loop(client: httpx.AsyncClient, accounts: list[str], cases: list[str], stop_at: float,
                       measure_from: float, latencies: list[float], errors: list[int], seed: int,
                       inbox_path: str = "/approvals", completed: list[int] | None = None) -> None:
    rng = random.Random(seed)
    headers = {"X-API-Key": MANAGER_KEY}
    while (now := time.perf_counter()) < stop_at:
        pick = rng.random()
        try:
            if pick < 0.3:
                response = await client.get(inbox_path, headers=headers)
            elif pick < 0.6:
                response = await client.get(f"/cases/{rng.choice(cases)}", headers=headers)
            elif pick < 0.8:
                response = await client.get(f"/accounts/{rng.choice(accounts)}", headers=headers)
            else:
                body = json.dumps([{"event_id": f"load-{uuid.uuid4().hex}", "type": "account.upserted",
                                    "occurred_at": "2026-10-01T09:00:00Z",
                                    "payload": {"id": f"load-acc-{rng.randrange(1000)}", "name": "Load Co",
                                                "arr": 1000, "tier": "smb"}}]).encode()
                response = await client.post("/events", content=body, headers=signed_headers(body))
            ok = response.status_code < 400
        except httpx.HTTPError:
            ok = False
        if completed is not None:
            completed[0] += 1
        if now >= measure_from:
            latencies.append(time.perf_counter() - now)
            if not ok:
                errors.append(1)


async def drive_load(base_url: str, accounts: list[str], cases: list[str], connections: int, warmup_s: float,
                     duration_s: float, inbox_path: str = "/approvals",
                     completed: list[int] | None = None) -> tuple[list[float], int]:
    """Run the mix; returns the measured latencies and the error count (`completed`, if given, counts
    every request answered, warm-up included)."""
    latencies: list[float] = []
    errors: list[int] = []
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30.0, trust_env=False) as client:
        start = time.perf_counter()
        measure_from, stop_at = start + warmup_s, start + warmup_s + duration_s
        await asyncio.gather(*(_client_loop(client, accounts, cases, stop_at, measure_from, latencies, errors, i,
                                            inbox_path, completed) for i in range(connections)))
    return latencies, len(errors)


# ---- servers --------------------------------------------------------------------------------------------

def _wait(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2.0, trust_env=False).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(url)


def _serve(env: dict[str, str], workers: int, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    # The CLI of this checkout (cwd=ROOT), whether or not the `redaccount` entry point is installed.
    cli = [sys.executable, "-c", "from api.cli import app; app()"]
    with open(log, "ab") as out:
        proc = subprocess.Popen([*cli, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
                                env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(f"{url}/readyz", proc, 180)
    except BaseException:
        _stop(proc)
        raise
    return proc, url


def _serve_bare(workers: int, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    with open(log, "ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "evals.bare_app:app", "--host", "127.0.0.1",
                                 "--port", str(port), "--workers", str(workers), "--no-access-log"],
                                stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(f"{url}/readyz", proc, 60)
    except BaseException:
        _stop(proc)
        raise
    return proc, url


def _stop(proc: subprocess.Popen) -> None:
    import signal

    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def settle(db_url: str, timeout_s: float = 180.0, quiet_polls: int = 4) -> dict[str, Any]:
    """Wait until the served app has worked off what seeding queued (every seeded account assessed, the Red
    ones' cases run to their first approval): no detection backlog and the inbox unchanged for
    `quiet_polls` polls. Measuring earlier would time the start-up backlog, not the requests."""
    from core.db import create_db_engine
    from core.store.changes import fingerprint
    from core.store.detection import pending_count

    engine = create_db_engine(db_url)
    started, last, same = time.monotonic(), None, 0
    try:
        while time.monotonic() - started < timeout_s:
            now = (pending_count(engine), fingerprint(engine))
            same = same + 1 if now == last and now[0] == 0 else 0
            if same >= quiet_polls:
                break
            last = now
            time.sleep(0.5)
        return {"settled": same >= quiet_polls, "seconds": round(time.monotonic() - started, 1),
                "backlog": last[0] if last else None, "inbox": last[1] if last else None}
    finally:
        engine.dispose()


def group_cpu_seconds(pgid: int) -> float | None:
    """CPU time (user + system) used so far by every live process of a process group (Linux /proc);
    None where /proc is not available."""
    tick = os.sysconf("SC_CLK_TCK")
    total, found = 0.0, False
    try:
        pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return None
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # field 5 of stat: the process group
            total += (int(fields[11]) + int(fields[12])) / tick
            found = True
    return total if found else None


def _fresh_database(admin_url: str) -> str:
    name = f"redaccount_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def _drop_database(admin_url: str, url: str) -> None:
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def _prepare(db_url: str, data_dir: Path, accounts: int, cases: int) -> tuple[list[str], list[str]]:
    from core.db import create_db_engine, migrate
    from core.store.cases import open_escalation

    engine = create_db_engine(db_url)
    migrate(engine)
    ids = seed_red_accounts(engine, accounts, prefix="bench")
    case_ids = [open_escalation(engine, a, datetime.now(UTC))[0].id for a in ids[:cases]]
    engine.dispose()
    (data_dir / "keys.yaml").write_text(yaml.safe_dump({MANAGER_KEY: {"actor": "Elena Petrova", "role": "manager"}}),
                                        encoding="utf-8")
    return ids, case_ids


def run_scale_bench(admin_url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/test", workers: int = 2,
                    connections: int = 32, duration_s: float = 10.0, warmup_s: float = 2.0,
                    chroma_url: str | None = None, data_dir: Path | None = None,
                    verbose: bool = True, wait_settled: bool = True, bare_baseline: bool = True,
                    inbox_page: int = 50) -> dict[str, Any]:
    """Measure 1 worker and `workers` workers on fresh PostgreSQL databases; returns figures and the ratio.

    `wait_settled`: start the load only once the server has worked off the seeded backlog (see `settle`);
    off, the load runs while the server's jobs are still assessing the seeded accounts and running their
    cases (how this benchmark measured before issue 18). `bare_baseline`: also drive a bare FastAPI app
    answering the same routes (evals/bare_app.py) with the same load, in the same run. `inbox_page`: the
    inbox request reads its first page of that many approvals (0: the whole inbox in one answer, as before
    issue 18 added paging; once settled the seeded inbox holds 200 pending approvals)."""
    inbox_path = f"/approvals?limit={inbox_page}" if inbox_page else "/approvals"
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="redaccount-scale-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    results: dict[int, LoadFigures] = {}
    settled: dict[int, dict[str, Any]] = {}
    server_cpu: dict[int, float] = {}
    for count in sorted({1, workers}):
        db_url = _fresh_database(admin_url)
        run_dir = data_dir / f"w{count}"
        run_dir.mkdir(exist_ok=True)
        try:
            accounts, cases = _prepare(db_url, run_dir, accounts=200, cases=50)
            env = {k: v for k, v in os.environ.items() if not k.startswith("REDACCOUNT_")}
            env |= {"REDACCOUNT_DATA_DIR": str(run_dir), "REDACCOUNT_DATABASE_URL": db_url,
                    "REDACCOUNT_WEBHOOK_SECRET": SECRET, "REDACCOUNT_LLM_ENABLED": "false",
                    "REDACCOUNT_API_KEYS_FILE": str(run_dir / "keys.yaml"), "ANONYMIZED_TELEMETRY": "False"}
            if chroma_url:
                env["REDACCOUNT_CHROMA_URL"] = chroma_url
            proc, url = _serve(env, count, run_dir / "server.log")
            try:
                if wait_settled:
                    settled[count] = settle(db_url)
                    if verbose:
                        print(f"{count} worker(s): seeded backlog worked off: {settled[count]}", flush=True)
                completed = [0]
                cpu_before = group_cpu_seconds(proc.pid)
                latencies, errors = asyncio.run(drive_load(url, accounts, cases, connections, warmup_s, duration_s,
                                                           inbox_path, completed))
                cpu_after = group_cpu_seconds(proc.pid)
            finally:
                _stop(proc)
            results[count] = summarise(f"{count} worker(s)", latencies, errors, duration_s)
            if cpu_before is not None and cpu_after is not None:
                # Server CPU (all its processes and threads: handlers, event loop, the live loop's jobs)
                # per request answered, warm-up included.
                server_cpu[count] = round((cpu_after - cpu_before) / max(completed[0], 1) * 1000, 2)
        finally:
            _drop_database(admin_url, db_url)
    baseline: LoadFigures | None = None
    if bare_baseline:
        proc, url = _serve_bare(1, data_dir / "bare.log")
        try:
            latencies, errors = asyncio.run(drive_load(url, ["a"], ["c"], connections, warmup_s, duration_s, inbox_path))
        finally:
            _stop(proc)
        baseline = summarise("bare FastAPI, 1 worker", latencies, errors, duration_s)
    one, many = results[1], results[workers]
    ratio = round(many.rps / one.rps, 2) if one.rps else 0.0
    report = {"connections": connections, "duration_s": duration_s, "cpus": os.cpu_count(), "inbox": inbox_path,
              "one_worker": asdict(one), "n_workers": asdict(many), "ratio": ratio,
              "settled": settled if wait_settled else None, "load_average": os.getloadavg(),
              "server_cpu_ms_per_request": server_cpu or None,
              "bare_baseline": asdict(baseline) if baseline else None,
              "one_worker_vs_bare": round(one.rps / baseline.rps, 3) if baseline and baseline.rps else None}
    if verbose:
        print(f"1 worker : {one.rps:8.1f} req/s  p50 {one.p50_ms} ms  p99 {one.p99_ms} ms  errors {one.errors}"
              + (f"  server CPU {server_cpu[1]} ms/request" if 1 in server_cpu else ""))
        print(f"{workers} workers: {many.rps:8.1f} req/s  p50 {many.p50_ms} ms  p99 {many.p99_ms} ms  "
              f"errors {many.errors}")
        if baseline:
            print(f"bare FastAPI (same routes, fixed JSON, 1 worker, same load generator): {baseline.rps:8.1f} req/s  "
                  f"p50 {baseline.p50_ms} ms  p99 {baseline.p99_ms} ms; 1 worker / bare = "
                  f"{report['one_worker_vs_bare']}")
        print(f"throughput ratio {workers}/1 = {ratio} (on {os.cpu_count()} CPUs); "
              f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return report


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", default=os.environ.get("REDACCOUNT_TEST_PG_URL",
                                                       "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--chroma-url", default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--inbox-page", type=int, default=50,
                        help="approvals per inbox request (0: the whole inbox, unpaged)")
    parser.add_argument("--no-settle", action="store_true",
                        help="start the load at once, while the server still works off the seeded backlog")
    args = parser.parse_args()
    figures = run_scale_bench(args.pg, args.workers, args.connections, args.duration, chroma_url=args.chroma_url,
                              wait_settled=not args.no_settle, inbox_page=args.inbox_page)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
