"""Outgoing notifications: allowed hosts only, one message per destination, retried with backoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa

from core.db import open_database
from core.settings import Settings
from core.store.cases import open_escalation, update_escalation
from core.store.ledger import enqueue_outbound, read_outbox
from product.notify import Notifier, NotifyConfigError, check_url

HOOK = "http://127.0.0.1:9/hooks/redaccount"
ALLOWED = ["127.0.0.1"]


@pytest.fixture
def engine(settings: Settings) -> sa.Engine:
    return open_database(settings)


def fake_client(codes: list[int], seen: list[dict]) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append({"url": str(request.url), "body": request.content.decode()})
        return httpx.Response(codes.pop(0) if codes else 200)

    return httpx.Client(transport=httpx.MockTransport(handler))


@pytest.mark.parametrize("url", ["https://evil.example.com/x", "ftp://127.0.0.1/x", "http://10.0.0.5/x",
                                 "http://127.0.0.1.nip.io/x"])
def test_hosts_outside_the_allow_list_are_refused(url: str) -> None:
    with pytest.raises(NotifyConfigError):
        check_url(url, ALLOWED)


def test_refused_at_start_up(engine: sa.Engine) -> None:
    with pytest.raises(NotifyConfigError):
        Notifier(engine, ["https://hooks.example.com/x"], ALLOWED)


def test_workflow_notification_is_delivered_once_per_url(engine: sa.Engine) -> None:
    now = datetime.now(UTC)
    enqueue_outbound(engine, "notify:apr-1", "notification", {"event": "approval_waiting", "approval_id": "apr-1",
                                                               "case_id": "esc-1", "action": "validate_brief",
                                                               "assigned_to": "Priya Raman"}, now, case_id="esc-1")
    seen: list[dict] = []
    notifier = Notifier(engine, [HOOK, HOOK + "2"], ALLOWED, client=fake_client([], seen))
    notifier.run_once()
    notifier.run_once()
    assert len(seen) == 2 and {s["url"] for s in seen} == {HOOK, HOOK + "2"}
    assert "validate_brief" in seen[0]["body"] and "/ui/inbox/apr-1" in seen[0]["body"]
    assert all(r["sent_at"] for r in read_outbox(engine))


def test_failures_are_retried_with_backoff_then_sent(engine: sa.Engine) -> None:
    enqueue_outbound(engine, "notify:opened:esc-1", "notification", {"event": "case_opened", "case_id": "esc-1",
                                                                     "account_id": "acc-1", "score": 80},
                     datetime.now(UTC), case_id="esc-1")
    seen: list[dict] = []
    notifier = Notifier(engine, [HOOK], ALLOWED, client=fake_client([500, 503], seen))
    notifier.run_once()
    row = next(r for r in read_outbox(engine) if r["kind"] == "notify.case_opened")
    assert row["attempts"] == 1 and row["sent_at"] is None
    notifier.run_once()
    assert len(seen) == 1  # still backing off: no second attempt yet
    notifier._not_before.clear()  # time passes
    notifier.run_once()
    notifier._not_before.clear()
    notifier.run_once()
    row = next(r for r in read_outbox(engine) if r["kind"] == "notify.case_opened")
    assert row["sent_at"] is not None and len(seen) == 3


def test_sla_about_to_breach_is_announced_once(engine: sa.Engine) -> None:
    now = datetime.now(UTC)
    case, _ = open_escalation(engine, "acc-1", now)
    update_escalation(engine, case.id, now, sla_due={"first_response": now + timedelta(hours=1),
                                                      "resolution": now + timedelta(days=3)})
    seen: list[dict] = []
    notifier = Notifier(engine, [HOOK], ALLOWED, client=fake_client([], seen))
    assert notifier.run_once(now)["planned"] == 1
    assert notifier.run_once(now)["planned"] == 0
    assert len(seen) == 1 and "first_response" in seen[0]["body"]
