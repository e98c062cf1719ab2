"""Vendor sync at scale against the local Zendesk fake: throughput, rate-limit waiting, SIGKILL and resume.

Run: python tests/connectors/bench_sync.py [--tickets 10000] [--comments 5] [--page 1000]
                                           [--limit 10 --window 1.0] [--db-url URL]
Three runs on fresh databases (SQLite files unless --db-url names a PostgreSQL server URL to create them on):
  1. full initial sync, no rate limit (the baseline);
  2. the same with a simulated rate limit (`--limit` requests per `--window` seconds, 429 + Retry-After):
     events/s and the share of the run spent waiting on it;
  3. `redaccount sync zendesk --once` in a subprocess, SIGKILLed halfway through the ticket events, then run
     again: lost and duplicated events counted against run 1.
Prints one JSON line per run and a summary line. Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import sqlalchemy as sa  # noqa: E402

from connectors.runner import sync_once  # noqa: E402
from core.db import create_db_engine, migrate  # noqa: E402
from tests.connectors.fake_server import Faults, serve  # noqa: E402
from tests.connectors.fake_zendesk import EMAIL, TOKEN, FakeZendesk, ZendeskData  # noqa: E402
from tests.connectors.sync_helpers import counts, event_ids, zendesk_settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def fresh_db(base: str | None, folder: Path, name: str) -> str:
    if not base:
        return f"sqlite:///{folder / name}.db"
    database = f"bench_{name}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    return base.rsplit("/", 1)[0] + f"/{database}"


def run_sync(args: argparse.Namespace, db_url: str, folder: Path, faults: Faults) -> tuple[dict, sa.Engine]:
    engine = create_db_engine(db_url)
    migrate(engine)
    server = FakeZendesk(ZendeskData(args.tickets, args.comments, args.orgs), faults, page_size=args.page)
    with serve(server.app) as url:
        report = sync_once(engine, zendesk_settings(url, folder), "zendesk")
    found = counts(engine)
    written = report.written
    return {"seconds": round(report.seconds, 2), "events_written": written,
            "events_per_s": round(written / report.seconds, 1), "requests": server.state.requests,
            "rate_limited_responses": server.state.rate_limited,
            "waiting_on_rate_limit_s": round(report.waits.rate_limited_s, 2),
            "waiting_share": round(report.waits.rate_limited_s / report.seconds, 3), "counts": found}, engine


def crash_and_resume(args: argparse.Namespace, db_url: str, folder: Path) -> dict:
    engine = create_db_engine(db_url)
    migrate(engine)
    server = FakeZendesk(ZendeskData(args.tickets, args.comments, args.orgs), page_size=args.page)
    pages_before_events = 2 + -(-args.tickets // args.page)
    event_pages = -(-args.tickets * args.comments // args.page)
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDACCOUNT_")}
    with serve(server.app) as url:
        env.update({"PYTHONPATH": str(ROOT), "REDACCOUNT_DATA_DIR": str(folder / "crash"),
                    "REDACCOUNT_DATABASE_URL": db_url, "REDACCOUNT_LLM_ENABLED": "false",
                    "REDACCOUNT_ZENDESK_BASE_URL": url, "REDACCOUNT_ZENDESK_EMAIL": EMAIL,
                    "REDACCOUNT_ZENDESK_API_TOKEN": TOKEN})
        command = [sys.executable, "-c", "from api.cli import app; app()", "sync", "zendesk", "--once"]
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        while server.state.served_pages < pages_before_events + event_pages // 2 and process.poll() is None:
            time.sleep(0.002)
        process.send_signal(signal.SIGKILL)
        process.wait()
        at_kill = counts(engine)
        started = time.perf_counter()
        resumed = subprocess.run(command, env=env, capture_output=True)
        resume_s = time.perf_counter() - started
    return {"killed_by": process.returncode, "messages_at_kill": at_kill["messages"],
            "resume_exit": resumed.returncode, "resume_s": round(resume_s, 2), "counts": counts(engine),
            "engine": engine}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--comments", type=int, default=5)
    parser.add_argument("--orgs", type=int, default=200)
    parser.add_argument("--page", type=int, default=1000)
    parser.add_argument("--limit", type=int, default=10, help="simulated rate limit: requests per window")
    parser.add_argument("--window", type=float, default=6.0,
                        help="rate limit window, seconds (default: Zendesk's 10 per minute for exports, time scaled 1:10)")
    parser.add_argument("--db-url", default=None, help="PostgreSQL admin URL; default: SQLite files")
    parser.add_argument("--only-limited", action="store_true", help="run 2 only (e.g. with --window 60)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench_sync_"))
    expected = args.tickets * args.comments
    if args.only_limited:
        limited, _ = run_sync(args, fresh_db(args.db_url, folder, "limited"), folder,
                              Faults(rate_limit=(args.limit, args.window)))
        print(json.dumps({"run": f"full sync, {args.limit} requests per {args.window}s", **limited}))
        return

    baseline, reference = run_sync(args, fresh_db(args.db_url, folder, "baseline"), folder, Faults())
    print(json.dumps({"run": "full sync, no rate limit", **baseline}))
    limited, _ = run_sync(args, fresh_db(args.db_url, folder, "limited"), folder,
                          Faults(rate_limit=(args.limit, args.window)))
    print(json.dumps({"run": f"full sync, {args.limit} requests per {args.window}s", **limited}))
    crash = crash_and_resume(args, fresh_db(args.db_url, folder, "crash"), folder)
    crashed_ids, reference_ids = event_ids(crash.pop("engine")), event_ids(reference)
    crash.update({"lost_events": len(reference_ids - crashed_ids), "extra_events": len(crashed_ids - reference_ids),
                  "messages_expected": expected})
    print(json.dumps({"run": "SIGKILL halfway through ticket events, then resume", **crash}))
    ok = (baseline["counts"]["messages"] == expected and crash["counts"]["messages"] == expected
          and crash["lost_events"] == 0 and crash["extra_events"] == 0 and crash["counts"] == baseline["counts"])
    print(json.dumps({"summary": "ok" if ok else "MISMATCH", "tickets": args.tickets, "comments": expected,
                      "events_per_s": baseline["events_per_s"], "events_per_s_rate_limited": limited["events_per_s"],
                      "rate_limited_vs_baseline": round(limited["events_per_s"] / baseline["events_per_s"], 3),
                      "waiting_share": limited["waiting_share"], "lost": crash["lost_events"],
                      "duplicated": crash["extra_events"]}))


if __name__ == "__main__":
    main()
