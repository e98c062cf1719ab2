"""Crash campaign: SIGKILL served-app workers at random moments while cases run and approvals are decided.

The driver (this module, in the test process) seeds Red accounts, starts the pre-forked served app
(tests/scale/zygote.py) and runs three kinds of clients against it over HTTP while a killer thread
SIGKILLs a random worker every 0.4-1.6 s (and, every `group_every` kills, the supervisor and all its
workers at once, after which the server is started again):

- a case starter opening one Red case after another (POST /cases, retried until answered);
- two reviewers listing the inbox and approving every pending step (editing in the solution of an article
  draft that offers only edit/reject), racing each other (one wins, 409);
- a webhook sender posting signed deliveries of fresh events, re-sent after a lost answer.

When the kills are done it waits for the work to finish, stops the server and checks, in-process:
every event acknowledged with 202 is stored once; every approval is applied with exactly one decision
entry on its case's timeline; outbox keys are unique, one customer update per case, and every notification
reached the webhook sink (a kill between the sink's 200 and marking the row sent makes the next round post
it again with the same Idempotency-Key: counted as `notifications_redelivered`, applied once by a receiver
that honours the header);
and every case resumes from its checkpoint (CaseService.recover changes nothing, then a tick past the
FCR window moves every case on).
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
import yaml

from core.db import create_db_engine, migrate
from core.db import schema as t
from core.models import Role
from core.settings import Settings
from evals.bench_scale import SECRET, seed_red_accounts, signed_headers
from tests.scale.servers import AppServer, WebhookSink

ACTORS = {
    Role.support_t1: "Avery Chen", Role.support_t2: "Priya Raman", Role.support_t3: "Mei Tanaka",
    Role.csm: "Dana Whitfield", Role.ae: "Marco Ruiz", Role.compliance: "Grace Kim",
    Role.engineering: "Tomasz Nowak", Role.manager: "Elena Petrova", Role.admin: "Ada Admin",
}
KEYS = {role: f"crash-key-{role.value}-0123456789abcdef" for role in Role}


def person_key(name: str) -> str:
    return "crash-key-" + "".join(ch for ch in name.lower() if ch.isalnum()) + "-0123456789abcdef"


def write_keys(path: Path) -> None:
    """One key per role (ACTORS) and one per roster person, so each approval has its assignee's key."""
    from graph.roster import Roster

    entries = {KEYS[r]: {"actor": ACTORS[r], "role": r.value} for r in Role}
    entries |= {person_key(p.name): {"actor": p.name, "role": p.role.value} for p in Roster.load().people}
    path.write_text(yaml.safe_dump(entries), encoding="utf-8")


def decider_headers(request: dict[str, Any]) -> dict[str, str]:
    """The key of the person the approval is assigned to, else of its role (manager for admin steps)."""
    if request.get("assigned_to"):
        return {"X-API-Key": person_key(request["assigned_to"])}
    role = Role(request["assigned_role"])
    return {"X-API-Key": KEYS[Role.manager if role == Role.admin else role]}


def decision_for(request: dict[str, Any]) -> dict[str, Any]:
    """Approve; where approving is not allowed (an article draft whose solution no evidence supports offers
    only edit/reject), the reviewer writes the solution: an edit, which is applied like an approval."""
    if "approve" in request.get("allowed_decisions", ["approve"]):
        return {"type": "approve"}
    return {"type": "edit", "comment": "The solution is written by the reviewer.",
            "edited_payload": {"article": {"solution": "Reset the EU SSO certificate; verified with the admin."}}}


STEPS_PER_CASE = 3  # validate_brief, send_customer_update, publish_article


