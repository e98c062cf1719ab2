"""Brief latency on the embedded model, and A/B comparisons measured in the same run.

Single configuration over the ten hand-written contexts (embedded model, 1 or 2 threads) or the extractive
fallback:
    python tests/agent/bench_brief.py --threads 1 [--port 8771] [--data-dir .redaccount]
    python tests/agent/bench_brief.py --extractive-only

Comparison (`--arm`, two or more): each arm is a code tree (its prompts and case block) and server options;
every arm gets its own server with the same threads, and the briefs of the selected recorded cases
(tests/agent/agent_cases.recorded_cases(): hand-written, then the evaluation's generated cases) are drafted
arm after arm, case by case, the arm order rotating from case to case, so the machine's load falls on all
arms alike. The first arm is the baseline every ratio is taken against.
    git archive main | tar -x -C /tmp/base
    python tests/agent/bench_brief.py --arm base=/tmp/base --arm new=. --arm spec=.,spec_ngram=3:8 \
        --arm small=.,embedded=0.5b --cases generated --limit 5 --threads 2
Per brief: wall seconds, prompt tokens evaluated and cached, time to first token, output tokens, decode
tokens/s, whether the output hit max_tokens (cut off), and model fields kept: of the five statements, how
many are the model's own after the product's grounding checks (MiniLM grounder, as the product runs it).
Retries are off (as when recording), so a cut-off brief counts as one.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()


def _tree_from_argv() -> Path:
    # A worker imports the product from the tree it measures (--tree), not from this file's checkout.
    if "--tree" in sys.argv:
        return Path(sys.argv[sys.argv.index("--tree") + 1]).resolve()
    return HERE.parents[2]


sys.path.insert(0, str(_tree_from_argv()))

BRIEF_FIELDS = ("intent", "tried", "results", "status", "escalation_reason")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 3) if ordered else float("nan")


def model_fields_kept(brief) -> int:  # type: ignore[no-untyped-def]
    """How many of the five statements are the model's own after the grounding checks (the quality measure).

    The drafter names every field that fell back in `note` ("intent: extractive (...)").
    """
    if brief.source != "model":
        return 0
    note = brief.note or ""
    return sum(1 for name in BRIEF_FIELDS if f"{name}: extractive" not in note)


# ---- one configuration (the original benchmark) -------------------------------------------------------


def single(args: argparse.Namespace) -> None:
    from agent.drafting import draft_brief
    from agent.llm import ChatModelPort
    from agent.llm_server import measure_speed, running_server
    from core.settings import Settings
    from tests.agent.agent_cases import case_contexts

    cases = case_contexts()[: args.limit or 10]
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


# ---- worker: drafts briefs with the product code of one tree against one server ------------------------


def worker(args: argparse.Namespace) -> None:
    import vcr

    from agent.drafting import draft_brief
    from agent.grounding import minilm_grounder
    from agent.llm import ChatModelPort
    from core.settings import Settings

    cases = {c.ctx.account_id: c for c in pickle.loads(args.cases_cache.read_bytes())}
    grounder = minilm_grounder()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), llm_timeout_s=1800, llm_max_retries=0, llm_enabled=True,
                            llm_port=args.port, llm_base_url=f"http://127.0.0.1:{args.port}/v1")
        model = ChatModelPort.from_settings(settings)
        recorder = vcr.VCR(cassette_library_dir=tmp, record_mode="all", decode_compressed_response=True)
        print(json.dumps({"ready": True}), flush=True)
        for line in sys.stdin:
            account_id = line.strip()
            if not account_id:
                continue
            with recorder.use_cassette(f"{account_id}-{time.monotonic_ns()}.yaml") as cassette:
                started = time.perf_counter()
                brief = draft_brief(cases[account_id].ctx, model, settings, grounder=grounder)
                wall = time.perf_counter() - started
            row: dict = {"case": account_id, "wall_s": round(wall, 2), "source": brief.source,
                         "kept": model_fields_kept(brief), "note": brief.note[:200]}
            if cassette.responses:
                body = cassette.responses[-1]["body"]["string"]
                data = json.loads(body if isinstance(body, str) else body.decode())
                t = data.get("timings") or {}
                per_token = t.get("predicted_per_token_ms") or 0.0
                row.update({
                    "prompt_tokens": t.get("prompt_n"), "cached_tokens": t.get("cache_n"),
                    "ttft_s": round(((t.get("prompt_ms") or 0) + per_token) / 1000, 3),
                    "prompt_tok_s": round(t.get("prompt_per_second") or 0, 1),
                    "output_tokens": t.get("predicted_n"), "tokens_per_s": round(t.get("predicted_per_second") or 0, 2),
                    "draft_tokens": t.get("draft_n"), "draft_accepted": t.get("draft_n_accepted"),
                    "cut_off": (data.get("choices") or [{}])[0].get("finish_reason") == "length",
                    "text": (data.get("choices") or [{}])[0].get("message", {}).get("content", "")[:600],
                })
            print(json.dumps(row), flush=True)


# ---- driver: arms alternating case by case -------------------------------------------------------------


def _parse_arm(spec: str) -> dict:
    name, _, rest = spec.partition("=")
    tree, *opts = rest.split(",")
    tuning: dict[str, object] = {}
    for opt in opts:
        key, _, value = opt.partition("=")
        tuning[key] = int(value) if value.isdigit() else value
    return {"name": name, "tree": str(Path(tree or ".").resolve()), "tuning": tuning}


def _summary(rows: list[dict]) -> dict:
    out: dict = {"n": len(rows), "model_briefs": sum(r["source"] == "model" for r in rows),
                 "fields_kept": sum(r["kept"] for r in rows), "cut_off": sum(bool(r.get("cut_off")) for r in rows)}
    for key in ("wall_s", "ttft_s", "prompt_tokens", "cached_tokens", "output_tokens", "tokens_per_s", "prompt_tok_s"):
        values = [float(r.get(key) or 0) for r in rows]
        out[f"{key}_p50"] = round(statistics.median(values), 2)
        out[f"{key}_p95"] = round(pct(values, 0.95), 2)
        out[f"{key}_mean"] = round(statistics.mean(values), 2)
    drafted = sum(r.get("draft_tokens") or 0 for r in rows)
    if drafted:
        out["draft_acceptance"] = round(sum(r.get("draft_accepted") or 0 for r in rows) / drafted, 3)
    return out


def compare(args: argparse.Namespace) -> None:
    import signal

    from agent.llm_server import running_server
    from core.settings import Settings
    from evals.loadstats import free_port
    from tests.agent.agent_cases import recorded_cases

    # A stopped run must still stop its servers and workers (the ExitStack below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    arms = [_parse_arm(a) for a in args.arm]
    cache = args.cases_cache
    if not cache.exists():
        cache.write_bytes(pickle.dumps(recorded_cases()))
    cases = pickle.loads(cache.read_bytes())
    hand = [c for c in cases if c.archetype == "hand-written"]
    cases = {"all": cases, "hand": hand, "generated": [c for c in cases if c not in hand]}[args.cases]
    if args.only:
        cases = [c for c in cases if c.ctx.account_id in set(args.only.split(","))]
    ids = [c.ctx.account_id for c in cases][: args.limit]
    print(json.dumps({"arms": arms, "cases": ids, "threads": args.threads, "load_1m": os.getloadavg()[0]}), flush=True)

    from contextlib import ExitStack

    rows: dict[str, list[dict]] = {a["name"]: [] for a in arms}
    with ExitStack() as stack:
        workers = {}
        for arm in arms:
            port = free_port()
            tuning = dict(arm["tuning"])
            # `embedded=0.5b`: which model the arm's server runs (the alias, and so the request bodies, stay the same).
            settings = Settings(data_dir=args.data_dir, llm_port=port, llm_threads=args.threads,
                                llm_base_url=f"http://127.0.0.1:{port}/v1",
                                llm_embedded=tuning.pop("embedded", args.embedded))
            stack.enter_context(running_server(settings, threads=args.threads, show_progress=False, **tuning))
            env = {**os.environ, "PYTHONPATH": arm["tree"]}
            proc = subprocess.Popen([sys.executable, str(HERE), "--worker", "--tree", arm["tree"], "--port", str(port),
                                     "--cases-cache", str(cache)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    text=True, env=env, cwd=arm["tree"])
            stack.callback(proc.kill)
            assert proc.stdout is not None and json.loads(proc.stdout.readline()).get("ready")
            workers[arm["name"]] = proc
        names = [a["name"] for a in arms]
        for i, account_id in enumerate(ids):
            for name in names[i % len(names):] + names[: i % len(names)]:
                proc = workers[name]
                assert proc.stdin is not None and proc.stdout is not None
                proc.stdin.write(account_id + "\n")
                proc.stdin.flush()
                row = json.loads(proc.stdout.readline())
                row.update({"arm": name, "load_1m": round(os.getloadavg()[0], 2)})
                rows[name].append(row)
                print(json.dumps(row), flush=True)
                if args.log:
                    with args.log.open("a") as log:
                        log.write(json.dumps(row) + "\n")
    base = names[0]
    summary = {name: _summary(r) for name, r in rows.items()}
    for name in names[1:]:
        paired = [b["wall_s"] / a["wall_s"] for a, b in zip(rows[base], rows[name], strict=True) if a["wall_s"]]
        summary[name]["vs_" + base] = {
            "wall_mean_ratio": round(summary[name]["wall_s_mean"] / summary[base]["wall_s_mean"], 3),
            "wall_p50_ratio": round(summary[name]["wall_s_p50"] / summary[base]["wall_s_p50"], 3),
            "paired_wall_ratio_median": round(statistics.median(paired), 3),
            "prompt_tokens_ratio": round(summary[name]["prompt_tokens_mean"] / max(1, summary[base]["prompt_tokens_mean"]), 3),
            "output_tokens_ratio": round(summary[name]["output_tokens_mean"] / max(1, summary[base]["output_tokens_mean"]), 3),
            "fields_kept": f"{summary[name]['fields_kept']} vs {summary[base]['fields_kept']}",
        }
    print(json.dumps({"summary": summary}, indent=1), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--embedded", choices=("1.5b", "0.5b"), default="1.5b",
                        help="Which embedded model to serve (0.5b needs `pip install '.[llm-small]'`).")
    parser.add_argument("--port", type=int, default=8771)
    parser.add_argument("--data-dir", type=Path, default=Path(".redaccount"))
    parser.add_argument("--extractive-only", action="store_true")
    parser.add_argument("--limit", type=int, default=None, help="Only the first N cases.")
    parser.add_argument("--arm", action="append", default=[],
                        help="NAME=TREE[,option=value...]: compare arms (server options: ubatch, flash_attn, spec_ngram; "
                             "embedded=0.5b|1.5b, default --embedded).")
    parser.add_argument("--cases", choices=("all", "hand", "generated"), default="generated")
    parser.add_argument("--only", default="", help="Comma-separated account ids (comparison).")
    parser.add_argument("--cases-cache", type=Path, default=Path(tempfile.gettempdir()) / "bench_brief_cases.pkl",
                        help="Pickled recorded cases (built once: replaying the histories takes minutes).")
    parser.add_argument("--log", type=Path, default=None, help="Append one JSON row per brief (comparison).")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--tree", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
    elif args.arm:
        compare(args)
    else:
        single(args)


if __name__ == "__main__":
    main()
