"""The 1-vs-N-workers benchmark runs end to end (short and bounded here; `python -m evals.bench_scale`
gives the published figures)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.bench_scale import run_scale_bench
from tests.conftest import PG_ADMIN_URL
from tests.scale.servers import ChromaServer

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(600)]


def test_scale_bench_reports_throughput_and_p99_for_1_and_n_workers(
        pg_admin: object, tmp_path: Path, chroma_server: ChromaServer) -> None:
    figures = run_scale_bench(PG_ADMIN_URL, workers=2, connections=16, duration_s=3.0, warmup_s=1.0,
                              chroma_url=chroma_server.url, data_dir=tmp_path)
    for key in ("one_worker", "n_workers"):
        assert figures[key]["requests"] > 0 and figures[key]["errors"] == 0
        assert figures[key]["p99_ms"] >= figures[key]["p50_ms"] > 0
    assert figures["ratio"] > 0
    assert figures["bare_baseline"]["requests"] > 0 and figures["bare_baseline"]["errors"] == 0
    assert figures["one_worker_vs_bare"] > 0
    assert all(s["settled"] and s["backlog"] == 0 for s in figures["settled"].values())
    assert all(ms > 0 for ms in figures["server_cpu_ms_per_request"].values())
