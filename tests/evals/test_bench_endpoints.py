"""The per-endpoint benchmark runs end to end on a small seeded store (the published figures come from
`redaccount bench endpoints` at 10,000 accounts / 1,000 open approvals)."""

from __future__ import annotations

from evals.bench_endpoints import run_endpoint_bench


def test_endpoint_bench_times_every_endpoint_against_the_bare_baseline() -> None:
    report = run_endpoint_bench(None, accounts=120, approvals=12, decisions=2, repeats=3, say=lambda _: None)
    assert report["open_approvals"] == 14 and report["baseline"]["p50_ms"] > 0
    expected = {"inbox list (first 50)", "inbox list (all pending)", "inbox list, support_t2 (mine)",
                "approval detail", "case 360", "account risk", "accounts page", "POST decision (approve)"}
    assert set(report["endpoints"]) == expected
    for name, e in report["endpoints"].items():
        assert e["p95_ms"] >= e["p50_ms"] > 0 and e["ratio_p50"] > 0, name
        assert e["bytes"] > 0 and e["queries"] != "0", name
    assert report["endpoints"]["inbox list (first 50)"]["queries"] == "1"  # one statement, however many rows
