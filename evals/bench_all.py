"""`redaccount bench` (all): detection, graph, knowledge and HTTP benchmarks in one report, each with its
ratio against a baseline measured in the same run. The default is bounded (a couple of minutes on a
shared 2-core machine); `BenchConfig.long()` gives the full-size runs.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class BenchConfig:
    detection_accounts: int = 40
    detection_sizes: tuple[int, ...] = (10_000, 50_000)
    detection_next: int = 1_000
    graph_cycles: int = 20
    knowledge_extra_docs: int = 200
    http_seconds: float = 5.0
    http_connections: int = 16
    open_cases: int = 20
    accounts: int = 10_000
    only: tuple[str, ...] = ("detection", "graph", "knowledge", "http", "open", "accounts")

    @classmethod
    def long(cls) -> BenchConfig:
        return cls(detection_accounts=200, detection_sizes=(10_000, 100_000, 1_000_000), detection_next=5_000,
                   graph_cycles=100, knowledge_extra_docs=2_000, http_seconds=10.0, http_connections=64)


def run_all(cfg: BenchConfig, sentiment: Any = None, settings: Any = None) -> dict[str, Any]:
    """Each benchmark's figures, its baseline, and the ratio; a failing benchmark is reported, not raised."""
    out: dict[str, Any] = {"config": asdict(cfg), "results": {}}
    for name in cfg.only:
        start = time.perf_counter()
        try:
            out["results"][name] = _RUNNERS[name](cfg, sentiment, settings)
        except Exception as exc:  # noqa: BLE001 - one broken benchmark must not hide the others
            out["results"][name] = {"error": f"{type(exc).__name__}: {exc}"}
        out["results"][name]["seconds"] = round(time.perf_counter() - start, 1)
    return out


def _detection(cfg: BenchConfig, sentiment: Any, settings: Any) -> dict[str, Any]:
    from evals.bench_detection import run_detection_bench

    r = run_detection_bench(cfg.detection_accounts, 11, cfg.detection_sizes, cfg.detection_next, sentiment, settings)
    return {"measure": "end-to-end events/s (ingest SQLite + detect + rules)",
            "value": round(r.end_to_end_events_per_s, 1),
            "baseline": "durable-rules assert+retract ceiling, facts/s", "baseline_value": round(r.ceiling_facts_per_s, 1),
            "ratio": round(r.ratio_to_ceiling, 3), "flatness": round(r.flatness, 3),
            "marginal_us": {str(k): round(v, 1) for k, v in r.marginal_us.items()}, "lines": r.lines()}


def _graph(cfg: BenchConfig, sentiment: Any, settings: Any) -> dict[str, Any]:
    from evals.bench_graph import run_graph_bench

    r = run_graph_bench(cfg.graph_cycles)
    return {"measure": "case graph run+resume cycles/s", "value": r.real_cycles_per_s,
            "baseline": "bare one-node LangGraph graph (interrupt + resume), cycles/s",
            "baseline_value": r.bare_cycles_per_s, "ratio": round(r.ratio, 3)}


def _knowledge(cfg: BenchConfig, sentiment: Any, settings: Any) -> dict[str, Any]:
    from evals.bench_knowledge import run_knowledge_bench

    r = run_knowledge_bench(cfg.knowledge_extra_docs)
    # Higher is better for every ratio in this report, so the knowledge ratio is numpy time / Chroma time.
    ratio = round(r["numpy_bruteforce_ms"] / r["chroma_query_ms"], 3) if r["chroma_query_ms"] else None
    return {"measure": "Chroma query latency, ms (precomputed query vectors)", "value": r["chroma_query_ms"],
            "baseline": "numpy brute-force cosine on the same vectors, ms", "baseline_value": r["numpy_bruteforce_ms"],
            "ratio": ratio, **r}


def _http(cfg: BenchConfig, sentiment: Any, settings: Any) -> dict[str, Any]:
    from evals.bench_http import run_http_bench

    r = run_http_bench(connections=cfg.http_connections, duration_s=cfg.http_seconds, warmup_s=1.0)
    return {"measure": "POST /events requests/s (signed, stored)", "value": r["redaccount"]["rps"],
            "baseline": "bare FastAPI echo app, requests/s", "baseline_value": r["echo"]["rps"],
            "ratio": r["ratio"], "p99_ms": r["redaccount"]["p99_ms"], "goals": r["goals"], "ingest": r["ingest"]}


def _open(cfg: BenchConfig, sentiment: Any, settings: Any) -> dict[str, Any]:
    from evals.bench_open import run_open_bench

    r = run_open_bench(cfg.open_cases)
    return {"measure": "case open -> approvable brief, p50 ms, with a model taking 2 s per call configured",
            "value": r["p50_ms"], "baseline": "the same with no model, p50 ms", "baseline_value": r["baseline_p50_ms"],
            "ratio": r["ratio_to_baseline"], "p95_ms": r["p95_ms"],
            "model_calls_while_opening": r["model_calls_while_opening"]}




def _accounts(cfg: BenchConfig, sentiment: Any, settings: Any) -> dict[str, Any]:
    from evals.bench_accounts import run_accounts_bench

    r = run_accounts_bench(cfg.accounts, repeats=20)
    return {"measure": f"GET /ui/accounts first page over {r['accounts']:,} accounts, median ms",
            "value": r["page"]["median_ms"], "baseline": "bare FastAPI endpoint returning the same HTML, median ms",
            "baseline_value": r["baseline"]["median_ms"], "ratio": r["ratio"], "p95_ms": r["page"]["p95_ms"],
            "goal_ms": r["goal_ms"], "goal_met": r["goal_met"], "filters": r["filters"]}


_RUNNERS = {"detection": _detection, "graph": _graph, "knowledge": _knowledge, "http": _http, "open": _open,
            "accounts": _accounts}
