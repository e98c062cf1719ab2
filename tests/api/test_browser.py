"""End to end in real headless Chromium: log in, open the inbox, approve a real case's proposal by clicking."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
import yaml

from api.app import create_app
from core.db import open_database
from core.ingest import ingest_objects
from core.settings import Settings
from core.store.approvals import get_approval, list_approvals
from core.store.cases import get_escalation
from evals.loadstats import free_port
from tests.graph.conftest import T_START, make_service
from tests.utils.events import account, message, ticket
from tests.utils.fakes import Clock, red_assessment

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists() and os.environ.get("CI") != "true",
                       reason="Debian chromium not installed (make browser); required when CI=true"),
]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str, object]]:
    """A real case paused at its first approval, served by uvicorn on a free loopback port."""
    settings = Settings(data_dir=tmp_path / "data", llm_enabled=False, allow_unsigned_events=True,
                        api_keys_file=tmp_path / "keys.yaml")
    engine = open_database(settings)
    ingest_objects(engine, [
        account(), ticket("e-t1", subject="SSO login fails for EU users since the SAML certificate rotation"),
        message("e-m1", "m-1", "This has been open for weeks. I need to speak to your manager about SSO."),
    ])
    service, checkpointer = make_service(settings, engine, Clock(T_START))
    case_id, _ = service.start_case(red_assessment())
    (pending,) = list_approvals(engine)
    key = "browser-test-key-0123456789abcdef"
    actor = pending.request.assigned_to or "Browser Tester"
    settings.api_keys_file.write_text(yaml.safe_dump({key: {"actor": actor,
                                                            "role": pending.request.assigned_role.value}}))
    app = create_app(settings)
    app.state.case_service = service
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}", key, (engine, case_id, pending)
    server.should_exit = True
    thread.join(10)
    checkpointer.close()


def test_approve_a_proposal_by_clicking(served) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    base, key, (engine, case_id, pending) = served
    phase_before = get_escalation(engine, case_id).phase
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        page = browser.new_page()
        page.goto(f"{base}/ui/inbox")
        assert "/ui/login" in page.url
        page.fill("#api_key", key)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/ui/inbox")
        row = page.locator(f"tr[data-approval='{pending.id}']")
        assert row.count() == 1 and row.get_attribute("data-action") == pending.request.action
        row.locator("a.open").click()
        page.wait_for_selector("#decide-approve")
        page.screenshot(path=str(ARTIFACTS / "browser-approval.png"), full_page=True)
        page.click("#decide-approve")
        page.wait_for_url(f"{base}/ui/cases/{case_id}*")
        assert page.locator("#timeline li").count() > 0
        page.screenshot(path=str(ARTIFACTS / "browser-case-after-approve.png"), full_page=True)
        browser.close()
    decided = get_approval(engine, pending.id)
    assert decided.status == "applied" and decided.decided_by == (pending.request.assigned_to or "Browser Tester")
    following = list_approvals(engine)  # the case moved on to its next step
    assert following and following[0].step != pending.step or get_escalation(engine, case_id).phase != phase_before
