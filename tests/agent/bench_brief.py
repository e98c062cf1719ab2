"""Brief latency over the ten realistic contexts: embedded model (1 or 2 threads) and extractive fallback.

Run: python tests/agent/bench_brief.py --threads 1 [--port 8771] [--data-dir .redaccount]
Prints one JSON line per brief and a summary line (p50/p95 seconds, sources, speed probe).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from agent.drafting import draft_brief  # noqa: E402
from agent.llm import ChatModelPort  # noqa: E402
from agent.llm_server import measure_speed, running_server  # noqa: E402
from core.settings import Settings  # noqa: E402
from tests.agent.agent_cases import case_contexts  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 3)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--port", type=int, default=8771)
    parser.add_argument("--data-dir", type=Path, default=Path(".redaccount"))
    parser.add_argument("--extractive-only", action="store_true")
    parser.add_argument("--limit", type=int, default=10, help="Only the first N contexts.")
    args = parser.parse_args()
    cases = case_contexts()[: args.limit]

    if args.extractive_only:
        settings = Settings(data_dir=args.data_dir, llm_enabled=False)
        times = []
        for _ in range(100):
            for ctx in cases:
                t = time.perf_counter()
                draft_brief(ctx, None, settings)
                times.append(time.perf_counter() - t)
        print(json.dumps({"mode": "extractive", "n": len(times), "p50_ms": round(pct(times, 0.5) * 1000, 3),
                          "p95_ms": round(pct(times, 0.95) * 1000, 3)}))
        return

    settings = Settings(data_dir=args.data_dir, llm_port=args.port, llm_threads=args.threads,
                        llm_base_url=f"http://127.0.0.1:{args.port}/v1", llm_timeout_s=600)
    with running_server(settings, show_progress=False) as server:
        speed = measure_speed(server.base_url, settings.llm_model,
                              "Explain in three sentences why a B2B customer escalates a support ticket.", 96)
        print(json.dumps({"speed_probe": speed}), flush=True)
        port = ChatModelPort.from_settings(settings)
        times, sources = [], []
        for ctx in cases:
            t = time.perf_counter()
            brief = draft_brief(ctx, port, settings)
            elapsed = time.perf_counter() - t
            times.append(elapsed)
            sources.append(brief.source)
            print(json.dumps({"account": ctx.account_id, "s": round(elapsed, 2), "source": brief.source,
                              "note": brief.note, "intent": brief.intent.text}), flush=True)
    print(json.dumps({"mode": "model", "threads": args.threads, "n": len(times), "p50_s": pct(times, 0.5),
                      "p95_s": pct(times, 0.95), "mean_s": round(statistics.mean(times), 2),
                      "model_sources": sources.count("model")}))


if __name__ == "__main__":
    main()