@dataclass
class CrashReport:
    backend: str
    workers: int
    kills: int = 0
    cases: int = 0
    approvals: int = 0
    approvals_applied: int = 0
    lost_approvals: int = 0
    decisions_acknowledged: int = 0
    conflicts_409: int = 0
    duplicate_decision_entries: int = 0
    events_accepted: int = 0
    events_missing: int = 0
    outbox_rows: int = 0
    notifications_received: int = 0
    notifications_redelivered: int = 0  # same Idempotency-Key posted again (kill between 200 and mark-sent)
    duplicate_side_effects: int = 0
    cases_resumed: int = 0
    detection_marks_swept: int = 0  # events accepted whose detection job a kill cut (folded by the sweep)
    events_folded_twice: int = 0
    events_never_folded: int = 0
    notifications_without_case: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    stuck: list[dict[str, Any]] = field(default_factory=list)  # where each case that did not resume stands

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Shared:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stop_events = threading.Event()
        self.stop_all = threading.Event()
        self.accepted: set[str] = set()
        self.acknowledged: dict[str, str] = {}
        self.conflicts = 0
        self.started: set[str] = set()
        self.errors: Counter[str] = Counter()


def _call(client: httpx.Client, shared: _Shared, method: str, url: str, **kw: Any) -> httpx.Response | None:
    try:
        return client.request(method, url, **kw)
    except httpx.HTTPError as exc:
        with shared.lock:
            shared.errors[type(exc).__name__] += 1
        time.sleep(0.05)
        return None


def _starter(base: str, accounts: list[str], shared: _Shared, pace_s: float) -> None:
    with httpx.Client(base_url=base, timeout=30, trust_env=False) as client:
        for account_id in accounts:
            while not shared.stop_all.is_set():
                r = _call(client, shared, "POST", "/cases", json={"account_id": account_id},
                          headers={"X-API-Key": KEYS[Role.manager]})
                if r is not None and r.status_code == 201:
                    with shared.lock:
                        shared.started.add(r.json()["case_id"])
                    break
            if shared.stop_events.wait(pace_s) and shared.stop_all.is_set():
                return


def _reviewer(base: str, shared: _Shared, seed: int) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=base, timeout=30, trust_env=False) as client:
        while not shared.stop_all.is_set():
            r = _call(client, shared, "GET", "/approvals", params={"status": "pending"},
                      headers={"X-API-Key": KEYS[Role.manager]})
            if r is None or r.status_code != 200:
                continue
            pending = r.json()
            rng.shuffle(pending)
            for item in pending:
                r = _call(client, shared, "POST", f"/approvals/{item['id']}/decision",
                          json=decision_for(item["request"]), headers=decider_headers(item["request"]))
                if r is None:
                    continue
                with shared.lock:
                    if r.status_code == 200:
                        if item["id"] in shared.acknowledged:
                            shared.errors["decided_twice"] += 1
                        shared.acknowledged[item["id"]] = r.json()["decided_by"]
                    elif r.status_code == 409:
                        shared.conflicts += 1
                    else:
                        shared.errors[f"decide_{r.status_code}"] += 1
            time.sleep(0.05)


def _sender(base: str, shared: _Shared, seed: int) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=base, timeout=30, trust_env=False) as client:
        while not shared.stop_events.is_set():
            batch = [{"event_id": f"crash-{uuid.uuid4().hex}", "type": "account.upserted",
                      "occurred_at": "2026-10-01T09:00:00Z",
                      "payload": {"id": f"crash-side-{rng.randrange(50)}", "name": "Side Co", "arr": 1000,
                                  "tier": "smb"}} for _ in range(rng.randint(1, 4))]
            body = json.dumps(batch).encode()
            headers = signed_headers(body)
            while not shared.stop_all.is_set():  # a lost answer: send the same delivery again
                r = _call(client, shared, "POST", "/events", content=body, headers=headers)
                if r is not None and r.status_code == 202:
                    with shared.lock:
                        shared.accepted.update(e["event_id"] for e in batch)
                    break
            time.sleep(0.02)


def _killer(server: AppServer, report: CrashReport, kills: int, group_every: int, shared: _Shared,
            seed: int) -> None:
    """Kill at random moments of real work: mostly a serving worker 0.2-1.5 s into its life, sometimes
    one still starting (recovery is a random point too), every `group_every` kills all processes."""
    rng = random.Random(seed)
    while report.kills < kills and not shared.stop_all.is_set():
        deadline = time.monotonic() + 120
        while len(server.ready_pids()) < server.workers and time.monotonic() < deadline:
            if rng.random() < 0.15 and server.worker_pids():
                break  # kill one that is still starting or recovering
            time.sleep(0.05)
        time.sleep(rng.uniform(0.2, 1.5))
        if group_every and report.kills and report.kills % group_every == 0:
            report.kills += server.kill_all()
            server.start()
            continue
        pids = server.worker_pids()
        if pids and server.kill_worker(rng.choice(pids)):
            report.kills += 1


