"""A local fake of the Zendesk Support incremental exports, serving the documented response shapes.

Shapes follow Zendesk's API reference (developer.zendesk.com/api-reference, "Incremental Exports", "Ticket
Metric Events", "Satisfaction Ratings"): cursor pages (`after_cursor`, `after_url`, `end_of_stream`),
time-based pages (`end_time`, `next_page`, `count`, `end_of_stream`; metric events without the latter), and
ticket events whose `child_events` carry field changes and, with `include=comment_events`, the comments.
Data is generated: `tickets` tickets with `comments` comments each, so the comment count is known exactly.
"""

from __future__ import annotations

import base64
import bisect
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.connectors.fake_server import Faults, FaultState

BASE = 1_700_000_000  # 2023-11-14: every generated time is after this
EMAIL, TOKEN = "admin@example.com", "fake-zendesk-token-0123456789"


def iso(t: int) -> str:
    return datetime.fromtimestamp(t, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class ZendeskData:
    """Generated account data, each list sorted by its export time `_t`."""

    tickets: int = 20
    comments: int = 5
    orgs: int = 4
    streams: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        orgs = [{"id": 500 + o, "name": f"Org {o}", "created_at": iso(BASE), "updated_at": iso(BASE + o),
                 "organization_fields": {"arr": 100_000 * (o + 1)}, "tags": [], "_t": BASE + o}
                for o in range(self.orgs)]
        users = [{"id": 9000 + o, "name": f"Customer {o}", "email": f"c{o}@example.com", "role": "end-user",
                  "organization_id": 500 + o, "created_at": iso(BASE), "updated_at": iso(BASE + 10 + o),
                  "_t": BASE + 10 + o} for o in range(self.orgs)]
        users += [{"id": 8000 + a, "name": f"Agent {a}", "role": "agent", "created_at": iso(BASE),
                   "updated_at": iso(BASE + 20 + a), "_t": BASE + 20 + a} for a in range(2)]
        tickets, events, metrics, ratings = [], [], [], []
        step = self.comments + 5
        for i in range(self.tickets):
            tid, org = 10_000 + i, i % self.orgs
            created = BASE + 100 + i * step
            requester = 9000 + org
            status = "solved" if self.comments >= 3 else "open"
            tickets.append({
                "id": tid, "url": f"https://example.zendesk.com/api/v2/tickets/{tid}.json", "subject": f"Issue {i}",
                "raw_subject": f"Issue {i}", "description": f"Comment 0 on ticket {i}", "status": status,
                "priority": ("urgent", "high", "normal", "low")[i % 4], "type": "incident",
                "requester_id": requester, "submitter_id": requester, "organization_id": 500 + org,
                "assignee_id": 8000 + i % 2, "group_id": 77, "tags": ["escalated"] if i % 7 == 0 else [],
                "via": {"channel": "web"}, "created_at": iso(created), "updated_at": iso(created + self.comments),
                "generated_timestamp": created + self.comments, "_t": created + self.comments})
            for k in range(self.comments):
                t = created + k
                author = requester if k % 2 == 0 else 8000 + i % 2
                children: list[dict[str, Any]] = []
                if k == 0:
                    children += [{"id": tid * 100 + 90 + n, "event_type": "Create", key: value}
                                 for n, (key, value) in enumerate((("status", "new"), ("priority", "normal"),
                                                                   ("subject", f"Issue {i}"),
                                                                   ("requester_id", requester),
                                                                   ("organization_id", 500 + org)))]
                if k == 1:
                    children.append({"id": tid * 100 + 80, "event_type": "Change", "status": "open",
                                     "previous_value": "new"})
                if k == self.comments - 1 and status == "solved":
                    children.append({"id": tid * 100 + 81, "event_type": "Change", "status": "solved",
                                     "previous_value": "open"})
                audit = tid * 100 + k
                children.append({
                    "id": tid * 1000 + k, "via": {"channel": "web", "source": {"from": {}, "to": {}, "rel": None}},
                    "via_reference_id": None, "type": "Comment", "author_id": author,
                    "body": f"Comment {k} on ticket {i}", "html_body": f"<p>Comment {k} on ticket {i}</p>",
                    "public": True, "attachments": [], "audit_id": audit, "created_at": iso(t),
                    "event_type": "Comment"})
                events.append({"id": audit, "ticket_id": tid, "timestamp": t, "created_at": iso(t),
                               "updater_id": author, "via": "Web form", "system": {}, "event_type": "Audit",
                               "child_events": children, "merged_ticket_ids": [], "_t": t})
            if i % 10 == 0:
                sla = {"target": 60, "business_hours": False,
                       "policy": {"id": 1, "title": "Enterprise", "description": "Enterprise SLA"}}
                kind = "breach" if i % 20 == 0 else "fulfill"
                metrics += [
                    {"id": tid * 10 + 1, "ticket_id": tid, "metric": "reply_time", "instance_id": 1,
                     "type": "apply_sla", "sla": sla, "time": iso(created), "_t": created},
                    {"id": tid * 10 + 2, "ticket_id": tid, "metric": "reply_time", "instance_id": 1,
                     "type": "activate", "time": iso(created), "_t": created},
                    {"id": tid * 10 + 3, "ticket_id": tid, "metric": "reply_time", "instance_id": 1,
                     "type": kind, "time": iso(created + 1), "_t": created + 1}]
            if i % 20 == 0:
                ratings.append({"id": 70_000 + i, "url": "https://example.zendesk.com/api/v2/satisfaction_ratings/1",
                                "assignee_id": 8000, "group_id": 77, "requester_id": requester, "ticket_id": tid,
                                "score": "good" if i % 40 else "bad", "comment": "thanks",
                                "created_at": iso(created + 2), "updated_at": iso(created + 2), "_t": created + 2})
        self.streams = {"organizations": orgs, "users": sorted(users, key=lambda r: r["_t"]), "tickets": tickets,
                        "ticket_events": events, "ticket_metric_events": metrics, "satisfaction_ratings": ratings}
        self.expected_comments = self.tickets * self.comments


def _cursor(index: int) -> str:
    return base64.urlsafe_b64encode(f"i:{index}".encode()).decode()


def _index(cursor: str) -> int | None:
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode().split(":", 1)[1])
    except (ValueError, IndexError):
        return None


