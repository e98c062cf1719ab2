"""`sync_once` against the local Zendesk fake, on SQLite and PostgreSQL: paging, faults, cursors, resume."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from connectors.runner import SyncBusy, SyncNotConfigured, sync_once
from core.db.locks import NamedLocks
from core.ingest import IngestError
from core.settings import Settings
from core.store.sync_cursors import list_cursors, read_cursor
from tests.connectors.fake_server import Faults, serve
from tests.connectors.fake_zendesk import TOKEN, FakeZendesk, ZendeskData
from tests.connectors.sync_helpers import counts, event_ids, zendesk_settings

TICKETS, COMMENTS, ORGS = 30, 5, 4


@pytest.fixture
def fake() -> Iterator[tuple[FakeZendesk, str]]:
    server = FakeZendesk(ZendeskData(tickets=TICKETS, comments=COMMENTS, orgs=ORGS), page_size=25)
    with serve(server.app) as url:
        yield server, url


def _expected() -> dict[str, int]:
    return {"accounts": ORGS, "contacts": ORGS, "tickets": TICKETS, "messages": TICKETS * COMMENTS,
            "csat": len(range(0, TICKETS, 20)), "sla": len(range(0, TICKETS, 10))}


def test_full_sync_pages_to_the_end_and_a_second_run_writes_nothing(engine: sa.Engine, fake, tmp_path: Path) -> None:
    server, url = fake
    settings = zendesk_settings(url, tmp_path)
    report = sync_once(engine, settings, "zendesk", sleep=lambda _s: None)
    found = counts(engine)
    assert {k: found[k] for k in _expected()} == _expected()
    assert report.refused == []
    assert {s.stream for s in report.streams} == {
        "zendesk:organizations", "zendesk:users", "zendesk:tickets", "zendesk:ticket_events",
        "zendesk:ticket_metric_events", "zendesk:satisfaction_ratings"}
    events = next(s for s in report.streams if s.stream == "zendesk:ticket_events")
    assert events.pages >= TICKETS * COMMENTS // 25  # really paged
    cursors = {c.stream: c for c in list_cursors(engine, "zendesk:")}
    assert cursors["zendesk:tickets"].cursor and cursors["zendesk:tickets"].watermark is not None

    before = event_ids(engine)
    again = sync_once(engine, settings, "zendesk", sleep=lambda _s: None)
    assert again.written == 0
    assert event_ids(engine) == before


def test_429_500_duplicated_page_and_unknown_fields(engine: sa.Engine, tmp_path: Path) -> None:
    faults = Faults(status_at={2: 429, 4: 500, 6: 503, 9: 429}, retry_after="7", duplicate_at={12, 13},
                    unknown_fields=True)
    server = FakeZendesk(ZendeskData(tickets=TICKETS, comments=COMMENTS, orgs=ORGS), faults, page_size=25)
    slept: list[float] = []
    with serve(server.app) as url:
        report = sync_once(engine, zendesk_settings(url, tmp_path), "zendesk", sleep=slept.append)
    found = counts(engine)
    assert {k: found[k] for k in _expected()} == _expected()
    assert report.waits.rate_limited == 2 and report.waits.rate_limited_s == 14.0
    assert slept.count(7.0) == 2  # Retry-After honoured
    assert report.waits.errors == 2  # the 500 and the 503, retried with backoff
    assert report.refused == []
    assert sum(s.already for s in report.streams) > 0  # the duplicated pages wrote nothing twice


def test_expired_cursor_restarts_from_the_watermark(engine: sa.Engine, fake, tmp_path: Path) -> None:
    server, url = fake
    settings = zendesk_settings(url, tmp_path)
    sync_once(engine, settings, "zendesk", sleep=lambda _s: None)
    before = event_ids(engine)
    server.state.faults.expire_next_cursor = True
    report = sync_once(engine, settings, "zendesk", sleep=lambda _s: None)
    assert sum(s.restarts for s in report.streams) == 1
    assert report.written == 0 and event_ids(engine) == before


def test_a_record_that_cannot_be_mapped_is_refused_alone_and_strict_stops(engine: sa.Engine, tmp_path: Path) -> None:
    data = ZendeskData(tickets=TICKETS, comments=COMMENTS, orgs=ORGS)
    data.streams["tickets"][3]["status"] = "archived"
    server = FakeZendesk(data, page_size=25)
    with serve(server.app) as url:
        settings = zendesk_settings(url, tmp_path)
        with pytest.raises(IngestError, match="archived"):
            sync_once(engine, settings, "zendesk", strict=True, sleep=lambda _s: None)
        assert read_cursor(engine, "zendesk:tickets") is None  # the refused page did not move the cursor
        report = sync_once(engine, settings, "zendesk", sleep=lambda _s: None)
    assert len(report.refused) == 1 and "/tickets/3/status: unknown Zendesk status 'archived'" in report.refused[0]
    assert counts(engine)["tickets"] == TICKETS  # the ticket events still describe the refused ticket


def test_credentials_are_never_logged(engine: sa.Engine, fake, tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    _server, url = fake
    caplog.set_level(logging.DEBUG)
    settings = zendesk_settings(url, tmp_path)
    report = sync_once(engine, settings, "zendesk", sleep=lambda _s: None)
    shown = caplog.text + "".join(capsys.readouterr()) + report.line() + repr(settings)
    assert report.written > 0 and TOKEN not in shown


def test_wrong_token_is_a_clear_error(engine: sa.Engine, fake, tmp_path: Path) -> None:
    _server, url = fake
    settings = zendesk_settings(url, tmp_path).model_copy(update={"zendesk_api_token": None})
    with pytest.raises(SyncNotConfigured, match="REDACCOUNT_ZENDESK_API_TOKEN"):
        sync_once(engine, settings, "zendesk")
    bad = Settings(data_dir=tmp_path, llm_enabled=False, zendesk_base_url=url, zendesk_email="a@b.c",
                   zendesk_api_token="not-the-token-0123456789")
    with pytest.raises(Exception, match="401"):
        sync_once(engine, bad, "zendesk", sleep=lambda _s: None)
    assert counts(engine)["events"] == 0


def test_a_second_sync_of_the_same_vendor_does_nothing(engine: sa.Engine, fake, tmp_path: Path) -> None:
    _server, url = fake
    locks = NamedLocks(engine)
    with locks.hold("sync:zendesk") as held:
        assert held
        with pytest.raises(SyncBusy, match="another zendesk sync is running"):
            sync_once(engine, zendesk_settings(url, tmp_path), "zendesk", sleep=lambda _s: None)
    locks.dispose()
    assert counts(engine)["events"] == 0