def _settings(db_url: str, data_dir: Path, chroma_url: str | None) -> Settings:
    return Settings(data_dir=data_dir, database_url=db_url, llm_enabled=False, chroma_url=chroma_url,
                    webhook_secret=SECRET, api_keys_file=data_dir / "keys.yaml")


def _wait_done(engine: sa.Engine, cases: int, timeout: float) -> str | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as c:
            applied = c.execute(sa.select(sa.func.count()).select_from(t.approvals)
                                .where(t.approvals.c.status == "applied")).scalar_one()
            deliveries = c.execute(sa.select(sa.func.count()).select_from(t.event_deliveries)).scalar_one()
            unsent = c.execute(sa.select(sa.func.count()).select_from(t.outbox).where(
                t.outbox.c.sent_at.is_(None), t.outbox.c.kind != "customer_update")).scalar_one()
        if applied >= cases * STEPS_PER_CASE and deliveries == 0 and unsent == 0:
            return None
        time.sleep(0.5)
    return f"work not finished after {timeout} s: applied {applied}/{cases * STEPS_PER_CASE}, " \
           f"deliveries left {deliveries}, unsent notifications {unsent}"


def run_crash_campaign(db_url: str, workdir: Path, *, kills: int, workers: int = 1, cases: int | None = None,
                       chroma_url: str | None = None, group_every: int = 25, seed: int = 7,
                       finish_timeout: float = 240.0) -> CrashReport:
    """Run one campaign on db_url (SQLite file or PostgreSQL) and check every invariant; see the module doc."""
    started_at = time.monotonic()
    backend = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    report = CrashReport(backend=backend, workers=workers)
    data_dir = workdir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    write_keys(data_dir / "keys.yaml")
    engine = create_db_engine(db_url)
    migrate(engine)
    n_cases = cases or max(4, kills // 2)
    accounts = seed_red_accounts(engine, n_cases, prefix="crash")
    if chroma_url:
        from knowledge.base import ChromaKnowledgeBase
        from knowledge.seed import seed_runbooks

        seed_runbooks(ChromaKnowledgeBase.from_settings(_settings(db_url, data_dir, chroma_url)))

    shared = _Shared()
    with WebhookSink() as sink:
        env = {"REDACCOUNT_DATA_DIR": str(data_dir), "REDACCOUNT_DATABASE_URL": db_url,
               "REDACCOUNT_LLM_ENABLED": "false", "REDACCOUNT_WEBHOOK_SECRET": SECRET,
               "REDACCOUNT_API_KEYS_FILE": str(data_dir / "keys.yaml"),
               "REDACCOUNT_NOTIFY_URLS": json.dumps([sink.url]), "ANONYMIZED_TELEMETRY": "False"}
        if chroma_url:
            env["REDACCOUNT_CHROMA_URL"] = chroma_url
        server = AppServer(env, workers, workdir)
        server.start()
        try:
            expected_s = kills * 1.0 + 5
            threads = [
                threading.Thread(target=_starter, args=(server.url, accounts, shared, expected_s / n_cases)),
                threading.Thread(target=_reviewer, args=(server.url, shared, seed + 1)),
                threading.Thread(target=_reviewer, args=(server.url, shared, seed + 2)),
                threading.Thread(target=_sender, args=(server.url, shared, seed + 3)),
            ]
            for thread in threads:
                thread.start()
            killer = threading.Thread(target=_killer, args=(server, report, kills, group_every, shared, seed))
            killer.start()
            killer.join()
            shared.stop_events.set()
            if server.proc is None or server.proc.poll() is not None:
                server.start()
            threads[0].join(finish_timeout)  # every case started
            problem = _wait_done(engine, n_cases, finish_timeout)
            if problem:
                report.problems.append(problem)
            shared.stop_all.set()
            for thread in threads:
                thread.join(60)
        finally:
            shared.stop_all.set()
            server.stop()
        received = sink.counts()

    _check(engine, _settings(db_url, data_dir, chroma_url), report, shared, received, n_cases)
    engine.dispose()
    report.seconds = round(time.monotonic() - started_at, 1)
    return report


def _check(engine: sa.Engine, settings: Settings, report: CrashReport, shared: _Shared,
           received: Counter[str], n_cases: int) -> None:
    from graph.runtime import build_runtime
    from knowledge.fake import FakeKnowledgeBase
    from rules.detect import latest_assessment

    with engine.connect() as c:
        cases = c.execute(sa.select(t.escalations.c.id, t.escalations.c.account_id)).all()
        approvals = c.execute(sa.select(t.approvals)).all()
        decisions = c.execute(sa.select(t.timeline.c.escalation_id, t.timeline.c.payload)
                              .where(t.timeline.c.kind == "decision")).all()
        stored = set(c.scalars(sa.select(t.events.c.event_id).where(t.events.c.event_id.like("crash-%"))))
        outbox = c.execute(sa.select(t.outbox.c.idem_key, t.outbox.c.kind, t.outbox.c.escalation_id,
                                     t.outbox.c.sent_at)).all()
        failed = c.execute(sa.select(sa.func.count()).select_from(t.event_deliveries)).scalar_one()

    report.cases = len(cases)
    if len(cases) != n_cases or len({a for _, a in cases}) != len(cases):
        report.problems.append(f"{len(cases)} cases for {n_cases} accounts")
    report.approvals = len(approvals)
    report.approvals_applied = sum(a.status == "applied" for a in approvals)
    per_step = Counter((case_id, payload.get("step")) for case_id, payload in decisions)
    report.duplicate_decision_entries = sum(n - 1 for n in per_step.values() if n > 1)
    lost = [a.id for a in approvals if a.status != "applied" or per_step[(a.escalation_id, a.step)] != 1]
    lost += [a for a in shared.acknowledged if a not in {x.id for x in approvals if x.status == "applied"}]
    report.lost_approvals = len(set(lost)) + max(0, n_cases * STEPS_PER_CASE - len(approvals))
    report.decisions_acknowledged = len(shared.acknowledged)
    report.conflicts_409 = shared.conflicts
    other = {k: v for k, v in shared.errors.items() if k.startswith("decide_")}
    if other:
        report.problems.append(f"unexpected decision answers: {other}")
    if shared.errors.get("decided_twice"):
        report.problems.append(f"{shared.errors['decided_twice']} approvals answered 200 twice")

    report.events_accepted = len(shared.accepted)
    report.events_missing = len(shared.accepted - stored)
    if failed:
        report.problems.append(f"{failed} deliveries left pending or failed")

    report.outbox_rows = len(outbox)
    outbound_keys = Counter(key for key, *_ in outbox)
    updates = Counter(case for _, kind, case, _ in outbox if kind == "customer_update")
    duplicated_updates = sum(n - 1 for n in updates.values() if n > 1)
    notify_keys = {key for key, kind, _, _ in outbox if kind.startswith("notify.")}
    report.notifications_received = sum(received.values())
    repeated = sum(n - 1 for n in received.values() if n > 1)
    never = len(notify_keys - set(received))
    if never:
        report.problems.append(f"{never} notifications never delivered")
    # A receiver honouring Idempotency-Key applies each key once; raw repeats are reported on their own.
    report.notifications_redelivered = repeated
    report.duplicate_side_effects = (sum(n - 1 for n in outbound_keys.values() if n > 1) + duplicated_updates
                                     + report.duplicate_decision_entries)

    _check_detection(engine, settings, report, {case_id for case_id, _ in cases}, outbox)

    # Every case resumes from its checkpoint: recovery finds nothing left to apply, and a tick past the
    # FCR window moves every paused case on.
    later = datetime.now(UTC) + timedelta(hours=49)
    with build_runtime(settings, engine, knowledge=FakeKnowledgeBase(), model=None, clock=lambda: later,
                       assess=lambda account_id: latest_assessment(engine, account_id)) as runtime:
        service = runtime.service
        recovered = service.recover()
        if any(recovered.values()):
            report.problems.append(f"recovery still had work after the campaign: {recovered}")
        waiting = [case_id for case_id, _ in cases
                   if (service.pending_interrupt(case_id) or {}).get("kind") == "timer"]
        resumed = set(service.tick())
        report.cases_resumed = len(resumed & set(waiting))
        if report.cases_resumed != len(cases):
            report.problems.append(f"{len(cases) - report.cases_resumed} cases did not resume from their checkpoint")
            for case_id, _ in cases:
                if case_id not in resumed:
                    report.stuck.append(_where(service, case_id, approvals))


def _check_detection(engine: sa.Engine, settings: Settings, report: CrashReport, case_ids: set[str],
                     outbox: list[Any]) -> None:
    """Live detection ran in the killed workers: every accepted event is folded once into its window (the
    marks a kill left are folded by a sweep now), and no notification exists without its case."""
    from agent.sentiment import load_sentiment_model
    from core.events import account_of
    from core.store.detection import pending_count, stale_window_count
    from product.root import escalation_meaning
    from rules.detect import Detection
    from rules.engine import engine_for

    report.detection_marks_swept = pending_count(engine)
    # The served product's detection (its reader, rules, meaning): windows under another digest would be
    # forgotten and every event folded again here, which would hide a double or a missing fold.
    detection = Detection.from_settings(settings, load_sentiment_model(settings), engine_for(),
                                        meaning=escalation_meaning(settings))
    if stale := stale_window_count(engine, detection.digest):
        report.problems.append(f"{stale} detection windows built under another configuration than the product's")
    detection.assess_all(engine)
    with engine.connect() as c:
        rows = c.execute(sa.select(t.events.c.event_id, t.events.c.type, t.events.c.occurred_at, t.events.c.source,
                                   t.events.c.payload)).all()
        windows = dict(c.execute(sa.select(t.signal_windows.c.account_id, t.signal_windows.c.events)).all())
    from core.events import EVENT_ADAPTER

    per_account = Counter(account_of(EVENT_ADAPTER.validate_python(
        {"event_id": r.event_id, "type": r.type, "occurred_at": r.occurred_at, "source": r.source,
         "payload": r.payload})) for r in rows)
    report.events_folded_twice = sum(max(0, windows.get(a, 0) - n) for a, n in per_account.items())
    report.events_never_folded = sum(max(0, n - windows.get(a, 0)) for a, n in per_account.items())
    report.notifications_without_case = sum(1 for _, kind, case, _ in outbox
                                            if kind == "notification" and case not in case_ids)
    for name in ("events_folded_twice", "events_never_folded", "notifications_without_case"):
        if getattr(report, name):
            report.problems.append(f"{name}: {getattr(report, name)}")


def _where(service: Any, case_id: str, approvals: list[Any]) -> dict[str, Any]:
    """What a case that did not resume looks like: its approvals, its thread's next nodes and pending pause."""
    snapshot = service.graph.get_state(service._config(case_id))
    values = snapshot.values or {}
    return {"case": case_id,
            "approvals": [(a.step, a.status) for a in approvals if a.escalation_id == case_id],
            "next": list(snapshot.next), "pending": service.pending_interrupt(case_id),
            "errors": [str(task.error) for task in snapshot.tasks if task.error],
            "history": [(c.metadata.get("step"), c.metadata.get("source"), list(c.next),
                         sorted((c.metadata.get("writes") or {}).keys()), c.config["configurable"]["checkpoint_id"][-8:],
                         (c.parent_config or {}).get("configurable", {}).get("checkpoint_id", "")[-8:])
                        for c in service.graph.get_state_history(service._config(case_id))],
            "state": {k: values.get(k) for k in ("phase", "round", "attempt", "fcr", "watch_until", "resolved_at",
                                                  "outcome")}}
