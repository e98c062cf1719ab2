"""`redaccount bench accounts` runs end to end (small here; the figures come from the real run, not a test)."""

from __future__ import annotations

from evals.bench_accounts import run_accounts_bench


def test_accounts_bench_reports_page_filters_store_and_baseline() -> None:
    r = run_accounts_bench(accounts=200, per_account=2, repeats=5)
    assert r["accounts"] == 200 and r["assessments"] == 400 and r["database"] == "sqlite"
    for part in ("page", "store_query", "baseline"):
        assert r[part]["median_ms"] > 0 and r[part]["p95_ms"] >= r[part]["median_ms"]
    assert set(r["filters"]) == {"band=red", "tier=smb", "owner", "renewal<=90d", "search", "page 200"}
    assert r["ratio"] == round(r["baseline"]["median_ms"] / r["page"]["median_ms"], 3)
