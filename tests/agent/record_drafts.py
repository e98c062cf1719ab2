"""Record the four drafts of each agent case from the embedded model as vcrpy cassettes, and measure them.

Needs the embedded server on the default port: `redaccount llm serve` (or REDACCOUNT_LLM_* defaults).
Run: python tests/agent/record_drafts.py [--limit 10] [--report artifacts/drafts-bench.json]
Per draft: wall seconds, prompt tokens evaluated and reused from the cache, time to first token
(llama.cpp's prompt time plus one decode step, from the response's own `timings`), decode tokens/s.
Cassettes are rewritten (record mode "all"); tests/agent/test_cassettes.py replays them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import vcr  # noqa: E402

from agent.drafting import draft_brief, draft_customer_update, extract_knowledge, propose_next_actions  # noqa: E402
from agent.llm import ChatModelPort  # noqa: E402
from core.settings import Settings  # noqa: E402
from tests.agent.agent_cases import case_contexts, resolution_for, update_facts_for  # noqa: E402

CASSETTES = Path(__file__).parent / "cassettes"
KINDS = ("brief", "next_actions", "customer_update", "knowledge")


def settings_for_cassettes(data_dir: Path) -> Settings:
    """Default URL and model name, no retries: replay must send byte-identical requests."""
    return Settings(data_dir=data_dir, llm_timeout_s=900, llm_max_retries=0, llm_enabled=True)


def run_draft(kind: str, ctx, model, settings):  # type: ignore[no-untyped-def]
    if kind == "brief":
        return draft_brief(ctx, model, settings)
    if kind == "next_actions":
        return propose_next_actions(ctx, model, settings)
    if kind == "customer_update":
        return draft_customer_update(ctx, model, settings, facts=update_facts_for(ctx))
    return extract_knowledge(ctx, model, settings, resolution=resolution_for(ctx))


def _timings(cassette) -> dict:  # type: ignore[no-untyped-def]
    if not cassette.responses:
        return {}
    body = cassette.responses[-1]["body"]["string"]
    data = json.loads(body if isinstance(body, str) else body.decode())
    t = data.get("timings") or {}
    per_token = t.get("predicted_per_token_ms") or 0.0
    return {"prompt_tokens": t.get("prompt_n"), "cached_tokens": t.get("cache_n"),
            "prompt_s": round((t.get("prompt_ms") or 0) / 1000, 3),
            "ttft_s": round(((t.get("prompt_ms") or 0) + per_token) / 1000, 3),
            "output_tokens": t.get("predicted_n"), "tokens_per_s": round(t.get("predicted_per_second") or 0, 2)}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("--report", type=Path, default=None)
    args = parser.parse_args()
    recorder = vcr.VCR(cassette_library_dir=str(CASSETTES), record_mode="all", match_on=["method", "uri", "body"],
                       filter_headers=["authorization", "cookie", "set-cookie"], decode_compressed_response=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = settings_for_cassettes(Path(tmp))
        model = ChatModelPort.from_settings(settings)
        for ctx in case_contexts()[: args.limit]:
            for kind in KINDS:
                if kind == "knowledge" and not resolution_for(ctx):
                    continue
                with recorder.use_cassette(f"{kind}_{ctx.account_id}.yaml") as cassette:
                    started = time.perf_counter()
                    out = run_draft(kind, ctx, model, settings)
                    wall = time.perf_counter() - started
                row = {"case": ctx.account_id, "draft": kind, "wall_s": round(wall, 2), "source": out.source,
                       "fallbacks": out.fallbacks, "note": out.note[:200], **_timings(cassette)}
                rows.append(row)
                print(json.dumps(row), flush=True)
    summary = {"load_average": os.getloadavg(), "drafts": len(rows)}
    for kind in KINDS:
        sel = [r for r in rows if r["draft"] == kind]
        if sel:
            summary[kind] = {
                "n": len(sel), "wall_p50_s": round(statistics.median(r["wall_s"] for r in sel), 2),
                "wall_p95_s": round(pct([r["wall_s"] for r in sel], 0.95), 2),
                "ttft_p50_s": round(statistics.median(r.get("ttft_s") or 0 for r in sel), 2),
                "prompt_tokens_p50": statistics.median(r.get("prompt_tokens") or 0 for r in sel),
                "cached_tokens_p50": statistics.median(r.get("cached_tokens") or 0 for r in sel),
                "tokens_per_s_p50": round(statistics.median(r.get("tokens_per_s") or 0 for r in sel), 2),
                "model_source": sum(r["source"] == "model" for r in sel)}
    print(json.dumps({"summary": summary}), flush=True)
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(json.dumps({"rows": rows, "summary": summary}, indent=2))


if __name__ == "__main__":
    main()
