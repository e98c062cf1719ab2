"""Incremental vendor sync: page after page, each page's events and the stream cursor in one transaction.

A stream (connectors/zendesk_sync.py, connectors/salesforce_sync.py) fetches the page that follows the stored
cursor; the vendor mapper turns it into events; the events are written and the cursor advanced together, so
a crash (even SIGKILL) between two pages resumes at the first page not stored, and a page fetched twice
writes nothing twice (event ids come from vendor data). Records that cannot be mapped are refused one line
each and the sync goes on; with `strict` the first page holding a refused record stops the sync there.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa

from connectors.base import Mapping
from connectors.http import VendorError, WaitLog
from connectors.importer import plan
from core.ingest import IngestError, write_events
from core.store.sync_cursors import SyncCursor, advance_cursor, read_cursor, restart_from_watermark

log = logging.getLogger(__name__)
MAX_RESTARTS = 3


class SyncBusy(RuntimeError):
    """Another sync of the same vendor holds the lock; this one did nothing."""


class CursorExpired(Exception):
    """The vendor no longer accepts the stored cursor; the stream restarts from its watermark."""


@dataclass
class Page:
    """One vendor response: the documents to map, where the next page starts, and whether the stream ended."""

    documents: list[tuple[str, Any]]
    cursor: str | None
    watermark: datetime | None
    done: bool
    records: int


class Stream(Protocol):
    name: str

    def fetch(self, state: SyncCursor | None) -> Page: ...


Mapper = Callable[[Sequence[tuple[str, Any]]], Mapping]


@dataclass
class StreamReport:
    stream: str
    pages: int = 0
    records: int = 0
    written: int = 0
    already: int = 0
    skipped: int = 0
    restarts: int = 0
    refused: list[str] = field(default_factory=list)
    fallbacks: dict[str, int] = field(default_factory=dict)


@dataclass
class SyncReport:
    """What one sync did, per stream, with the time spent and the time spent waiting on the vendor."""

    vendor: str
    streams: list[StreamReport] = field(default_factory=list)
    seconds: float = 0.0
    waits: WaitLog = field(default_factory=WaitLog)

    @property
    def written(self) -> int:
        return sum(s.written for s in self.streams)

    @property
    def refused(self) -> list[str]:
        return [line for s in self.streams for line in s.refused]

    def line(self) -> str:
        pages = sum(s.pages for s in self.streams)
        records = sum(s.records for s in self.streams)
        already = sum(s.already for s in self.streams)
        skipped = sum(s.skipped for s in self.streams)
        share = self.waits.rate_limited_s / self.seconds if self.seconds else 0.0
        return (f"{self.vendor}: {pages} page(s), {records} record(s): {self.written} event(s) written, "
                f"{already} already stored, {skipped} skipped, {len(self.refused)} refused; "
                f"{self.seconds:.1f}s, {self.waits.rate_limited_s:.1f}s waiting on rate limits ({share:.0%})")


def sync_stream(engine: sa.Engine, vendor: str, stream: Stream, mapper: Mapper, strict: bool = False,
                stop: threading.Event | None = None) -> StreamReport:
    """Fetch, map and store pages of one stream until its end (or `stop` is set between two pages)."""
    report = StreamReport(stream.name)
    state = read_cursor(engine, stream.name)
    while stop is None or not stop.is_set():
        try:
            page = stream.fetch(state)
        except CursorExpired as exc:
            if state is None or state.cursor is None or report.restarts >= MAX_RESTARTS:
                raise VendorError(f"{stream.name}: {exc}") from exc
            log.warning("%s: cursor no longer valid (%s); restarting from %s", stream.name, exc, state.watermark)
            restart_from_watermark(engine, stream.name)
            report.restarts += 1
            state = read_cursor(engine, stream.name)
            continue
        _store(engine, vendor, stream.name, page, mapper, strict, report)
        if page.done or (page.records == 0 and state is not None and page.cursor == state.cursor):
            break  # the end, or an empty page that leaves the cursor where it was (nothing more to read)
        state = read_cursor(engine, stream.name)
    return report


def _store(engine: sa.Engine, vendor: str, name: str, page: Page, mapper: Mapper, strict: bool,
           report: StreamReport) -> None:
    mapping = mapper(page.documents)
    if mapping.problems and strict:
        raise IngestError(mapping.problems)
    for problem in mapping.problems:
        log.warning("%s: refused %s", name, problem)
        report.refused.append(str(problem))
    summary = plan(engine, vendor, len(page.documents), mapping)
    events = [p.emitted.event for p in summary.planned]
    written = write_events(engine, events, also=lambda c: advance_cursor(c, name, page.cursor, page.watermark,
                                                                          len(events)))
    report.pages += 1
    report.records += page.records
    report.written += written.inserted
    report.already += summary.skip_reasons.get("already imported", 0) + written.duplicates
    report.skipped += summary.skipped - summary.skip_reasons.get("already imported", 0)
    for reason, count in mapping.fallback_counts().items():
        report.fallbacks[reason] = report.fallbacks.get(reason, 0) + count


def run_streams(engine: sa.Engine, vendor: str, streams: Sequence[tuple[Stream, Mapper]], waits: WaitLog,
                strict: bool = False, stop: threading.Event | None = None) -> SyncReport:
    """Sync each stream in order (accounts before tickets before comments) and time the whole run."""
    report = SyncReport(vendor, waits=waits)
    started = time.perf_counter()
    for stream, mapper in streams:
        if stop is not None and stop.is_set():
            break
        report.streams.append(sync_stream(engine, vendor, stream, mapper, strict, stop))
    report.seconds = time.perf_counter() - started
    return report
