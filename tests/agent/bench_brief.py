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
from agent.outputs import BRIEF_FIELDS  # noqa: E402
from core.settings import Settings  # noqa: E402
from tests.agent.agent_cases import case_contexts  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 3)


def model_fields_kept(brief) -> int:  # type: ignore[no-untyped-def]
    """How many of the five statements are the model's own after the grounding checks (the quality measure).

    The drafter names every field that fell back in `note` ("intent: extractive (...)").
    """
    if brief.source != "model":
        return 0
    note = brief.note or ""
    return sum(1 for name in BRIEF_FIELDS if f"{name}: extractive" not in note)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--embedded", choices=("1.5b", "0.5b"), default="1.5b",
                        help="Which embedded model to serve (0.5b needs `pip install '.[llm-small]'`).")
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
                        llm_embedded=args.embedded, llm_model=f"qwen2.5-coder-{args.embedded}-instruct",
                        llm_base_url=f"http://127.0.0.1:{args.port}/v1", llm_timeout_s=600)
    with running_server(settings, show_progress=False) as server:
        speed = measure_speed(server.base_url, settings.llm_model,
                              "Explain in three sentences why a B2B customer escalates a support ticket.", 96)
        print(json.dumps({"speed_probe": speed}), flush=True)
        port = ChatModelPort.from_settings(settings)
        times, sources, kept = [], [], []
        for ctx in cases:
            t = time.perf_counter()
            brief = draft_brief(ctx, port, settings)
            elapsed = time.perf_counter() - t
            times.append(elapsed)
            sources.append(brief.source)
            kept.append(model_fields_kept(brief))
            print(json.dumps({"account": ctx.account_id, "s": round(elapsed, 2), "source": brief.source,
                              "model_fields_kept": kept[-1],
                              "note": brief.note, "intent": brief.intent.text}), flush=True)
    print(json.dumps({"mode": "model", "embedded": args.embedded, "threads": args.threads, "n": len(times),
                      "p50_s": pct(times, 0.5), "p95_s": pct(times, 0.95), "mean_s": round(statistics.mean(times), 2),
                      "model_sources": sources.count("model"), "model_fields_kept": sum(kept),
                      "fields_kept_per_minute": round(60 * sum(kept) / sum(times), 2)}))


if __name__ == "__main__":
    main()
