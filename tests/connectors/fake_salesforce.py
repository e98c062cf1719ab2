"""A local fake of the Salesforce REST API: OAuth client credentials and SOQL query with nextRecordsUrl.

Shapes follow Salesforce's REST API Developer Guide ("Execute a SOQL Query", "OAuth 2.0 Client Credentials
Flow", "Status Codes and Error Responses"): `{"totalSize", "done", "nextRecordsUrl", "records": [{"attributes":
{"type", "url"}, ...}]}`, errors as `[{"message", "errorCode"}]`, times as `2023-11-14T22:13:20.000+0000`.
It understands exactly the query shape the sync sends: `SELECT ... FROM X WHERE SystemModstamp >= T ORDER BY ...`.
"""

from __future__ import annotations

import itertools
import re
import secrets
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.connectors.fake_server import Faults, FaultState

CLIENT_ID, CLIENT_SECRET = "3MVG9fake.consumer.key", "fake-salesforce-secret-0123456789"
VERSION = "60.0"
BASE = 1_700_000_000
QUERY = re.compile(r"FROM (\w+) WHERE SystemModstamp >= (\S+) ORDER BY", re.IGNORECASE)


def sf_time(t: int) -> str:
    return datetime.fromtimestamp(t, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def generate(cases: int = 20, comments: int = 3, accounts: int = 4) -> dict[str, list[dict[str, Any]]]:
    """Accounts, one contact each, cases spread over them and `comments` comments per case, by SystemModstamp."""
    def rec(kind: str, rid: str, t: int, **fields: Any) -> dict[str, Any]:
        return {"attributes": {"type": kind, "url": f"/services/data/v{VERSION}/sobjects/{kind}/{rid}"},
                "Id": rid, "LastModifiedDate": sf_time(t), "SystemModstamp": sf_time(t), "_t": t, **fields}

    data: dict[str, list[dict[str, Any]]] = {"Account": [], "Contact": [], "Case": [], "CaseComment": []}
    for a in range(accounts):
        data["Account"].append(rec("Account", f"001A{a:011d}", BASE + a, Name=f"Account {a}", Type="Customer",
                                   AnnualRevenue=300_000.0 * (a + 1), Industry="Software"))
        data["Contact"].append(rec("Contact", f"003C{a:011d}", BASE + 10 + a, AccountId=f"001A{a:011d}",
                                   FirstName="Pat", LastName=f"Customer {a}", Name=f"Pat Customer {a}",
                                   Email=f"pat{a}@example.com", Title="CTO"))
    for c in range(cases):
        t, account = BASE + 100 + c * 10, c % accounts
        case_id = f"500K{c:011d}"
        data["Case"].append(rec("Case", case_id, t + comments, CaseNumber=f"{c:08d}", AccountId=f"001A{account:011d}",
                                ContactId=f"003C{account:011d}", Subject=f"Case {c}", Description=f"Help with {c}",
                                Status=("New", "Working", "Escalated", "Closed")[c % 4],
                                Priority=("High", "Medium", "Low")[c % 3], Origin="Email",
                                IsClosed=c % 4 == 3, IsEscalated=c % 4 == 2, OwnerId="005U00000000001",
                                CreatedDate=sf_time(t), ClosedDate=sf_time(t + comments) if c % 4 == 3 else None))
        for k in range(comments):
            data["CaseComment"].append(rec("CaseComment", f"00aM{c:08d}{k:03d}", t + k, ParentId=case_id,
                                           CommentBody=f"Comment {k} on case {c}", IsPublished=k % 2 == 0,
                                           CreatedById="005U00000000001", CreatedDate=sf_time(t + k)))
    for items in data.values():
        items.sort(key=lambda r: (r["_t"], r["Id"]))
    return data


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse([{"message": message, "errorCode": code}], status)


class FakeSalesforce:
    def __init__(self, data: dict[str, list[dict[str, Any]]], faults: Faults | None = None, batch: int = 2000):
        self.data, self.batch = data, batch
        self.state = FaultState(faults or Faults())
        self.token = secrets.token_hex(8)
        self.tokens_issued = 0
        self.expire_token = False
        self._locators: dict[str, tuple[str, int]] = {}
        self._last: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)
        self.app = Starlette(routes=[
            Route("/services/oauth2/token", self.oauth, methods=["POST"]),
            Route(f"/services/data/v{VERSION}/query", self.query),
            Route(f"/services/data/v{VERSION}/query/{{locator}}", self.more),
        ])

    async def oauth(self, request: Request) -> JSONResponse:
        form = await request.form()
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type", "error_description": "grant type not supported"}, 400)
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return JSONResponse({"error": "invalid_client", "error_description": "invalid client credentials"}, 400)
        self.tokens_issued += 1
        base = str(request.base_url).rstrip("/")
        return JSONResponse({"access_token": self.token, "signature": "fake", "scope": "api",
                             "instance_url": base, "id": f"{base}/id/00Dfake/005fake", "token_type": "Bearer",
                             "issued_at": "1700000000000"})

    def _auth(self, request: Request) -> JSONResponse | None:
        if self.expire_token:
            self.expire_token, self.token = False, secrets.token_hex(8)  # the old token no longer works
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return _error(401, "INVALID_SESSION_ID", "Session expired or invalid")
        return None

    def _page(self, sobject: str, start: int, items: list[dict[str, Any]], number: int = 0) -> JSONResponse:
        if number in self.state.faults.duplicate_at and sobject in self._last:
            self.state.served_pages += 1
            return JSONResponse(self._last[sobject])  # the previous page again (a flaky proxy)
        page = items[start:start + self.batch]
        done = start + len(page) >= len(items)
        extra = {"x_added_later": True} if self.state.faults.unknown_fields else {}
        body: dict[str, Any] = {"totalSize": len(items), "done": done,
                                "records": [{**{k: v for k, v in r.items() if k != "_t"}, **extra} for r in page]}
        if not done:
            locator = f"01g{next(self._ids):012d}-{start + len(page)}"
            self._locators[locator] = (sobject, start + len(page))
            self._locators[locator + ":items"] = items  # type: ignore[assignment]
            body["nextRecordsUrl"] = f"/services/data/v{VERSION}/query/{locator}"
        self.state.served_pages += 1
        self._last[sobject] = body
        return JSONResponse(body)

    async def query(self, request: Request) -> JSONResponse:
        number, error = self.state.next()
        error = error or self._auth(request)
        if error:
            return error
        match = QUERY.search(request.query_params.get("q", ""))
        if not match or match.group(1) not in self.data:
            return _error(400, "MALFORMED_QUERY", "unexpected query")
        since = datetime.strptime(match.group(2), "%Y-%m-%dT%H:%M:%S.000Z").replace(tzinfo=UTC).timestamp()
        items = [r for r in self.data[match.group(1)] if r["_t"] >= since]
        return self._page(match.group(1), 0, items, number)

    async def more(self, request: Request) -> JSONResponse:
        number, error = self.state.next()
        error = error or self._auth(request)
        if error:
            return error
        locator = request.path_params["locator"]
        if self.state.faults.expire_next_cursor or locator not in self._locators:
            self.state.faults.expire_next_cursor = False
            return _error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        sobject, start = self._locators[locator]  # type: ignore[misc]
        return self._page(sobject, start, self._locators[locator + ":items"], number)  # type: ignore[arg-type]
