"""The accounts page at scale: server time of its first page over 10,000 accounts, against a bare endpoint.

Method: a fresh database (SQLite file, or the PostgreSQL URL given) is migrated and filled with N
accounts (tiers, owners, renewal dates spread out) and K assessments each, with realistic bodies. The
real app renders `/ui/accounts` in-process (ASGI, no network) for a logged-in manager; each request is
timed around the full handler (query, redaction, sparklines, template). The baseline is a bare FastAPI
endpoint returning a fixed HTML page of the same size, timed the same way in the same run. The store
query alone is timed too, and the page with each filter. Reported: median and p95 in ms, and the ratio
baseline/ours (higher is better; 1.0 would be "as fast as doing nothing").
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient

from core.db import open_database
from core.ingest import ingest_objects
from core.settings import Settings
from core.store.book import BookFilter, read_book, record_assessments

GOAL_MS = 300.0
OWNERS = ["Dana Whitfield", "Omar Haddad", "Lena Fischer", "Sam Okafor", "Ines Duarte", "Kenji Mori"]
TIERS = ["enterprise", "mid_market", "smb"]
KEY = "bench-accounts-manager-key-0123456789"


def _accounts(n: int, rng: random.Random, start: datetime) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        renewal = (start.date() + timedelta(days=rng.randint(1, 540))).isoformat()
        out.append({"event_id": f"bench-acc-{i}", "type": "account.upserted",
                    "occurred_at": start.isoformat().replace("+00:00", "Z"),
                    "payload": {"id": f"acc-{i:05d}", "name": f"Account {i:05d} {rng.choice(['Logistics', 'Foods', 'Labs', 'Bank'])}",
                                "arr": float(rng.randint(5, 900) * 1000), "tier": rng.choice(TIERS),
                                "renewal_date": renewal, "csm": rng.choice(OWNERS), "ae": "Marco Ruiz"}})
    return out


def _assessment(account_id: str, at: datetime, rng: random.Random) -> dict[str, Any]:
    weights = [rng.choice([0, 10, 20, 30, 40]) for _ in range(3)]
    kinds = ["negative_sentiment", "sla_breach", "usage_drop"]
    signals = [{"kind": k, "value": 1.0, "weight": float(w), "confidence": 0.8, "rule_id": f"TRG-{k.upper()}",
                "cause": "suspected", "detail": f"{k.replace('_', ' ')} seen this week",
                "evidence": [{"record_type": "message", "record_id": f"m-{account_id}", "quote": "we are unhappy",
                              "span": None, "at": at.isoformat()}]} for k, w in zip(kinds, weights, strict=True) if w]
    score = float(min(100, sum(weights)))
    band = "red" if score >= 70 else "amber" if score >= 40 else "green"
    body = {"account_id": account_id, "score": score, "band": band, "confidence": 0.8, "needs_review": False,
            "signals": signals, "context": {}, "triggered_rules": [], "facts": {}, "ruleset_version": "bench",
            "assessed_at": at.isoformat()}
    return {"account_id": account_id, "score": score, "band": band, "confidence": 0.8, "needs_review": False,
            "ruleset_version": "bench", "assessed_at": at, "body": body}


def _timed(client: TestClient, path: str, repeats: int) -> list[float]:
    client.get(path)  # warm caches (templates, query plans)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return times


def _summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"median_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2)}


def _bare(html: str) -> FastAPI:
    app = FastAPI()

    @app.get("/bare")
    def bare() -> HTMLResponse:
        return HTMLResponse(html)

    return app


def run_accounts_bench(accounts: int = 10_000, per_account: int = 5, repeats: int = 30,
                       database_url: str | None = None, seed: int = 15) -> dict[str, Any]:
    """Fill, then time the page, its filters, the store query and the bare baseline (see module doc)."""
    from api.app import create_app
    from api.auth import SESSION_COOKIE

    rng = random.Random(seed)
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="bench-accounts-") as tmp:
        keys = Path(tmp) / "keys.yaml"
        keys.write_text(yaml.safe_dump({KEY: {"actor": "Bench Manager", "role": "manager"}}), encoding="utf-8")
        settings = Settings(data_dir=Path(tmp) / "data", database_url=database_url, llm_enabled=False,
                            allow_unsigned_events=True, api_keys_file=keys)
        engine = open_database(settings)
        fill_start = time.perf_counter()
        events = _accounts(accounts, rng, now)
        for i in range(0, len(events), 2000):
            ingest_objects(engine, events[i:i + 2000], source="bench")
        rows = [_assessment(f"acc-{i:05d}", now - timedelta(days=15 * k + rng.randint(0, 10)), rng)
                for i in range(accounts) for k in range(per_account - 1, -1, -1)]
        for i in range(0, len(rows), 5000):
            record_assessments(engine, rows[i:i + 5000])
        fill_s = time.perf_counter() - fill_start

        store_times = []
        for _ in range(repeats):
            start = time.perf_counter()
            read_book(engine, BookFilter(per_page=25))
            store_times.append((time.perf_counter() - start) * 1000)

        app = create_app(settings)
        with TestClient(app) as client:
            client.cookies.set(SESSION_COOKIE, app.state.sessions.issue(app.state.keys.lookup(KEY)))
            first_page = client.get("/ui/accounts").text
            ours = _timed(client, "/ui/accounts", repeats)
            filters = {name: _summary(_timed(client, f"/ui/accounts?{query}", max(5, repeats // 3)))
                       for name, query in (("band=red", "band=red"), ("tier=smb", "tier=smb"),
                                           ("owner", "owner=Omar+Haddad"), ("renewal<=90d", "renewal_days=90"),
                                           ("search", "q=0042"), ("page 200", "page=200"))}
        with TestClient(_bare(first_page)) as bare_client:
            baseline = _timed(bare_client, "/bare", repeats)
        engine.dispose()
    page, base = _summary(ours), _summary(baseline)
    return {"accounts": accounts, "assessments": accounts * per_account,
            "database": "postgresql" if database_url else "sqlite", "fill_seconds": round(fill_s, 1),
            "page": page, "store_query": _summary(store_times), "filters": filters, "baseline": base,
            "ratio": round(base["median_ms"] / page["median_ms"], 3) if page["median_ms"] else None,
            "goal_ms": GOAL_MS, "goal_met": page["p95_ms"] <= GOAL_MS and
            all(f["p95_ms"] <= GOAL_MS for f in filters.values()), "today": date.today().isoformat()}
