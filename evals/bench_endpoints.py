"""Per-endpoint server time at scale: the reads a person waits on, and a decision, against a bare endpoint.

Method: a fresh database (SQLite file, or a fresh PostgreSQL database created next to the URL given) is
migrated and seeded through the store: N accounts (each with a stored assessment), a ticket and a
message for each account with a case, `decisions` Red cases run through the real workflow to their first
approval, and M further open cases cloned from the first real one (its approval request, swarm and
timeline, with their own ids) so the inbox holds M + `decisions` pending approvals; on PostgreSQL the
planner's statistics are then refreshed (ANALYZE), as autovacuum would soon after a bulk load. The real app is
served in-process (ASGI, no network; jobs off, so nothing runs beside the request) and each request is
timed around the whole ASGI call: middleware, authentication, queries, redaction, serialisation. The
baseline is a bare FastAPI endpoint returning a small JSON object, timed the same way in the same run.
Each request's SQL statements are counted (`before_cursor_execute`). Reported per endpoint: p50 and p95
server time in ms, the ratio p50/baseline p50 (lower is better; 1.0 would cost no more than the bare
endpoint), statements per request, and the response size.
"""

from __future__ import annotations

import contextlib
import cProfile
import io
import json
import pstats
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient

from core.db import open_database
from core.db.querycount import QueryCounter
from core.ingest import ingest_objects
from core.models import Band, Evidence, RiskAssessment, RiskSignal, Role
from core.settings import Settings
from core.store.approvals import approval_id_for, list_approvals
from core.store.book import record_assessments
from core.store.bulk import bulk_insert, refresh_statistics
from core.store.cases import get_escalation, read_timeline

GOAL_P50_MS = 5.0
MANAGER_KEY = "bench-endpoints-manager-key-0123456789"
T2_KEY = "bench-endpoints-support-t2-key-0123456789"
T2_ACTOR = "Priya Raman"
OWNERS = ["Dana Whitfield", "Omar Haddad", "Lena Fischer", "Sam Okafor", "Ines Duarte", "Kenji Mori"]
TIERS = ["enterprise", "mid_market", "smb"]
ROLES = [Role.support_t2, Role.csm, Role.support_t3, Role.compliance, Role.ae]


@dataclass
class Timed:
    """Server times (ms) and statement counts of one endpoint's requests."""

    times: list[float]
    queries: list[int]
    bytes: int