class FakeZendesk:
    """The ASGI app plus its data and fault state; `page_size` is small in tests to make many pages."""

    def __init__(self, data: ZendeskData, faults: Faults | None = None, page_size: int = 1000):
        self.data, self.page_size = data, page_size
        self.state = FaultState(faults or Faults())
        self._last: dict[str, dict[str, Any]] = {}
        self.app = Starlette(routes=[
            Route("/api/v2/incremental/{stream}/cursor.json", self.cursor_export),
            Route("/api/v2/incremental/{stream}.json", self.time_export),
            Route("/api/v2/satisfaction_ratings", self.ratings),
        ])

    def _check(self, request: Request, stream: str) -> JSONResponse | None:
        auth = request.headers.get("authorization", "")
        expected = "Basic " + base64.b64encode(f"{EMAIL}/token:{TOKEN}".encode()).decode()
        if auth != expected:
            return JSONResponse({"error": "Couldn't authenticate you"}, 401)
        if stream not in self.data.streams:
            return JSONResponse({"error": "InvalidEndpoint"}, 404)
        return None

    def _records(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        extra = {"x_added_later": {"nested": [1, 2]}} if self.state.faults.unknown_fields else {}
        return [{**{k: v for k, v in r.items() if k != "_t"}, **extra} for r in items]

    def _send(self, number: int, key: str, body: dict[str, Any]) -> JSONResponse:
        if number in self.state.faults.duplicate_at and key in self._last:
            body = self._last[key]  # the previous page again, as a flaky proxy or a retried cursor would give
        self._last[key] = body
        if self.state.faults.unknown_fields:
            body = {**body, "x_page_hint": "ignored"}
        self.state.served_pages += 1
        return JSONResponse(body)

    def _expired(self) -> JSONResponse | None:
        if self.state.faults.expire_next_cursor:
            self.state.faults.expire_next_cursor = False
            return JSONResponse({"error": "InvalidPaginationParameter", "description": "cursor has expired"}, 400)
        return None

    async def cursor_export(self, request: Request) -> JSONResponse:
        stream = request.path_params["stream"]
        number, error = self.state.next()
        error = error or self._check(request, stream)
        if error:
            return error
        items = self.data.streams[stream]
        if "cursor" in request.query_params:
            expired = self._expired()
            start = _index(request.query_params["cursor"])
            if expired or start is None:
                return expired or JSONResponse({"error": "InvalidPaginationParameter"}, 400)
        else:
            since = int(request.query_params.get("start_time", "0"))
            start = bisect.bisect_left([r["_t"] for r in items], since)
        page = items[start:start + self.page_size]
        following = start + len(page)
        after = _cursor(following)
        body = {"after_cursor": after, "before_cursor": _cursor(start) if start else None,
                "after_url": f"{request.base_url}api/v2/incremental/{stream}/cursor.json?cursor={after}",
                "before_url": None, "end_of_stream": following >= len(items), stream: self._records(page)}
        return self._send(number, stream, body)

    async def time_export(self, request: Request) -> JSONResponse:
        stream = request.path_params["stream"]
        number, error = self.state.next()
        error = error or self._check(request, stream)
        if error:
            return error
        items = self.data.streams[stream]
        since = int(request.query_params.get("start_time", "0"))
        start = bisect.bisect_left([r["_t"] for r in items], since)
        page = items[start:start + self.page_size]
        end = start + len(page) >= len(items)
        end_time = page[-1]["_t"] if page else since
        body: dict[str, Any] = {stream: self._records(page), "count": len(page), "end_time": end_time,
                                "next_page": None if end and stream == "ticket_metric_events" else
                                f"{request.base_url}api/v2/incremental/{stream}.json?start_time={end_time}"}
        if stream != "ticket_metric_events":  # documented: metric event pages have no end_of_stream
            body["end_of_stream"] = end
        return self._send(number, stream, body)

    async def ratings(self, request: Request) -> JSONResponse:
        number, error = self.state.next()
        error = error or self._check(request, "satisfaction_ratings")
        if error:
            return error
        items = self.data.streams["satisfaction_ratings"]
        size = int(request.query_params.get("page[size]", "100"))
        if "page[after]" in request.query_params:
            expired = self._expired()
            start = _index(request.query_params["page[after]"])
            if expired or start is None:
                return expired or JSONResponse({"error": "InvalidPaginationParameter"}, 400)
        else:
            since = int(request.query_params.get("start_time", "0"))
            start = bisect.bisect_left([r["_t"] for r in items], since)
        page = items[start:start + min(size, self.page_size)]
        more = start + len(page) < len(items)
        after = _cursor(start + len(page))
        body = {"satisfaction_ratings": self._records(page), "meta": {"has_more": more, "after_cursor": after,
                                                                     "before_cursor": None},
                "links": {"next": f"{request.base_url}api/v2/satisfaction_ratings?page[size]={size}&page[after]={after}"
                          if more else None, "prev": None}}
        return self._send(number, "satisfaction_ratings", body)
