"""Concurrency on PostgreSQL: racing reviewers over HTTP against `redaccount serve --workers 2`,
overlapping ingest, replays seen by another worker, and one periodic job at a time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from core.db import create_db_engine, migrate
from core.db import schema as t
from core.db.locks import NamedLocks
from core.ingest import ingest_objects
from evals.bench_scale import SECRET, seed_red_accounts, signed_headers
from tests.scale.crash import KEYS, decider_headers, write_keys
from tests.scale.servers import ROOT, ChromaServer, free_port, stop_process, wait_http

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(600)]


@dataclass
class Served:
    url: str
    engine: sa.Engine
    accounts: list[str]


@pytest.fixture(scope="module")
def served(pg_admin: sa.Engine, tmp_path_factory: pytest.TempPathFactory,
           chroma_server: ChromaServer) -> Iterator[Served]:
    """A fresh database, 8 seeded Red accounts and `redaccount serve --workers 2` on it (real uvicorn)."""
    import uuid

    from tests.conftest import PG_ADMIN_URL

    name = f"redaccount_t_{uuid.uuid4().hex[:10]}"
    with pg_admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    tmp = tmp_path_factory.mktemp("served")
    engine = create_db_engine(url)
    migrate(engine)
    accounts = seed_red_accounts(engine, 8, prefix="conc")
    write_keys(tmp / "keys.yaml")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDACCOUNT_")} | {
        "REDACCOUNT_DATA_DIR": str(tmp), "REDACCOUNT_DATABASE_URL": url, "REDACCOUNT_LLM_ENABLED": "false",
        "REDACCOUNT_WEBHOOK_SECRET": SECRET, "REDACCOUNT_API_KEYS_FILE": str(tmp / "keys.yaml"),
        "REDACCOUNT_CHROMA_URL": chroma_server.url, "ANONYMIZED_TELEMETRY": "False"}
    cli = str(Path(sys.executable).parent / "redaccount")
    with open(tmp / "server.log", "ab") as log:
        proc = subprocess.Popen([cli, "serve", "--port", str(port), "--workers", "2"], env=env, cwd=ROOT,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_http(f"http://127.0.0.1:{port}/readyz", timeout=180, proc=proc)
        yield Served(f"http://127.0.0.1:{port}", engine, accounts)
    finally:
        stop_process(proc)
        engine.dispose()
        with pg_admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _manager() -> dict[str, str]:
    from core.models import Role

    return {"X-API-Key": KEYS[Role.manager]}


def _race(url: str, approval_id: str, headers: list[dict[str, str]]) -> list[int]:
    barrier = threading.Barrier(len(headers))

    def one(h: dict[str, str]) -> int:
        with httpx.Client(base_url=url, timeout=60, trust_env=False) as client:
            client.get("/healthz")  # open the connection first, so both posts leave together
            barrier.wait()
            return client.post(f"/approvals/{approval_id}/decision", json={"type": "approve"}, headers=h).status_code

    with ThreadPoolExecutor(len(headers)) as pool:
        return sorted(pool.map(one, headers))


def test_two_reviewers_deciding_the_same_approval_one_wins_the_other_gets_409(served: Served) -> None:
    with httpx.Client(base_url=served.url, timeout=60, trust_env=False) as client:
        for account_id in served.accounts[:4]:
            case_id = client.post("/cases", json={"account_id": account_id}, headers=_manager()).json()["case_id"]
            (pending,) = client.get("/approvals", params={"case_id": case_id}, headers=_manager()).json()
            # The assignee and a manager (who may override) press "approve" at the same moment.
            statuses = _race(served.url, pending["id"], [decider_headers(pending["request"]), _manager()])
            assert statuses == [200, 409], statuses
            with served.engine.connect() as c:
                decisions = c.execute(sa.select(sa.func.count()).select_from(t.timeline).where(
                    t.timeline.c.escalation_id == case_id, t.timeline.c.kind == "decision")).scalar_one()
                status = c.execute(sa.select(t.approvals.c.status).where(t.approvals.c.id == pending["id"])).scalar()
            assert decisions == 1 and status == "applied"
            following = client.get("/approvals", params={"case_id": case_id}, headers=_manager()).json()
            assert [a["request"]["action"] for a in following] == ["send_customer_update"]


def test_the_same_case_started_by_two_workers_at_once_opens_one_case(served: Served) -> None:
    account_id = served.accounts[-1]
    barrier = threading.Barrier(4)

    def start(_: int) -> str:
        with httpx.Client(base_url=served.url, timeout=60, trust_env=False) as client:
            client.get("/healthz")
            barrier.wait()
            response = client.post("/cases", json={"account_id": account_id}, headers=_manager())
            assert response.status_code == 201, response.text
            return response.json()["case_id"]

    with ThreadPoolExecutor(4) as pool:
        assert len(set(pool.map(start, range(4)))) == 1
    with served.engine.connect() as c:
        opened = c.execute(sa.select(sa.func.count()).select_from(t.escalations)
                           .where(t.escalations.c.account_id == account_id)).scalar_one()
        approvals = c.execute(sa.select(sa.func.count()).select_from(t.approvals).join(
            t.escalations, t.escalations.c.id == t.approvals.c.escalation_id)
            .where(t.escalations.c.account_id == account_id)).scalar_one()
    assert opened == 1 and approvals == 1


def _overlapping_batches(rounds: int, width: int, overlap: int) -> list[list[dict]]:
    batches = []
    for r in range(rounds):
        ids = range(r * (width - overlap), r * (width - overlap) + width)
        batches.append([
            {"event_id": f"ovl-{i}", "type": "message.created", "occurred_at": "2026-10-01T10:00:00Z",
             "payload": {"id": f"ovl-m-{i}", "ticket_id": "conc-t-0", "account_id": "conc-acc-0",
                         "author_side": "customer", "text": f"Follow-up number {i}",
                         "created_at": "2026-10-01T10:00:00Z"}} for i in ids])
    return batches


def test_concurrent_overlapping_ingest_stores_each_event_once(served: Served) -> None:
    batches = _overlapping_batches(rounds=12, width=40, overlap=25)
    expected = {e["event_id"] for b in batches for e in b}

    def post(batch: list[dict]) -> int:
        body = json.dumps(batch).encode()
        with httpx.Client(base_url=served.url, timeout=60, trust_env=False) as client:
            return client.post("/events", content=body, headers=signed_headers(body)).status_code

    def direct(batch: list[dict]) -> int:
        return ingest_objects(served.engine, list(reversed(batch))).inserted  # another lock order

    with ThreadPoolExecutor(8) as pool:
        posted = list(pool.map(post, batches * 2))
        inserted = sum(pool.map(direct, batches))
    assert set(posted) == {202}
    _wait_applied(served.engine, expected)
    with served.engine.connect() as c:
        events = c.execute(sa.select(t.events.c.event_id).where(t.events.c.event_id.like("ovl-%"))).scalars().all()
        messages = c.execute(sa.select(sa.func.count()).select_from(t.messages)
                             .where(t.messages.c.id.like("ovl-m-%"))).scalar_one()
        failed = c.execute(sa.select(sa.func.count()).select_from(t.event_deliveries)).scalar_one()
    assert sorted(events) == sorted(expected) and messages == len(expected)
    assert failed == 0 and inserted <= len(expected)


def _wait_applied(engine: sa.Engine, expected: set[str], timeout: float = 60) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as c:
            pending = c.execute(sa.select(sa.func.count()).select_from(t.event_deliveries)).scalar_one()
            stored = c.execute(sa.select(sa.func.count()).select_from(t.events)
                               .where(t.events.c.event_id.in_(expected))).scalar_one()
        if pending == 0 and stored == len(expected):
            return
        time.sleep(0.2)


def test_a_replayed_delivery_is_refused_whichever_worker_receives_it(served: Served) -> None:
    body = json.dumps([{"event_id": "replay-1", "type": "account.upserted", "occurred_at": "2026-10-01T09:00:00Z",
                        "payload": {"id": "replay-acc", "name": "Replay Co", "arr": 1, "tier": "smb"}}]).encode()
    headers = signed_headers(body)

    def post(_: int) -> dict:
        with httpx.Client(base_url=served.url, timeout=60, trust_env=False) as client:
            return client.post("/events", content=body, headers=headers).json()

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(post, range(16)))
    assert sum(a["delivery_id"] is not None for a in answers) == 1
    assert sum(a["duplicate_delivery"] for a in answers) == 15


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_named_locks_let_one_holder_in(backend: str, tmp_path: Path, pg_url: str) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}" if backend == "sqlite" else pg_url
    engine = create_db_engine(url)
    first, second = NamedLocks(engine), NamedLocks(engine)
    with first.hold("workflow:periodic", wait=False) as got:
        assert got
        with second.hold("workflow:periodic", wait=False) as also:
            assert not also
        with second.hold("case:other", wait=False) as other:
            assert other
    with second.hold("workflow:periodic", wait=False) as again:
        assert again
    first.dispose()
    second.dispose()
    engine.dispose()
