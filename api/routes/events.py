"""POST /events: signed, validated deliveries, acknowledged once durably spooled, applied in the background.

Order of checks: size, signature (HMAC over timestamp + raw body, 300 s window), JSON shape, envelope
validation, replay. Only a delivery that passes all of them is stored (table `event_deliveries`) and
acknowledged with 202; an ingest worker then applies it idempotently (event-id dedupe). A replayed
delivery (the same signature inside the window, seen by any worker: table `webhook_signatures`) is
acknowledged as a duplicate and not stored again.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from api.deps import SettingsDep
from api.hardening import MalformedBody, loads_json
from api.routes.metrics import DELIVERIES
from api.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, SignatureError, verify
from core.ingest import validate_object

router = APIRouter(tags=["events"])

MAX_BODY_BYTES = 10_000_000


class Accepted(BaseModel):
    delivery_id: str | None
    received: int
    duplicate_delivery: bool = False


def _refuse(status: int, detail: object, outcome: str) -> HTTPException:
    DELIVERIES.labels(outcome).inc()
    return HTTPException(status, detail)


def _validate(objects: list) -> list[dict]:
    problems, seen = [], {}
    for index, obj in enumerate(objects):
        event, found = validate_object(obj, "request", index)
        problems += [{"index": p.line, "field": p.field, "message": p.message} for p in found]
        if event is not None:
            first = seen.setdefault(event.event_id, (index, event))
            if first[1] != event:
                problems.append({"index": index, "field": "event_id", "message":
                                 f"duplicate event_id {event.event_id!r} with different content (first at {first[0]})"})
    return problems


@router.post("/events", status_code=202, response_model=Accepted,
             responses={400: {}, 401: {}, 413: {}, 422: {}, 503: {}})
async def post_events(request: Request, settings: SettingsDep) -> Accepted:
    """Accept a JSON array of event envelopes. Any invalid item refuses the whole delivery (nothing kept)."""
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise _refuse(413, f"body larger than {MAX_BODY_BYTES} bytes", "too_large")
    signature = None
    if settings.webhook_secret is not None:
        signature = request.headers.get(SIGNATURE_HEADER)
        try:
            verify(settings.webhook_secret.get_secret_value(), request.headers.get(TIMESTAMP_HEADER),
                   signature, body, settings.webhook_tolerance_s)
        except SignatureError as exc:
            raise _refuse(401, str(exc), "bad_signature") from None
    elif not settings.allow_unsigned_events:
        raise _refuse(503, "event ingest is not configured: set REDACCOUNT_WEBHOOK_SECRET "
                           "(or REDACCOUNT_ALLOW_UNSIGNED_EVENTS=true for development)", "not_configured")
    try:
        objects = loads_json(body)
    except MalformedBody as exc:
        raise _refuse(400, str(exc), "malformed") from None
    if not isinstance(objects, list):
        raise _refuse(422, "expected a JSON array of event envelopes", "invalid")
    # Large deliveries are validated off the event loop so they do not stall other requests.
    problems = _validate(objects) if len(body) < 65_536 else await run_in_threadpool(_validate, objects)
    if problems:
        raise _refuse(422, problems, "invalid")
    try:
        # One transaction records the signature and the body: a replay (whichever worker receives it)
        # is refused, and a delivery that could not be stored leaves no signature behind.
        delivery_id = await run_in_threadpool(request.app.state.spool.put, body, signature)
    except SQLAlchemyError:
        raise _refuse(503, "could not store the delivery; retry", "spool_error") from None
    if delivery_id is None:
        DELIVERIES.labels("replayed").inc()
        return Accepted(delivery_id=None, received=len(objects), duplicate_delivery=True)
    request.app.state.ingest_worker.submit(delivery_id)
    DELIVERIES.labels("accepted").inc()
    return Accepted(delivery_id=delivery_id, received=len(objects))
