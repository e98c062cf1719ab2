"""Salesforce REST query as sync streams (docs/connectors.md, "redaccount sync salesforce").

One stream per sObject (Account, Contact, Case, CaseComment): `SELECT ... WHERE SystemModstamp >= :watermark
ORDER BY SystemModstamp, Id`, then `nextRecordsUrl` until `done`. The stored cursor is the `nextRecordsUrl`
while a query is under way and nothing once it is done; the watermark is the newest SystemModstamp stored.
An expired query locator (`INVALID_QUERY_LOCATOR`) restarts the query from the watermark. Authentication is
the OAuth 2.0 client-credentials flow of a connected app; the token is fetched again after a 401.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from datetime import UTC
from typing import Any

import httpx
import sqlalchemy as sa

from connectors import salesforce
from connectors.base import EPOCH, Mapping, MappingError, optional_time
from connectors.http import JsonClient, VendorError
from connectors.importer import ticket_accounts
from connectors.sync import CursorExpired, Mapper, Page, Stream
from connectors.zendesk_sync import relative
from core.store.sync_cursors import SyncCursor

FIELDS = {
    "Account": ("Id", "Name", "Type", "AnnualRevenue", "Industry", "LastModifiedDate", "SystemModstamp"),
    "Contact": ("Id", "AccountId", "FirstName", "LastName", "Name", "Email", "Title", "LastModifiedDate",
                "SystemModstamp"),
    "Case": ("Id", "CaseNumber", "AccountId", "ContactId", "Subject", "Description", "Status", "Priority",
             "Origin", "IsClosed", "IsEscalated", "OwnerId", "CreatedDate", "ClosedDate", "LastModifiedDate",
             "SystemModstamp"),
    "CaseComment": ("Id", "ParentId", "CommentBody", "IsPublished", "CreatedById", "CreatedDate",
                    "LastModifiedDate", "SystemModstamp"),
}


class ClientCredentials(httpx.Auth):
    """OAuth 2.0 client credentials against `/services/oauth2/token`; a 401 fetches a new token once."""

    requires_response_body = True

    def __init__(self, token_url: str, client_id: str, client_secret: str):
        self._token_url, self._client_id, self._client_secret = token_url, client_id, client_secret
        self._token: str | None = None

    def _refresh(self) -> Generator[httpx.Request, httpx.Response, None]:
        response = yield httpx.Request("POST", self._token_url, data={
            "grant_type": "client_credentials", "client_id": self._client_id, "client_secret": self._client_secret})
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200 or not body.get("access_token"):
            # The error and its description only: the request carried the secret, the answer never does.
            raise VendorError(f"Salesforce token request refused: HTTP {response.status_code} "
                              f"{body.get('error', '')} {body.get('error_description', '')}".strip(),
                              response.status_code)
        self._token = str(body["access_token"])

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._token is None:
            yield from self._refresh()
        request.headers["Authorization"] = f"Bearer {self._token}"
        response = yield request
        if response.status_code == 401:
            yield from self._refresh()
            request.headers["Authorization"] = f"Bearer {self._token}"
            yield request


def soql(sobject: str, since: Any) -> str:
    stamp = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return (f"SELECT {', '.join(FIELDS[sobject])} FROM {sobject} WHERE SystemModstamp >= {stamp} "
            "ORDER BY SystemModstamp, Id")


class QueryStream:
    """One sObject, queried from the watermark and paged with nextRecordsUrl."""

    def __init__(self, client: JsonClient, base_url: str, api_version: str, sobject: str):
        self.client, self.base_url, self.sobject = client, base_url, sobject
        self.path = f"/services/data/v{api_version}/query"
        self.name = f"salesforce:{sobject}"

    def fetch(self, state: SyncCursor | None) -> Page:
        if state and state.cursor:
            try:
                body = self.client.get_json(relative(state.cursor, self.base_url))
            except VendorError as exc:
                if exc.status in (400, 404) and "INVALID_QUERY_LOCATOR" in str(exc.body):
                    raise CursorExpired(str(exc)) from exc
                raise
        else:
            since = state.watermark if state and state.watermark else EPOCH
            body = self.client.get_json(self.path, {"q": soql(self.sobject, since)})
        records = body.get("records") or []
        newest = None
        for record in records:
            try:
                when = optional_time(record.get("SystemModstamp"), "SystemModstamp") if isinstance(record, dict) \
                    else None
            except MappingError:
                when = None
            if when is not None and (newest is None or when > newest):
                newest = when
        done = bool(body.get("done", True)) or not body.get("nextRecordsUrl")
        cursor = None if done else str(body["nextRecordsUrl"])
        return Page([(self.name, body)], cursor, newest, done, len(records))


def client_for(instance_url: str, client_id: str, client_secret: str, **options: Any) -> JsonClient:
    auth = ClientCredentials(f"{instance_url}/services/oauth2/token", client_id, client_secret)
    return JsonClient(instance_url, auth=auth, headers={"Accept": "application/json"}, **options)


def streams(client: JsonClient, base_url: str, api_version: str, engine: sa.Engine, strict: bool = False
            ) -> list[tuple[Stream, Mapper]]:
    """Accounts before contacts and cases, cases before their comments."""

    def mapper(documents: Sequence[tuple[str, Any]]) -> Mapping:
        return salesforce.map_documents(documents, Mapping(strict=strict), ticket_accounts(engine))

    return [(QueryStream(client, base_url, api_version, sobject), mapper) for sobject in FIELDS]
