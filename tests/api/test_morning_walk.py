"""Issue 15, in real headless Chromium on SQLite and PostgreSQL: a CSM's morning.

log in -> accounts by risk -> the account -> its case -> the customer update, edited in the form and
approved -> the approved text on the case timeline. On every page, at 1280 and 390 px: axe-core finds
no serious or critical violation, nothing scrolls sideways, no raw JSON or ISO timestamp is shown.
Screenshots of each page go to artifacts/ (gitignored).
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn
import yaml

from api.app import create_app
from core.db import open_database
from core.ingest import ingest_objects
from core.models import ApprovalDecision
from core.settings import Settings
from core.store.approvals import get_approval, list_approvals
from evals.loadstats import free_port
from tests.api.conftest import store_assessment
from tests.api.test_browser import CHROMIUM, LAUNCH_ARGS
from tests.graph.conftest import T_START, make_service
from tests.utils.events import account, message, ticket
from tests.utils.fakes import Clock, red_assessment

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "morning-walk"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
RAW_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
RAW_JSON = re.compile(r'[{\[]\s*"[a-z_]+"\s*:')
WIDTHS = (1280, 390)
MANAGER_KEY = "morning-walk-manager-0123456789abcdef"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists() and os.environ.get("CI") != "true",
                       reason="Debian chromium not installed (make browser); required when CI=true"),
    pytest.mark.skipif(not AXE.exists() and os.environ.get("CI") != "true",
                       reason="axe-core not installed (make browser runs npm install); required when CI=true"),
]


def _seed(settings: Settings):  # type: ignore[no-untyped-def]
    engine = open_database(settings)
    ingest_objects(engine, [
        account(), ticket("e-t1", subject="SSO login fails for EU users since the SAML certificate rotation",
                          priority="p1"),
        message("e-m1", "m-1", "Hello, Martin here. This has been open for weeks. I need to speak to your manager "
                "about SSO.", at=T_START - timedelta(hours=2)),
        message("e-m2", "m-2", "We rotated the SAML certificate; please re-upload the metadata.", side="agent",
                at=T_START - timedelta(hours=1)),
        *[account(f"e-a{i}", f"acc-{i}", name=f"Calm Customer {i}", arr=10_000 * i, tier="smb") for i in range(2, 6)],
    ])
    for days in (60, 30, 7):  # a trend for the sparkline and the history chart
        store_assessment(engine, red_assessment(at=T_START - timedelta(days=days)).model_copy(
            update={"score": 80.0}))
    return engine


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def walk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str, object]]:
    """A real case paused at its customer update (brief already validated), served by uvicorn."""
    url = None if request.param == "sqlite" else request.getfixturevalue("pg_url")
    settings = Settings(data_dir=tmp_path / "data", database_url=url, llm_enabled=False,
                        allow_unsigned_events=True, api_keys_file=tmp_path / "keys.yaml")
    engine = _seed(settings)
    service, checkpointer = make_service(settings, engine, Clock(T_START))
    case_id, _ = service.start_case(red_assessment())
    (brief,) = list_approvals(engine)
    owner = brief.request.assigned_to or "Walk Tester"
    service.decide(brief.id, ApprovalDecision(type="approve", actor=owner))
    (update,) = [a for a in list_approvals(engine) if a.request.action == "send_customer_update"]
    key = "morning-walk-key-0123456789abcdef"
    settings.api_keys_file.write_text(yaml.safe_dump({key: {"actor": owner, "role": update.request.assigned_role.value},
                                                      MANAGER_KEY: {"actor": "Elena Petrova", "role": "manager"}}))
    app = create_app(settings)
    app.state.product.runtime.service = service
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}", key, (engine, case_id, update, request.param)
    server.should_exit = True
    thread.join(10)
    checkpointer.close()
    app.state.engine.dispose()


def _check_page(page, name: str, db: str, axe_source: str) -> list[str]:  # type: ignore[no-untyped-def]
    """axe at both widths, no sideways scroll at 390 px, no raw JSON/ISO text; screenshots. Returns problems."""
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            # The pages' CSP (script-src 'self') refuses inline <script> tags, as it should, so axe is run
            # through the DevTools protocol instead of being added to the page as a script tag.
            page.evaluate(axe_source + "\n;undefined")
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        for v in result["violations"]:
            if v["impact"] in ("serious", "critical"):
                problems.append(f"{name}@{width}: {v['id']} ({v['impact']}): {v['help']} "
                                f"{[n['target'] for n in v['nodes']][:3]}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 1:
            problems.append(f"{name}@{width}: page scrolls sideways by {overflow}px")
        page.screenshot(path=str(ARTIFACTS / f"{db}-{name}-{width}.png"), full_page=True)
    text = page.inner_text("main")
    for pattern, what in ((RAW_ISO, "raw ISO timestamp"), (RAW_JSON, "raw JSON")):
        found = pattern.search(text)
        if found:
            problems.append(f"{name}: {what} shown: {text[max(0, found.start() - 40):found.end() + 40]!r}")
    page.set_viewport_size({"width": 1280, "height": 900})
    return problems


def _watch_csp(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Collects the browser's CSP refusals (an inline style or script the page's policy blocked) as problems."""
    refused: list[str] = []
    page.on("console", lambda m: refused.append(f"CSP refusal on {page.url}: {m.text[:200]}")
            if "Content Security Policy" in m.text else None)
    return refused


