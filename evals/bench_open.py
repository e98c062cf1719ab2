"""Time from case open to an approvable brief, with a slow model configured vs with no model at all.

Issue 13's goal: p50 <= 50 ms on the extractive path "whatever the model does". Both runs use the real
case workflow (SQLite store and checkpointer, fixed triage policy, fake knowledge base). The baseline
has no model; the measured run has a model that takes `model_delay_s` per call and a draft-request
port that only records the request (the job runs later, elsewhere). The ratio measured/baseline shows
the model's cost to the opening of a case: ~1.0 means the case does not wait for it.

Run: python -m evals.bench_open [--cases 40] [--model-delay 2.0]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from agent.llm import FakeModel, Prompt
from core.settings import Settings
from evals.bench_graph import T0, _assessment, _events, _FixedPolicy


def _open_times(settings: Settings, cases: int, model: FakeModel | None) -> tuple[list[float], int]:
    from core.db import open_database
    from core.ingest import write_events
    from core.store.approvals import list_approvals
    from graph.checkpoint import open_checkpointer
    from graph.context import WorkflowContext
    from graph.drafts import FakeDraftRequests
    from graph.roster import Roster
    from graph.service import CaseService
    from knowledge.fake import FakeKnowledgeBase

    engine = open_database(settings)
    write_events(engine, _events(cases + 1))
    checkpointer = open_checkpointer(settings)
    drafts = FakeDraftRequests()
    context = WorkflowContext(engine=engine, settings=settings, policy=_FixedPolicy(), knowledge=FakeKnowledgeBase(),
                              roster=Roster.load(), clock=lambda: T0 + timedelta(hours=1), model=model,
                              drafts=drafts if model is not None else None)
    service = CaseService(context, checkpointer.saver)
    times = []
    try:
        service.start_case(_assessment(cases))  # warm-up: imports, first checkpoint tables
        for i in range(cases):
            started = time.perf_counter()
            case_id, _ = service.start_case(_assessment(i))
            (pending,) = list_approvals(engine, case_id=case_id)
            times.append(time.perf_counter() - started)
            assert pending.request.action == "validate_brief"
        return times, len(drafts.requested)
    finally:
        checkpointer.close()
        engine.dispose()


def run_open_bench(cases: int = 40, model_delay_s: float = 2.0) -> dict[str, Any]:
    def slow(prompt: Prompt, schema: type) -> Exception:
        time.sleep(model_delay_s)
        return RuntimeError("a slow model that never answers usefully")

    with tempfile.TemporaryDirectory(prefix="redaccount-bench-open-") as tmp:
        base, _ = _open_times(Settings(data_dir=Path(tmp) / "base", llm_enabled=False), cases, None)
        model = FakeModel(responder=slow)
        timed, requested = _open_times(Settings(data_dir=Path(tmp) / "model", llm_enabled=True), cases, model)
    p50, p50_base = statistics.median(timed), statistics.median(base)
    return {"cases": cases, "model_delay_s": model_delay_s, "model_calls_while_opening": len(model.calls),
            "drafts_requested": requested, "p50_ms": round(p50 * 1000, 2),
            "p95_ms": round(sorted(timed)[int(0.95 * (len(timed) - 1))] * 1000, 2),
            "baseline_p50_ms": round(p50_base * 1000, 2), "ratio_to_baseline": round(p50 / p50_base, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--model-delay", type=float, default=2.0)
    args = parser.parse_args()
    print(json.dumps(run_open_bench(args.cases, args.model_delay)))  # noqa: T201 - a CLI's output


if __name__ == "__main__":
    main()
