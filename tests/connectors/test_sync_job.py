"""Follow mode on the job engine: `sync_vendor` syncs the local Zendesk fake, enqueues assessment, re-schedules."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from product import Product, build_product
from product.assess import assess_account
from product.sync_jobs import start_following, sync_vendor
from tests.connectors.fake_server import serve
from tests.connectors.fake_zendesk import FakeZendesk, ZendeskData
from tests.connectors.sync_helpers import counts, zendesk_settings

TICKETS = 12


@pytest.fixture
def fake() -> Iterator[tuple[FakeZendesk, str]]:
    server = FakeZendesk(ZendeskData(tickets=TICKETS, comments=2, orgs=3), page_size=10)
    with serve(server.app) as url:
        yield server, url


def _product(url: str, tmp_path: Path, interval: float) -> Product:
    # The real huey on a SQLite file (not immediate): what is queued and scheduled can be read back.
    return build_product(zendesk_settings(url, tmp_path, sync_interval_s=interval))


def _syncs_waiting(product: Product) -> list:
    """The sync_vendor jobs waiting (huey keeps a scheduled job in the queue until a consumer parks it)."""
    huey = product.jobs.huey
    return [t for t in [*huey.pending(), *huey.scheduled()] if t.name == "sync_vendor"]


def _add_ticket(server: FakeZendesk) -> None:
    tickets = server.data.streams["tickets"]
    tickets.append({**tickets[-1], "id": 99_999, "_t": tickets[-1]["_t"] + 60})


def test_the_job_syncs_enqueues_assessment_and_schedules_itself_once(fake, tmp_path: Path) -> None:
    server, url = fake
    product = _product(url, tmp_path, interval=300)
    try:
        written = sync_vendor(product, vendor="zendesk")
        assert written and counts(product.engine)["tickets"] == TICKETS
        assert product.jobs.queued(assess_account)  # synced accounts wait for assessment at once
        (waiting,) = _syncs_waiting(product)
        assert waiting.kwargs["vendor"] == "zendesk" and waiting.eta is not None  # a later run, not a loop

        _add_ticket(server)
        assert (sync_vendor(product, vendor="zendesk") or 0) >= 1  # resumes from the cursor: the new ticket
        assert counts(product.engine)["tickets"] == TICKETS + 1
        start_following(product)  # serve/worker start-up with credentials set: the chain is there already
        assert len(_syncs_waiting(product)) == 1  # one chain, not two
    finally:
        product.close()


def test_following_on_consumer_threads_syncs_again_after_the_interval(fake, tmp_path: Path) -> None:
    server, url = fake
    product = _product(url, tmp_path, interval=0.5)
    try:
        assert start_following(product) == ["zendesk"]
        product.jobs.start(workers=2)
        deadline = time.monotonic() + 30
        while counts(product.engine)["tickets"] < TICKETS and time.monotonic() < deadline:
            time.sleep(0.1)
        assert counts(product.engine)["tickets"] == TICKETS
        _add_ticket(server)  # only a later, self-scheduled run can fetch this one
        while counts(product.engine)["tickets"] < TICKETS + 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert counts(product.engine)["tickets"] == TICKETS + 1
    finally:
        product.close()
