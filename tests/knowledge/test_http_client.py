"""The same knowledge base through HttpClient, against a real Chroma server on loopback."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from core.settings import Settings
from evals.loadstats import free_port
from knowledge.base import ChromaKnowledgeBase
from knowledge.models import KnowledgeDocument


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    # The CLI is installed next to the interpreter; the venv need not be on PATH (make test does not activate it).
    binary = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if binary is None:
        pytest.skip("the chroma CLI is not installed")
    port = free_port()
    log = (tmp_path / "chroma.log").open("w")
    proc = subprocess.Popen(
        [binary, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail(f"chroma server did not start: {(tmp_path / 'chroma.log').read_text()[-2000:]}")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def test_http_client_when_chroma_url_is_set(settings: Settings, chroma_server: str) -> None:
    remote = settings.model_copy(update={"chroma_url": chroma_server})
    doc = KnowledgeDocument(
        id="RB-H", title="Webhook delivery failures", body="Replay events after fixing the endpoint."
    )
    assert ChromaKnowledgeBase.from_settings(remote).add_documents([doc]).created == 1
    reopened = ChromaKnowledgeBase.from_settings(remote)
    assert reopened.add_documents([doc]).unchanged == 1
    assert reopened.search("we stopped receiving event callbacks", k=1)[0].id == "RB-H"
    assert not settings.chroma_dir.exists()
