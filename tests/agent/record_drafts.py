"""Record the four drafts of each recorded case from the embedded model as vcrpy cassettes, and measure them.

Needs the embedded server on the default port: `redaccount llm serve` (or REDACCOUNT_LLM_* defaults).
Run: python tests/agent/record_drafts.py [--cases all|hand|generated] [--limit N] [--skip-existing]
                                         [--log artifacts/drafts-rows.jsonl] [--report artifacts/drafts-bench.json]
     python tests/agent/record_drafts.py --summarise artifacts/drafts-rows.jsonl   (report from a log only)
Cases: tests/agent/agent_cases.recorded_cases() (ten hand-written, then those drawn from the evaluation's
generated histories). Per draft: wall seconds, prompt tokens evaluated and reused from the cache, time to
first token (llama.cpp's prompt time plus one decode step, from the response's own `timings`), decode
tokens/s, and the 1-minute load average when it finished (the machine may be shared: say so).
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
from evals.draft_cases import DraftCase  # noqa: E402
from tests.agent.agent_cases import recorded_cases  # noqa: E402

CASSETTES = Path(__file__).parent / "cassettes"
KINDS = ("brief", "next_actions", "customer_update", "knowledge")


def settings_for_cassettes(data_dir: Path) -> Settings:
    """Default URL and model name, no retries: replay must send byte-identical requests."""
    return Settings(data_dir=data_dir, llm_timeout_s=900, llm_max_retries=0, llm_enabled=True)


def run_draft(kind: str, case: DraftCase, model, settings):  # type: ignore[no-untyped-def]
    if kind == "brief":
        return draft_brief(case.ctx, model, settings)
    if kind == "next_actions":
        return propose_next_actions(case.ctx, model, settings)
    if kind == "customer_update":
        return draft_customer_update(case.ctx, model, settings, facts=case.facts)
    return extract_knowledge(case.ctx, model, settings, resolution=case.resolution)


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


def summarise(rows: list[dict]) -> dict:
    """p50/p95 per draft kind of wall time, time to first token, prompt/cached tokens and decode speed."""
    summary: dict = {"drafts": len(rows)}
    loads = [r["load_1m"] for r in rows if r.get("load_1m") is not None]
    if loads:
        summary["load_1m"] = {"min": min(loads), "p50": round(statistics.median(loads), 2), "max": max(loads)}
    for kind in KINDS:
        sel = [r for r in rows if r["draft"] == kind and r.get("prompt_tokens") is not None]
        if not sel:
            continue
        stats: dict = {"n": len(sel), "model_source": sum(r["source"] == "model" for r in sel)}
        for key in ("wall_s", "ttft_s", "prompt_tokens", "cached_tokens", "output_tokens", "tokens_per_s"):
            values = [float(r.get(key) or 0) for r in sel]
            stats[f"{key}_p50"] = round(statistics.median(values), 2)
            stats[f"{key}_p95"] = round(pct(values, 0.95), 2)
        summary[kind] = stats
    return summary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", choices=("all", "hand", "generated"), default="all")
    parser.add_argument("--limit", type=int, default=None, help="Only the first N cases of the selection.")
    parser.add_argument("--only", default="", help="Comma-separated account ids to record (default: all selected).")
    parser.add_argument("--skip-existing", action="store_true", help="Keep the cassettes that exist.")
    parser.add_argument("--log", type=Path, default=None, help="Append one JSON row per draft here.")
    parser.add_argument("--report", type=Path, default=None)
    parser.add_argument("--summarise", type=Path, default=None, help="Only summarise an existing log.")
    args = parser.parse_args()
    if args.summarise:
        rows = [json.loads(line) for line in args.summarise.read_text().splitlines() if line.strip()]
        print(json.dumps(summarise(rows), indent=1))
        return
    cases = recorded_cases()
    hand = [c for c in cases if c.archetype == "hand-written"]
    cases = {"all": cases, "hand": hand, "generated": [c for c in cases if c not in hand]}[args.cases][: args.limit]
    if args.only:
        wanted = set(args.only.split(","))
        cases = [c for c in cases if c.ctx.account_id in wanted]
    recorder = vcr.VCR(cassette_library_dir=str(CASSETTES), record_mode="all", match_on=["method", "uri", "body"],
                       filter_headers=["authorization", "cookie", "set-cookie"], decode_compressed_response=True)
    rows = []
    log = args.log.open("a") if args.log else None
    with tempfile.TemporaryDirectory() as tmp:
        settings = settings_for_cassettes(Path(tmp))
        model = ChatModelPort.from_settings(settings)
        for case in cases:
            account_id = case.ctx.account_id
            kinds = [k for k in KINDS if k != "knowledge" or case.resolution]  # no resolution: no model call
            if args.skip_existing:
                kinds = [k for k in kinds if not (CASSETTES / f"{k}_{account_id}.yaml").exists()]
            for kind in kinds:
                # Mode "all" appends to an existing file; a stale interaction would never be played back.
                (CASSETTES / f"{kind}_{account_id}.yaml").unlink(missing_ok=True)
                with recorder.use_cassette(f"{kind}_{account_id}.yaml") as cassette:
                    started = time.perf_counter()
                    out = run_draft(kind, case, model, settings)
                    wall = time.perf_counter() - started
                row = {"case": account_id, "archetype": case.archetype, "draft": kind, "wall_s": round(wall, 2),
                       "source": out.source, "fallbacks": out.fallbacks, "note": out.note[:300],
                       "load_1m": round(os.getloadavg()[0], 2), **_timings(cassette)}
                rows.append(row)
                print(json.dumps(row), flush=True)
                if log:
                    log.write(json.dumps(row) + "\n")
                    log.flush()
    summary = summarise(rows)
    print(json.dumps({"summary": summary}), flush=True)
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(json.dumps({"rows": rows, "summary": summary}, indent=2))


if __name__ == "__main__":
    main()
