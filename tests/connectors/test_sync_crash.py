"""SIGKILL a running `redaccount sync zendesk --once` in the middle, resume: nothing lost, nothing twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from connectors.runner import sync_once
from core.db import create_db_engine, migrate
from tests.connectors.fake_server import serve
from tests.connectors.fake_zendesk import EMAIL, TOKEN, FakeZendesk, ZendeskData
from tests.connectors.sync_helpers import counts, event_ids, zendesk_settings

ROOT = Path(__file__).resolve().parents[2]
TICKETS = int(os.environ.get("REDACCOUNT_SYNC_CRASH_TICKETS", "120"))  # the benchmark runs 10,000
COMMENTS, PAGE = 5, 40


def _command(url: str, db_url: str, data_dir: Path) -> tuple[list[str], dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDACCOUNT_")}
    env.update({"PYTHONPATH": str(ROOT), "REDACCOUNT_DATA_DIR": str(data_dir), "REDACCOUNT_DATABASE_URL": db_url,
                "REDACCOUNT_LLM_ENABLED": "false", "REDACCOUNT_ZENDESK_BASE_URL": url,
                "REDACCOUNT_ZENDESK_EMAIL": EMAIL, "REDACCOUNT_ZENDESK_API_TOKEN": TOKEN})
    return [sys.executable, "-c", "from api.cli import app; app()", "sync", "zendesk", "--once"], env


@pytest.mark.slow
def test_sigkill_in_the_middle_then_resume(db_url: str, tmp_path: Path) -> None:
    data = ZendeskData(tickets=TICKETS, comments=COMMENTS, orgs=4)
    server = FakeZendesk(data, page_size=PAGE)
    engine = create_db_engine(db_url)
    migrate(engine)
    event_pages = -(-TICKETS * COMMENTS // PAGE)
    with serve(server.app) as url:
        command, env = _command(url, db_url, tmp_path / "data")
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        kill_after = 2 + -(-TICKETS // PAGE) + event_pages // 2  # orgs, users, tickets, then half the events
        deadline = time.monotonic() + 120
        while server.state.served_pages < kill_after and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL, process.stderr.read().decode()[-2000:] if process.stderr else ""
        cut = counts(engine)["messages"]
        assert 0 < cut < TICKETS * COMMENTS  # really cut in the middle

        resumed = subprocess.run(command, env=env, capture_output=True, timeout=300)
        assert resumed.returncode == 0, resumed.stderr.decode()[-2000:]

    reference = create_db_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    migrate(reference)
    with serve(FakeZendesk(ZendeskData(tickets=TICKETS, comments=COMMENTS, orgs=4), page_size=PAGE).app) as url:
        sync_once(reference, zendesk_settings(url, tmp_path), "zendesk", sleep=lambda _s: None)
    assert counts(engine)["messages"] == TICKETS * COMMENTS  # zero lost
    assert event_ids(engine) == event_ids(reference)  # the same events as an uninterrupted sync: none twice
    assert counts(engine) == counts(reference)
    engine.dispose()
    reference.dispose()
