"""Zendesk Support incremental exports as sync streams (docs/connectors.md, "redaccount sync zendesk").

Cursor-based: tickets and users (`/api/v2/incremental/{tickets,users}/cursor.json`); the stored cursor is
`after_cursor`, kept at end of stream so the next run asks only for what changed. Time-based: organizations,
ticket events (with `include=comment_events`) and ticket metric events; the stored cursor is `end_time`.
Satisfaction ratings are a cursor-paginated list filtered by `start_time`. Every stream keeps a watermark (the
newest record time stored): when Zendesk refuses an old cursor the stream restarts from it, and the overlap
is harmless because event ids repeat.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import sqlalchemy as sa

from connectors import zendesk
from connectors.base import Mapping, MappingError, optional_time
from connectors.http import JsonClient, VendorError
from connectors.importer import known_sla, known_tickets
from connectors.sync import CursorExpired, Mapper, Page, Stream
from core.store.sync_cursors import SyncCursor

log = logging.getLogger(__name__)
EXPIRED_STATUSES = frozenset({400, 404, 410, 422})
MAX_STALE = 3  # stale pages in a row before a run gives up (the next run starts from the stored cursor)
TIME_FIELDS = ("generated_timestamp", "updated_at", "time", "created_at", "timestamp")


def _epoch(state: SyncCursor | None) -> int:
    return int(state.watermark.timestamp()) if state and state.watermark else 0


def _newest(records: list[Any]) -> datetime | None:
    newest: datetime | None = None
    for record in records:
        if not isinstance(record, dict):
            continue
        for key in TIME_FIELDS:
            try:
                when = optional_time(record.get(key), key)
            except MappingError:
                continue
            if when is not None:
                newest = when if newest is None or when > newest else newest
                break
    return newest


def relative(url: str, base_url: str) -> str:
    """A next-page URL from the vendor as a path on our base URL; another host is refused (credentials)."""
    target, base = urlsplit(url), urlsplit(base_url)
    if target.netloc and (target.scheme, target.netloc) != (base.scheme, base.netloc):
        raise VendorError(f"next page points at another host ({target.netloc}); refusing to send credentials")
    return target.path + (f"?{target.query}" if target.query else "")


class CursorExport:
    """Tickets or users: `start_time` on the first run, then `cursor=after_cursor`."""

    def __init__(self, client: JsonClient, name: str, path: str, key: str, extra: dict[str, Any] | None = None):
        self.client, self.name, self.path, self.key, self.extra = client, name, path, key, extra or {}

    def fetch(self, state: SyncCursor | None) -> Page:
        params: dict[str, Any] = {"cursor": state.cursor} if state and state.cursor else {"start_time": _epoch(state)}
        params.update(self.extra)
        try:
            body = self.client.get_json(self.path, params)
        except VendorError as exc:
            if "cursor" in params and exc.status in EXPIRED_STATUSES:
                raise CursorExpired(str(exc)) from exc
            raise
        records = body.get(self.key) or []
        cursor = body.get("after_cursor") or (state.cursor if state else None)
        return Page([(self.name, body)], cursor, _newest(records), bool(body.get("end_of_stream")), len(records))


class TimeExport:
    """Organizations, ticket events, ticket metric events: `start_time`, then the page's `end_time`."""

    def __init__(self, client: JsonClient, name: str, path: str, key: str, extra: dict[str, Any] | None = None):
        self.client, self.name, self.path, self.key, self.extra = client, name, path, key, extra or {}
        self.stale = 0

    def fetch(self, state: SyncCursor | None) -> Page:
        start = int(state.cursor) if state and state.cursor else _epoch(state)
        body = self.client.get_json(self.path, {"start_time": start, **self.extra})
        records = body.get(self.key) or []
        end_time = body.get("end_time")
        if "end_of_stream" in body:
            done = bool(body["end_of_stream"])
        else:  # ticket metric events have no end_of_stream: an empty page or no next page ends it
            done = not records or not body.get("next_page")
        end = int(end_time) if end_time is not None else start
        if not done and end <= start:
            oldest = _newest(records[:1])
            if oldest is not None and int(oldest.timestamp()) >= start:
                # Zendesk's documented limit: more records share one second than a page holds. Stop, not loop.
                log.warning("%s: end_time did not advance past %s; stopping this run", self.name, start)
                done = True
            else:
                # A stale page (a cache or proxy answered with an older page): store it, never move backwards.
                self.stale += 1
                log.warning("%s: page ends at %s, not after its start %s (stale page %d)", self.name, end, start,
                            self.stale)
                done, end = self.stale > MAX_STALE, start
        cursor = str(end)
        return Page([(self.name, body)], cursor, _newest(records), done, len(records))


class RatingsList:
    """Satisfaction ratings: `start_time` from the watermark, then the cursor pagination's `links.next`."""

    def __init__(self, client: JsonClient, base_url: str, name: str = "zendesk:satisfaction_ratings"):
        self.client, self.base_url, self.name = client, base_url, name

    def fetch(self, state: SyncCursor | None) -> Page:
        if state and state.cursor:
            try:
                body = self.client.get_json(relative(state.cursor, self.base_url))
            except VendorError as exc:
                if exc.status in EXPIRED_STATUSES:
                    raise CursorExpired(str(exc)) from exc
                raise
        else:
            body = self.client.get_json("/api/v2/satisfaction_ratings",
                                        {"start_time": _epoch(state), "page[size]": 100})
        records = body.get("satisfaction_ratings") or []
        meta, links = body.get("meta") or {}, body.get("links") or {}
        following = links.get("next") if meta.get("has_more") else body.get("next_page")
        cursor = relative(following, self.base_url) if following else None
        return Page([(self.name, body)], cursor, _newest(records), cursor is None, len(records))


def client_for(base_url: str, email: str, token: str, **options: Any) -> JsonClient:
    """API-token auth: `{email}/token` with the token as password (Zendesk's documented form)."""
    return JsonClient(base_url, auth=httpx.BasicAuth(f"{email}/token", token),
                      headers={"Accept": "application/json"}, **options)


def streams(client: JsonClient, base_url: str, engine: sa.Engine, strict: bool = False
            ) -> list[tuple[Stream, Mapper]]:
    """The streams in dependency order: organizations and users before tickets, tickets before their events."""

    def mapper(documents: Sequence[tuple[str, Any]]) -> Mapping:
        # A fresh lookup per page: tickets stored by an earlier page or stream are found in the database.
        return zendesk.map_documents(documents, Mapping(strict=strict), known_tickets(engine),
                                     known_sla=known_sla(engine))

    found: list[Stream] = [
        TimeExport(client, "zendesk:organizations", "/api/v2/incremental/organizations.json", "organizations"),
        CursorExport(client, "zendesk:users", "/api/v2/incremental/users/cursor.json", "users"),
        CursorExport(client, "zendesk:tickets", "/api/v2/incremental/tickets/cursor.json", "tickets",
                     {"include": "metric_sets"}),  # reopens and solved_at ride along with each ticket
        TimeExport(client, "zendesk:ticket_events", "/api/v2/incremental/ticket_events.json", "ticket_events",
                   {"include": "comment_events"}),
        TimeExport(client, "zendesk:ticket_metric_events", "/api/v2/incremental/ticket_metric_events.json",
                   "ticket_metric_events"),
        RatingsList(client, base_url),
    ]
    return [(stream, mapper) for stream in found]

