"""POST /webhooks/zendesk: signed Zendesk webhook deliveries turned into ingested events."""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel

from api.deps import EngineDep, SettingsDep
from api.hardening import MalformedBody, loads_json
from connectors.importer import import_zendesk_documents
from connectors.zendesk_signature import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    ZendeskSignatureError,
    verify_zendesk,
)
from core.ingest import IngestError

router = APIRouter(tags=["webhooks"])

MAX_BODY_BYTES = 2_000_000
_SEEN_LIMIT = 10_000


class DeliveryLedger:
    """Deliveries (timestamp, signature) already accepted by this process, bounded; see docs/connectors.md."""

    def __init__(self, limit: int = _SEEN_LIMIT):
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._lock = Lock()
        self._limit = limit

    def seen(self, key: tuple[str, str]) -> bool:
        with self._lock:
            return key in self._seen

    def remember(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._seen[key] = None
            if len(self._seen) > self._limit:
                self._seen.popitem(last=False)


class WebhookResult(BaseModel):
    created: int
    updated: int
    skipped: int


def _ledger(request: Request) -> DeliveryLedger:
    ledger = getattr(request.app.state, "zendesk_deliveries", None)
    if ledger is None:
        ledger = request.app.state.zendesk_deliveries = DeliveryLedger()
    return ledger


@router.post("/webhooks/zendesk", response_model=WebhookResult,
             responses={400: {}, 401: {}, 409: {}, 413: {}, 422: {}, 503: {}})
async def zendesk_webhook(request: Request, settings: SettingsDep, engine: EngineDep) -> WebhookResult:
    """Verify the Zendesk signature, refuse stale or replayed deliveries, ingest the ticket events (idempotent)."""
    if settings.zendesk_webhook_secret is None:
        raise HTTPException(503, "Zendesk webhooks are not configured: set REDACCOUNT_ZENDESK_WEBHOOK_SECRET")
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise HTTPException(413, f"body larger than {MAX_BODY_BYTES} bytes")
    timestamp, signature = request.headers.get(TIMESTAMP_HEADER), request.headers.get(SIGNATURE_HEADER)
    try:
        verify_zendesk(settings.zendesk_webhook_secret.get_secret_value(), timestamp, signature, body,
                       settings.webhook_tolerance_s)
    except ZendeskSignatureError as exc:
        raise HTTPException(401, str(exc)) from None
    delivery = (str(timestamp), str(signature))
    if _ledger(request).seen(delivery):
        raise HTTPException(409, "replayed delivery: this timestamp and signature were already accepted")
    try:
        document = loads_json(body)
    except MalformedBody as exc:
        raise HTTPException(400, str(exc)) from None
    try:
        summary = import_zendesk_documents(engine, [("webhook", document)])
    except IngestError as exc:
        raise HTTPException(422, [{"field": p.field, "message": p.message} for p in exc.problems]) from None
    _ledger(request).remember(delivery)
    return WebhookResult(created=summary.created, updated=summary.updated, skipped=summary.skipped)