class ServerTimer:
    """ASGI wrapper: times every HTTP call (the server's own time, without the client) and counts its
    statements."""

    def __init__(self, app: Any, counter: QueryCounter | None = None):
        self.app = app
        self.counter = counter
        self.last_ms = 0.0
        self.last_queries = 0
        self.profiles: list[cProfile.Profile] | None = None  # set: profile the event loop and worker threads
        self.loop_profiler = cProfile.Profile()

    def profile_start(self) -> None:
        """Profile what follows: the event-loop thread here, each threadpool call in its own worker thread."""
        self.loop_profiler = cProfile.Profile()
        self.profiles = [self.loop_profiler]

    def profile_stop(self) -> str:
        profiles, self.profiles = self.profiles or [], None
        return _profile_text(profiles)

    def in_worker(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Wrap a threadpool call so that it is profiled in the worker thread it runs in."""
        def run(*args: Any, **kwargs: Any) -> Any:
            if self.profiles is None:
                return func(*args, **kwargs)
            profiler = cProfile.Profile()
            self.profiles.append(profiler)
            profiler.enable()
            try:
                return func(*args, **kwargs)
            finally:
                profiler.disable()

        return run

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = self.counter.start() if self.counter else None
        profiling = self.profiles is not None
        if profiling:
            self.loop_profiler.enable()
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            if profiling:
                self.loop_profiler.disable()
            self.last_ms = (time.perf_counter() - started) * 1000
            if self.counter and token is not None:
                self.last_queries = self.counter.stop(token)


def _summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"p50_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2)}


def _bare() -> FastAPI:
    app = FastAPI()

    @app.get("/bare")
    def bare() -> dict[str, Any]:
        return {"ok": True, "service": "bare"}

    return app


def _assessment(account_id: str, score: float, at: datetime, message_id: str | None) -> RiskAssessment:
    band = Band.red if score >= 70 else Band.amber if score >= 40 else Band.green
    signals = [RiskSignal(kind="negative_sentiment", value=1.0, weight=float(min(score, 50)), confidence=0.85,
                          rule_id="TRG-SENTIMENT", detail="angry customer",
                          evidence=[Evidence(record_type="message", record_id=message_id or f"m-{account_id}",
                                             quote="I need to speak to your manager", at=at)])]
    if score > 50:
        signals.append(RiskSignal(kind="escalation_language", value=1.0, weight=float(score - 50), confidence=0.9,
                                  rule_id="SIG-ESC", detail="asks for a manager",
                                  evidence=[Evidence(record_type="message", record_id=message_id or f"m-{account_id}",
                                                     quote="speak to your manager", at=at)]))
    return RiskAssessment(account_id=account_id, score=score, band=band, confidence=0.85, needs_review=False,
                          signals=signals, triggered_rules=["TRG-T-RED"] if score >= 70 else [],
                          ruleset_version="bench", assessed_at=at)


def _events(accounts: int, with_case: int, rng: random.Random, at: datetime) -> list[dict[str, Any]]:
    stamp = at.isoformat().replace("+00:00", "Z")
    out = []
    for i in range(accounts):
        acc = f"acc-{i:05d}"
        out.append({"event_id": f"bench-e-acc-{i}", "type": "account.upserted", "occurred_at": stamp,
                    "payload": {"id": acc, "name": f"Account {i:05d}", "arr": float(rng.randint(5, 900) * 1000),
                                "tier": rng.choice(TIERS), "csm": rng.choice(OWNERS), "ae": "Marco Ruiz",
                                "renewal_date": (at.date() + timedelta(days=rng.randint(1, 540))).isoformat(),
                                "legal_notes": "Litigation hold" if i % 7 == 0 else None}})
        if i < with_case:
            out += [
                {"event_id": f"bench-e-t-{i}", "type": "ticket.upserted", "occurred_at": stamp,
                 "payload": {"id": f"t-{acc}", "account_id": acc, "subject": "SSO login fails for EU users",
                             "priority": "p2", "status": "open", "created_at": stamp}},
                {"event_id": f"bench-e-m-{i}", "type": "message.created", "occurred_at": stamp,
                 "payload": {"id": f"m-{acc}", "ticket_id": f"t-{acc}", "account_id": acc, "author_side": "customer",
                             "text": "This has been open for weeks. I need to speak to your manager about SSO.",
                             "created_at": stamp}},
            ]
    return out


def _clone_cases(engine: Any, template_case: str, account_ids: list[str], at: datetime,
                 say: Callable[[str], None]) -> list[str]:
    """Open cases for `account_ids` shaped like the real `template_case` (its approval, swarm, timeline)."""
    case = get_escalation(engine, template_case)
    timeline = read_timeline(engine, template_case)
    (approval,) = list_approvals(engine, case_id=template_case)
    request = approval.request.model_dump(mode="json")
    rows: dict[str, list[dict[str, Any]]] = {"escalations": [], "swarm_members": [], "timeline": [], "approvals": []}
    case_ids = []
    for n, account_id in enumerate(account_ids):
        case_id = f"esc-{uuid.uuid4().hex[:12]}"
        case_ids.append(case_id)
        opened = at - timedelta(minutes=n)
        rows["escalations"].append({
            "id": case_id, "account_id": account_id, "thread_id": f"case:{case_id}", "opened_at": opened,
            "phase": case.phase.value, "owner": case.owner, "tier": case.tier.value if case.tier else None,
            "sla_due": {k: v.isoformat() for k, v in case.sla_due.items()}, "updated_at": opened})
        rows["swarm_members"] += [{"escalation_id": case_id, "person": m.person, "role": m.role.value, "reason": m.reason,
                                   "rule_id": m.rule_id, "assumed_at": m.assumed_at} for m in case.swarm]
        rows["timeline"] += [{"escalation_id": case_id, "at": e.at, "kind": e.kind, "actor": e.actor,
                              "payload": e.payload} for e in timeline]
        role = ROLES[n % len(ROLES)]
        step = request["step"]
        body = request | {"case_id": case_id, "assigned_role": role.value,
                          "assigned_to": T2_ACTOR if role == Role.support_t2 and n % 2 else None,
                          "evidence_refs": [f"message:m-{account_id}", f"ticket:t-{account_id}"]}
        rows["approvals"].append({
            "id": approval_id_for(case_id, step), "escalation_id": case_id, "thread_id": f"case:{case_id}",
            "step": step, "action": body["action"], "assigned_role": role.value, "assigned_to": body["assigned_to"],
            "status": "pending", "request": body, "created_at": opened})
    bulk_insert(engine, rows, progress=lambda table, done, total: say(f"  {table}: {done:,}/{total:,}")
                if done == total or done % 10_000 == 0 else None)
    return case_ids


def run_endpoint_bench(database_url: str | None = None, accounts: int = 10_000, approvals: int = 1_000,
                       decisions: int = 20, repeats: int = 100, seed: int = 18, profile_dir: Path | None = None,
                       say: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Seed, then time every endpoint and the bare baseline in the same run (see the module doc)."""
    from api.app import create_app
    from api.auth import SESSION_COOKIE

    say = say or (lambda text: print(text, flush=True))
    rng = random.Random(seed)
    now = datetime.now(UTC)
    with_case = approvals + decisions
    with tempfile.TemporaryDirectory(prefix="bench-endpoints-") as tmp:
        keys = Path(tmp) / "keys.yaml"
        keys.write_text(yaml.safe_dump({MANAGER_KEY: {"actor": "Elena Petrova", "role": "manager"},
                                        T2_KEY: {"actor": T2_ACTOR, "role": "support_t2"}}), encoding="utf-8")
        settings = Settings(data_dir=Path(tmp) / "data", database_url=database_url, llm_enabled=False,
                            allow_unsigned_events=True, api_keys_file=keys, jobs_in_api=False)
        engine = open_database(settings)
        fill_start = time.perf_counter()
        say(f"seeding {accounts:,} accounts ({with_case:,} with a ticket and a message) ...")
        events = _events(accounts, with_case, rng, now - timedelta(days=2))
        for i in range(0, len(events), 2_000):
            ingest_objects(engine, events[i:i + 2_000], source="bench")
            say(f"  events: {min(i + 2_000, len(events)):,}/{len(events):,}")
        scores = {f"acc-{i:05d}": (85.0 if i < with_case else float(rng.choice([5, 15, 30, 45, 60, 75])))
                  for i in range(accounts)}
        rows = []
        for account_id, score in scores.items():
            a = _assessment(account_id, score, now - timedelta(days=1), f"m-{account_id}")
            rows.append({"account_id": account_id, "score": a.score, "band": a.band.value, "confidence": a.confidence,
                         "needs_review": False, "ruleset_version": "bench", "assessed_at": a.assessed_at,
                         "body": a.model_dump(mode="json")})
        for i in range(0, len(rows), 5_000):
            record_assessments(engine, rows[i:i + 5_000])
        say(f"  assessments: {len(rows):,}")

        app = create_app(settings)
        counter = QueryCounter(app.state.engine)
        timer = ServerTimer(app, counter)
        results: dict[str, Timed] = {}
        profiles: dict[str, str] = {}
        with _threadpool_profiled(timer), TestClient(timer) as client:
            service = app.state.product.cases
            real_accounts = [f"acc-{i:05d}" for i in range(approvals, with_case)]
            say(f"running {decisions} cases through the workflow to their first approval ...")
            real_cases = []
            for n, account_id in enumerate(real_accounts):
                case_id, _ = service.start_case(_assessment(account_id, 85.0, now - timedelta(days=1),
                                                            f"m-{account_id}"), "bench")
                real_cases.append(case_id)
                if (n + 1) % 5 == 0:
                    say(f"  cases: {n + 1}/{decisions}")
            say(f"cloning {approvals:,} open cases with a pending approval each ...")
            cloned = _clone_cases(engine, real_cases[0], [f"acc-{i:05d}" for i in range(approvals)], now, say)
            refresh_statistics(engine)  # what autovacuum does soon after a bulk load on PostgreSQL
            fill_s = time.perf_counter() - fill_start

            manager = {"X-API-Key": MANAGER_KEY}
            t2 = {"X-API-Key": T2_KEY}
            cookie = app.state.sessions.issue(app.state.keys.lookup(MANAGER_KEY))
            approval_ids = [approval_id_for(c, list_approvals(engine, case_id=c)[0].step) for c in cloned[:50]]
            reads: list[tuple[str, Callable[[int], tuple[str, dict[str, str]]]]] = [
                ("inbox list (first 50)", lambda i: ("/approvals?limit=50", manager)),
                ("inbox list (all pending)", lambda i: ("/approvals", manager)),
                ("inbox list, support_t2 (mine)", lambda i: ("/approvals?mine=true", t2)),
                ("approval detail", lambda i: (f"/approvals/{approval_ids[i % len(approval_ids)]}", manager)),
                ("case 360", lambda i: (f"/cases/{cloned[(i * 37) % len(cloned)]}", manager)),
                ("account risk", lambda i: (f"/accounts/acc-{(i * 97) % accounts:05d}", manager)),
                ("accounts page", lambda i: ("/ui/accounts", {"cookie": f"{SESSION_COOKIE}={cookie}"})),
            ]

            def time_get(name: str, target: Callable[[int], tuple[str, dict[str, str]]], count: int) -> None:
                path, headers = target(0)
                client.get(path, headers=headers)  # warm caches (templates, query plans)
                timed = Timed([], [], 0)
                if profile_dir:
                    timer.profile_start()
                for i in range(count):
                    path, headers = target(i)
                    response = client.get(path, headers=headers)
                    assert response.status_code == 200, (name, path, response.status_code, response.text[:200])
                    timed.times.append(timer.last_ms)
                    timed.queries.append(timer.last_queries)
                    timed.bytes = len(response.content)
                results[name] = timed
                if profile_dir:
                    profiles[name] = timer.profile_stop()

            bare = TestClient(ServerTimer(_bare()))
            say(f"timing {len(reads)} reads x {repeats} requests, and the bare baseline ...")
            baseline = Timed([], [], 0)
            bare_timer = bare.app
            for round_ in range(2):  # the baseline before and after the reads: the machine's drift shows
                bare.get("/bare")
                for _ in range(repeats):
                    response = bare.get("/bare")
                    baseline.times.append(bare_timer.last_ms)  # type: ignore[attr-defined]
                    baseline.bytes = len(response.content)
                if round_ == 0:
                    for name, target in reads:
                        say(f"  {name}")
                        time_get(name, target, repeats if "all pending" not in name else max(5, repeats // 5))
            say(f"timing POST decision on {decisions} workflow approvals ...")
            decided = Timed([], [], 0)
            if profile_dir:
                timer.profile_start()
            for case_id in real_cases:
                (pending,) = list_approvals(engine, case_id=case_id)
                response = client.post(f"/approvals/{pending.id}/decision", json={"type": "approve"}, headers=manager)
                assert response.status_code == 200, (response.status_code, response.text[:300])
                decided.times.append(timer.last_ms)
                decided.queries.append(timer.last_queries)
                decided.bytes = len(response.content)
            results["POST decision (approve)"] = decided
            if profile_dir:
                profiles["POST decision (approve)"] = timer.profile_stop()
        engine.dispose()
    base = _summary(baseline.times)
    endpoints = {}
    for name, timed in results.items():
        s = _summary(timed.times)
        endpoints[name] = s | {"ratio_p50": round(s["p50_ms"] / base["p50_ms"], 1) if base["p50_ms"] else None,
                               "queries": _spread(timed.queries), "bytes": timed.bytes, "requests": len(timed.times)}
    if profile_dir:
        profile_dir.mkdir(parents=True, exist_ok=True)
        tag = "postgresql" if database_url else "sqlite"
        for name, text in profiles.items():
            slug = "".join(ch if ch.isalnum() else "_" for ch in name).strip("_")
            (profile_dir / f"{tag}-{slug}.txt").write_text(text, encoding="utf-8")
    reads_only = {k: v for k, v in endpoints.items() if not k.startswith("POST") and "all pending" not in k}
    return {"database": "postgresql" if database_url else "sqlite", "accounts": accounts,
            "open_approvals": approvals + decisions, "fill_seconds": round(fill_s, 1), "baseline": base,
            "endpoints": endpoints, "goal_p50_ms": GOAL_P50_MS,
            "reads_goal_met": all(v["p50_ms"] <= GOAL_P50_MS for v in reads_only.values()),
            "today": date.today().isoformat()}


@contextlib.contextmanager
def _threadpool_profiled(timer: ServerTimer) -> Iterator[None]:
    """Route FastAPI's threadpool calls (sync endpoints and dependencies) through the timer's profiler."""
    import fastapi.dependencies.utils as dependency_utils
    import fastapi.routing as routing

    originals = routing.run_in_threadpool, dependency_utils.run_in_threadpool

    async def profiled(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await originals[0](timer.in_worker(func), *args, **kwargs)

    routing.run_in_threadpool = dependency_utils.run_in_threadpool = profiled  # type: ignore[assignment]
    try:
        yield
    finally:
        routing.run_in_threadpool, dependency_utils.run_in_threadpool = originals  # type: ignore[assignment]


def _spread(values: list[int]) -> str:
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}-{high}"


def _profile_text(profilers: list[cProfile.Profile], top: int = 45) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profilers[0], stream=out)
    for more in profilers[1:]:
        stats.add(more)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def fresh_postgres(admin_url: str) -> tuple[str, Callable[[], None]]:
    """A new empty database next to `admin_url` and a function that drops it."""
    import sqlalchemy as sa

    name = f"redaccount_m18_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.rsplit("/", 1)[0] + f"/{name}", drop


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", default=None, help="PostgreSQL admin URL: run on a fresh database next to it")
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--approvals", type=int, default=1_000)
    parser.add_argument("--decisions", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--profile-dir", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write the report here")
    args = parser.parse_args()
    drop = None
    url = None
    if args.pg:
        url, drop = fresh_postgres(args.pg)
    try:
        report = run_endpoint_bench(url, args.accounts, args.approvals, args.decisions, args.repeats,
                                    profile_dir=args.profile_dir)
    finally:
        if drop:
            drop()
    print(json.dumps(report, indent=1))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
