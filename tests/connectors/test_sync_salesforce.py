"""`sync_once` against the local Salesforce fake, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from connectors.http import VendorError
from connectors.runner import sync_once
from core.store.sync_cursors import list_cursors
from tests.connectors.fake_salesforce import CLIENT_SECRET, FakeSalesforce, generate
from tests.connectors.fake_server import Faults, serve
from tests.connectors.sync_helpers import counts, event_ids, salesforce_settings

CASES, COMMENTS, ACCOUNTS = 20, 3, 4


@pytest.fixture
def fake() -> Iterator[tuple[FakeSalesforce, str]]:
    server = FakeSalesforce(generate(CASES, COMMENTS, ACCOUNTS), batch=7)
    with serve(server.app) as url:
        yield server, url


def test_full_sync_with_next_records_url_then_nothing_new(engine: sa.Engine, fake, tmp_path: Path) -> None:
    server, url = fake
    settings = salesforce_settings(url, tmp_path)
    report = sync_once(engine, settings, "salesforce", sleep=lambda _s: None)
    found = counts(engine)
    # every case also brings its Description as the customer's first message
    assert (found["accounts"], found["contacts"], found["tickets"]) == (ACCOUNTS, ACCOUNTS, CASES)
    assert found["messages"] == CASES * COMMENTS + CASES
    assert report.refused == []
    comments = next(s for s in report.streams if s.stream == "salesforce:CaseComment")
    assert comments.pages == -(-CASES * COMMENTS // 7)  # paged with nextRecordsUrl to the end
    assert all(c.cursor is None and c.watermark for c in list_cursors(engine, "salesforce:"))
    with engine.connect() as connection:
        accounts = set(connection.scalars(sa.text("SELECT DISTINCT account_id FROM messages")))
    assert accounts == {f"salesforce:account:001A{a:011d}" for a in range(ACCOUNTS)}  # comments found their case

    before = event_ids(engine)
    again = sync_once(engine, settings, "salesforce", sleep=lambda _s: None)
    assert again.written == 0 and event_ids(engine) == before


def test_expired_token_expired_locator_429_500_and_a_duplicated_page(engine: sa.Engine, tmp_path: Path) -> None:
    server = FakeSalesforce(generate(CASES, COMMENTS, ACCOUNTS), Faults(status_at={3: 429, 5: 500}, retry_after="2",
                                                                      unknown_fields=True, duplicate_at={9}),
                            batch=7)
    slept: list[float] = []
    with serve(server.app) as url:
        settings = salesforce_settings(url, tmp_path)
        server.expire_token = True
        server.state.faults.expire_next_cursor = True
        report = sync_once(engine, settings, "salesforce", sleep=slept.append)
    assert server.tokens_issued == 2  # the 401 fetched a new token once
    assert sum(s.restarts for s in report.streams) == 1  # INVALID_QUERY_LOCATOR: query again from the watermark
    assert 2.0 in slept and report.waits.errors == 1
    found = counts(engine)
    assert (found["tickets"], found["messages"]) == (CASES, CASES * COMMENTS + CASES)
    assert report.refused == [] and sum(s.already for s in report.streams) > 0  # the duplicate wrote nothing


def test_wrong_client_secret_is_refused_without_echoing_it(engine: sa.Engine, fake, tmp_path: Path) -> None:
    _server, url = fake
    settings = salesforce_settings(url, tmp_path, salesforce_client_secret="wrong-secret-0123456789")
    with pytest.raises(VendorError, match="invalid_client") as refused:
        sync_once(engine, settings, "salesforce", sleep=lambda _s: None)
    assert "wrong-secret" not in str(refused.value) and CLIENT_SECRET not in str(refused.value)
    assert counts(engine)["events"] == 0
