"""Scale benchmark: the served app on PostgreSQL with 1 worker vs N workers, same load, same run.

`redaccount serve --workers W` (real uvicorn workers) runs as a subprocess for each W on a fresh
PostgreSQL database and, if given, a Chroma server. A load generator (`wrk` with evals/wrk_mix.lua, or a
pure-python asyncio one: httpx, keep-alive connections; `--loadgen`) sends a fixed mix for a bounded time: the approval inbox list, a case 360 view, an account's
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
# The mix: 30 % inbox list, 30 % case 360, 20 % account risk, 20 % signed POST /events (one new account
# event each). Two load generators send it: `python` (httpx on asyncio, in this process) and `wrk` (C,
# `apt-get install wrk`, with evals/wrk_mix.lua cycling through requests written here beforehand).

LOADGENS = ("python", "wrk")


def delivery_body(rng: random.Random) -> bytes:
    """One POST /events body: a single `account.upserted` event with a new event id."""
    return json.dumps([{"event_id": f"load-{uuid.uuid4().hex}", "type": "account.upserted",
                        "occurred_at": "2026-10-01T09:00:00Z",
                        "payload": {"id": f"load-acc-{rng.randrange(1000)}", "name": "Load Co",
                                    "arr": 1000, "tier": "smb"}}]).encode()

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
                body = delivery_body(rng)
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


def write_wrk_requests(path: Path, count: int, accounts: list[str], cases: list[str], inbox_path: str,
                       seed: int) -> int:
    """Write `count` requests of the mix for evals/wrk_mix.lua, one a line (method, path, timestamp,
    signature, body; tab-separated), each delivery signed now with its own event id; returns the number of
    deliveries."""
    from api.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER

    rng = random.Random(seed)
    lines, posts = [], 0
    for _ in range(count):
        pick = rng.random()
        if pick < 0.3:
            lines.append(f"GET\t{inbox_path}\t\t\t")
        elif pick < 0.6:
            lines.append(f"GET\t/cases/{rng.choice(cases)}\t\t\t")
        elif pick < 0.8:
            lines.append(f"GET\t/accounts/{rng.choice(accounts)}\t\t\t")
        else:
            body = delivery_body(rng)
            headers = signed_headers(body)
            lines.append(f"POST\t/events\t{headers[TIMESTAMP_HEADER]}\t{headers[SIGNATURE_HEADER]}\t{body.decode()}")
            posts += 1
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return posts


def wrk_available() -> bool:
    import shutil

    return shutil.which("wrk") is not None


def _children_cpu_seconds() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_wrk(base_url: str, requests_file: Path, connections: int, duration_s: float,
            threads: int = 1) -> tuple[dict[str, Any], float]:
    """One wrk run of the mix in `requests_file`; returns wrk's figures (from evals/wrk_mix.lua) and the CPU
    seconds wrk used."""
    env = os.environ | {"WRK_MIX_FILE": str(requests_file), "WRK_MIX_KEY": MANAGER_KEY,
                        "WRK_MIX_THREADS": str(threads)}
    cpu_before = _children_cpu_seconds()
    done = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(duration_s))}s",
                           "--timeout", "30s", "-s", str(ROOT / "evals" / "wrk_mix.lua"), base_url],
                          env=env, capture_output=True, text=True, check=False)
    cpu = _children_cpu_seconds() - cpu_before
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK_MIX_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout[-2000:]} {done.stderr[-2000:]}")
    return json.loads(line.split(" ", 1)[1]), cpu


def measure_load(loadgen: str, base_url: str, accounts: list[str], cases: list[str], connections: int,
                 warmup_s: float, duration_s: float, inbox_path: str, work_dir: Path, name: str,
                 wrk_threads: int = 1) -> tuple[LoadFigures, int, float]:
    """Warm up, then measure the mix with one load generator. Returns the measured figures, every request
    answered (warm-up included) and the CPU seconds the load generator itself used (warm-up included)."""
    if loadgen == "python":
        completed = [0]
        cpu_before = time.process_time()
        latencies, errors = asyncio.run(drive_load(base_url, accounts, cases, connections, warmup_s, duration_s,
                                                   inbox_path, completed))
        return summarise(name, latencies, errors, duration_s), completed[0], time.process_time() - cpu_before
    if loadgen != "wrk":
        raise ValueError(f"unknown load generator {loadgen!r}: one of {', '.join(LOADGENS)}")
    per_second = 4000  # more than one server here answers: deliveries must not repeat
    files = []
    for phase, seconds in (("warmup", warmup_s), ("measured", duration_s)):
        path = work_dir / f"wrk-{phase}.tsv"
        write_wrk_requests(path, int(per_second * (seconds + 1)), accounts, cases, inbox_path,
                           seed=1 if phase == "warmup" else 2)
        files.append((path, seconds))
    answered, cpu, figures = 0, 0.0, {}
    for path, seconds in files:
        if seconds <= 0:
            continue
        figures, used = run_wrk(base_url, path, connections, seconds, wrk_threads)
        answered += figures["requests"]
        cpu += used
        if figures["requests"] > int(per_second * (seconds + 1)):
            print(f"note: wrk sent more requests than were written ({figures['requests']}): some deliveries "
                  "repeated (the server answers a repeat without work)", flush=True)
    errors = sum(v for k, v in figures.items() if k.startswith("errors_"))
    seconds = figures["duration_us"] / 1e6
    measured = LoadFigures(name, figures["requests"], errors, round(seconds, 2),
                           round(figures["requests"] / seconds, 1) if seconds else 0.0,
                           round(figures["p50_us"] / 1000, 2), round(figures["p99_us"] / 1000, 2))
    return measured, answered, cpu


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
                    inbox_page: int = 50, loadgens: tuple[str, ...] = ("python",),
                    wrk_threads: int = 1) -> dict[str, Any]:
    """Measure 1 worker and `workers` workers on fresh PostgreSQL databases; returns figures and the ratio.

    `wait_settled`: start the load only once the server has worked off the seeded backlog (see `settle`);
    off, the load runs while the server's jobs are still assessing the seeded accounts and running their
    cases (how this benchmark measured before issue 18). `bare_baseline`: also drive a bare FastAPI app
    answering the same routes (evals/bare_app.py) with the same load, in the same run. `inbox_page`: the
    inbox request reads its first page of that many approvals (0: the whole inbox in one answer, as before
    issue 18 added paging; once settled the seeded inbox holds 200 pending approvals). `loadgens`: the load
    generators to drive the mix with, each in turn against the same server (settled again before each);
    the top-level figures are those of the first, `by_loadgen` has every one's."""
    for loadgen in loadgens:
        if loadgen not in LOADGENS:
            raise ValueError(f"unknown load generator {loadgen!r}: one of {', '.join(LOADGENS)}")
    if "wrk" in loadgens and not wrk_available():
        raise RuntimeError("wrk is not installed (Debian/Ubuntu: apt-get install wrk; see docs/performance.md)")
    inbox_path = f"/approvals?limit={inbox_page}" if inbox_page else "/approvals"
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="redaccount-scale-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    results: dict[tuple[str, int], LoadFigures] = {}
    settled: dict[str, dict[str, Any]] = {}
    server_cpu: dict[tuple[str, int], float] = {}
    loadgen_cpu: dict[tuple[str, str], float] = {}
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
                for loadgen in loadgens:
                    if wait_settled:
                        key = f"{count} worker(s), before {loadgen}"
                        settled[key] = settle(db_url)
                        if verbose:
                            print(f"{key}: backlog worked off: {settled[key]}", flush=True)
                    cpu_before = group_cpu_seconds(proc.pid)
                    figures, completed, used = measure_load(loadgen, url, accounts, cases, connections, warmup_s,
                                                            duration_s, inbox_path, run_dir,
                                                            f"{count} worker(s), {loadgen}", wrk_threads)
                    cpu_after = group_cpu_seconds(proc.pid)
                    results[loadgen, count] = figures
                    loadgen_cpu[loadgen, f"{count}"] = round(used / max(completed, 1) * 1000, 2)
                    if cpu_before is not None and cpu_after is not None:
                        # Server CPU (all its processes and threads: handlers, event loop, the live loop's
                        # jobs) per request answered, warm-up included.
                        server_cpu[loadgen, count] = round((cpu_after - cpu_before) / max(completed, 1) * 1000, 2)
            finally:
                _stop(proc)
        finally:
            _drop_database(admin_url, db_url)
    baselines: dict[str, LoadFigures] = {}
    if bare_baseline:
        proc, url = _serve_bare(1, data_dir / "bare.log")
        try:
            for loadgen in loadgens:
                figures, completed, used = measure_load(loadgen, url, ["a"], ["c"], connections, warmup_s,
                                                        duration_s, inbox_path, data_dir,
                                                        f"bare FastAPI, 1 worker, {loadgen}", wrk_threads)
                baselines[loadgen] = figures
                loadgen_cpu[loadgen, "bare"] = round(used / max(completed, 1) * 1000, 2)
        finally:
            _stop(proc)
    by_loadgen: dict[str, dict[str, Any]] = {}
    for loadgen in loadgens:
        one, many = results[loadgen, 1], results[loadgen, workers]
        baseline = baselines.get(loadgen)
        by_loadgen[loadgen] = {
            "one_worker": asdict(one), "n_workers": asdict(many),
            "ratio": round(many.rps / one.rps, 2) if one.rps else 0.0,
            "server_cpu_ms_per_request": {n: v for (g, n), v in server_cpu.items() if g == loadgen} or None,
            "loadgen_cpu_ms_per_request": {n: v for (g, n), v in loadgen_cpu.items() if g == loadgen},
            "bare_baseline": asdict(baseline) if baseline else None,
            "one_worker_vs_bare": round(one.rps / baseline.rps, 3) if baseline and baseline.rps else None}
    report = {"connections": connections, "duration_s": duration_s, "cpus": os.cpu_count(), "inbox": inbox_path,
              "loadgens": list(loadgens), **by_loadgen[loadgens[0]], "by_loadgen": by_loadgen,
              "settled": settled if wait_settled else None, "load_average": os.getloadavg()}
    if verbose:
        for loadgen, fig in by_loadgen.items():
            one, many, cpu = fig["one_worker"], fig["n_workers"], fig["server_cpu_ms_per_request"] or {}
            gen_cpu = fig["loadgen_cpu_ms_per_request"]
            print(f"[{loadgen}] 1 worker : {one['rps']:8.1f} req/s  p50 {one['p50_ms']} ms  p99 {one['p99_ms']} ms  "
                  f"errors {one['errors']}  server CPU {cpu.get(1)} ms/request  load generator CPU "
                  f"{gen_cpu.get('1')} ms/request")
            print(f"[{loadgen}] {workers} workers: {many['rps']:8.1f} req/s  p50 {many['p50_ms']} ms  "
                  f"p99 {many['p99_ms']} ms  errors {many['errors']}  server CPU {cpu.get(workers)} ms/request  "
                  f"load generator CPU {gen_cpu.get(str(workers))} ms/request; ratio {workers}/1 = {fig['ratio']}")
            if fig["bare_baseline"]:
                bare = fig["bare_baseline"]
                print(f"[{loadgen}] bare FastAPI (same routes, fixed JSON, 1 worker): {bare['rps']:8.1f} req/s  "
                      f"p50 {bare['p50_ms']} ms  p99 {bare['p99_ms']} ms  load generator CPU "
                      f"{gen_cpu.get('bare')} ms/request; 1 worker / bare = {fig['one_worker_vs_bare']}")
        print(f"on {os.cpu_count()} CPUs; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
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
    parser.add_argument("--loadgen", choices=("auto", "python", "wrk", "both"), default="auto",
                        help="load generator: wrk (C, `apt-get install wrk`), python (httpx, in this process; "
                             "it needs 3.5-4 ms of CPU per request itself), both (each in turn against the same "
                             "servers), auto (wrk if installed, else python)")
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--no-settle", action="store_true",
                        help="start the load at once, while the server still works off the seeded backlog")
    args = parser.parse_args()
    chosen = {"auto": ("wrk",) if wrk_available() else ("python",), "python": ("python",), "wrk": ("wrk",),
              "both": ("wrk", "python")}[args.loadgen]
    if args.loadgen == "auto" and chosen == ("python",):
        print("note: wrk is not installed (apt-get install wrk): the Python load generator shares the cores")
    figures = run_scale_bench(args.pg, args.workers, args.connections, args.duration, chroma_url=args.chroma_url,
                              wait_settled=not args.no_settle, inbox_page=args.inbox_page, loadgens=chosen,
                              wrk_threads=args.wrk_threads)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