def test_the_morning_walk(walk) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    base, key, (engine, case_id, update, db) = walk
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    axe_source = AXE.read_text(encoding="utf-8")
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        refused = _watch_csp(page)
        page.goto(f"{base}/ui/accounts")
        assert "/ui/login" in page.url
        problems += _check_page(page, "login", db, axe_source)
        page.fill("#api_key", key)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/ui/accounts")

        # Accounts by risk: the Red account is first; reach it with the keyboard alone.
        first = page.locator("#accounts tbody tr").first
        assert first.get_attribute("data-account") == "acc-1" and "red" in first.inner_text()
        problems += _check_page(page, "accounts", db, axe_source)
        for _ in range(40):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.classList.contains('account-link')"):
                break
        else:
            pytest.fail("the first account link is not reachable with Tab")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/ui/accounts/acc-1")

        # The account: risk history, signals, the quoted evidence highlighted in the thread.
        assert page.locator("mark.evidence", has_text="I need to speak to your manager").count() >= 1
        problems += _check_page(page, "account", db, axe_source)
        page.click(f"#cases a[href='/ui/cases/{case_id}']")
        page.wait_for_url(f"{base}/ui/cases/{case_id}")
        problems += _check_page(page, "case", db, axe_source)

        # Its pending customer update: edit the subject in the form, approve.
        page.click(f"a[href='/ui/inbox/{update.id}']")
        page.wait_for_selector("#f-subject")
        problems += _check_page(page, "approval", db, axe_source)
        page.fill("#f-subject", "")
        page.click("#decide-approve")
        page.wait_for_selector("#f-subject-error")  # validated on the server, error next to the field
        assert get_approval(engine, update.id).status == "pending"
        problems += _check_page(page, "approval-error", db, axe_source)
        page.fill("#f-subject", "SSO for EU users: new metadata and a call tomorrow")
        page.click("#decide-approve")
        page.wait_for_url(f"{base}/ui/cases/{case_id}*")
        entry = page.locator("#timeline li[data-kind='customer_update_approved']")
        assert entry.count() == 1
        entry.locator("summary").first.click()
        assert "SSO for EU users: new metadata and a call tomorrow" in entry.inner_text()
        problems += _check_page(page, "case-after-approve", db, axe_source)

        page.goto(f"{base}/ui/inbox?scope=all")
        problems += _check_page(page, "inbox", db, axe_source)
        if page.goto(f"{base}/ui/dashboard").status == 200:  # only for roles that read KPIs
            problems += _check_page(page, "dashboard", db, axe_source)
        browser.close()
    problems += refused
    decided = get_approval(engine, update.id)
    assert decided.decision and decided.decision.type == "edit"
    assert decided.decision.edited_payload == {"subject": "SSO for EU users: new metadata and a call tomorrow"}
    (ARTIFACTS / f"{db}-problems.json").write_text(json.dumps(problems, indent=1), encoding="utf-8")
    assert not problems, "\n".join(problems)


def test_the_manager_pages_are_accessible(walk) -> None:  # type: ignore[no-untyped-def]
    """The pages a manager adds (dashboard with its charts, every approval in the inbox) pass the same checks."""
    from playwright.sync_api import sync_playwright

    base, _, (_, case_id, update, db) = walk
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    axe_source = AXE.read_text(encoding="utf-8")
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        refused = _watch_csp(page)
        page.goto(f"{base}/ui/login")
        page.fill("#api_key", MANAGER_KEY)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/ui/inbox")
        page.goto(f"{base}/ui/inbox?scope=all")  # a manager decides others' approvals only as an override
        assert page.locator(f"tr[data-approval='{update.id}']").count() == 1
        problems += _check_page(page, "manager-inbox", db, axe_source)
        assert page.goto(f"{base}/ui/dashboard").status == 200
        assert page.locator("svg.chart").count() >= 7
        problems += _check_page(page, "manager-dashboard", db, axe_source)
        page.goto(f"{base}/ui/accounts?band=red")
        problems += _check_page(page, "manager-accounts-red", db, axe_source)
        browser.close()
    problems += refused
    assert not problems, "\n".join(problems)
