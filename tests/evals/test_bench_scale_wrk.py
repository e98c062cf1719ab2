"""The requests `bench_scale --loadgen wrk` writes for evals/wrk_mix.lua: the mix's shares, each delivery
with its own event id and a signature the server accepts; and, where wrk is installed, one short wrk run
against a stub that checks every delivery's signature."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from api.signing import verify
from evals.bench_scale import SECRET, measure_load, write_wrk_requests, wrk_available
from evals.loadstats import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_written_requests_follow_the_mix_and_are_signed(tmp_path: Path) -> None:
    path = tmp_path / "mix.tsv"
    posts = write_wrk_requests(path, 5000, ["acc-1", "acc-2"], ["case-1"], "/approvals?limit=50", seed=3)
    lines = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 5000 and all(len(f) == 5 for f in lines)
    kinds = Counter("inbox" if f[1].startswith("/approvals") else f[1].split("/")[1] if f[0] == "GET" else "post"
                    for f in lines)
    assert kinds["post"] == posts
    for kind, share in (("inbox", 0.3), ("cases", 0.3), ("accounts", 0.2), ("post", 0.2)):
        assert abs(kinds[kind] / 5000 - share) < 0.03, kinds
    ids = set()
    for method, target, stamp, signature, body in lines:
        if method == "POST":
            assert target == "/events"
            verify(SECRET, stamp, signature, body.encode(), tolerance_s=300)  # raises if it would be refused
            (event,) = json.loads(body)
            ids.add(event["event_id"])
        else:
            assert stamp == signature == body == ""
    assert len(ids) == posts  # no delivery repeats


STUB = '''
import json, sys
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from api.signing import verify, SignatureError
app = FastAPI()
seen = set()
@app.get("/readyz")
def ready(): return {"ready": True}
@app.get("/approvals")
def approvals(request: Request): return [] if request.headers.get("x-api-key") else JSONResponse({}, 401)
@app.get("/cases/{case_id}")
def case(case_id: str): return {}
@app.get("/accounts/{account_id}")
def account(account_id: str): return {}
@app.post("/events")
async def events(request: Request):
    body = await request.body()
    try:
        verify("%s", request.headers.get("x-redaccount-timestamp"), request.headers.get("x-redaccount-signature"), body, 300)
    except SignatureError:
        return JSONResponse({}, 401)
    event_id = json.loads(body)[0]["event_id"]
    if event_id in seen:
        return JSONResponse({}, 409)
    seen.add(event_id)
    return JSONResponse({}, 202)
'''


@pytest.mark.skipif(not wrk_available(), reason="wrk is not installed (make bench-tools)")
def test_wrk_drives_the_mix_with_valid_unique_deliveries(tmp_path: Path) -> None:
    (tmp_path / "stub_app.py").write_text(STUB % SECRET, encoding="utf-8")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "stub_app:app", "--port", str(port), "--no-access-log"],
                            cwd=tmp_path, env={"PYTHONPATH": f"{tmp_path}:{ROOT}", "PATH": "/usr/bin:/bin"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{url}/readyz", trust_env=False).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        figures, answered, cpu = measure_load("wrk", url, ["a"], ["c"], 4, 1.0, 1.0, "/approvals?limit=50",
                                              tmp_path, "stub")
    finally:
        proc.terminate()
        proc.wait(10)
    assert figures.requests > 0 and figures.errors == 0  # a refused signature or a repeat would be a 4xx
    assert answered >= figures.requests and cpu > 0
    assert figures.p99_ms >= figures.p50_ms > 0
