"""Zendesk webhook signatures: base64(HMAC-SHA256(secret, TIMESTAMP + BODY)), as developer.zendesk.com documents.

The timestamp is the `X-Zendesk-Webhook-Signature-Timestamp` header exactly as sent (Zendesk sends ISO 8601,
e.g. `2021-07-25T10:00:00Z`), concatenated with the raw body bytes, no separator. See docs/connectors.md for
how this order was checked against Zendesk's published example.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from connectors.base import MappingError, parse_time

SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature"
TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"


class ZendeskSignatureError(Exception):
    """The delivery is not authentic or not fresh."""


def zendesk_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The documented signature: base64 of HMAC-SHA256 over timestamp + raw body."""
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_zendesk(secret: str, timestamp: str | None, signature: str | None, body: bytes, tolerance_s: int,
                   now: float | None = None) -> None:
    """Raise ZendeskSignatureError unless the signature matches and the timestamp is inside the window."""
    if not timestamp or not signature:
        raise ZendeskSignatureError(f"missing {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} header")
    try:
        sent = parse_time(timestamp, TIMESTAMP_HEADER).timestamp()
    except MappingError:
        raise ZendeskSignatureError(f"{TIMESTAMP_HEADER} is not a timestamp") from None
    current = time.time() if now is None else now
    if abs(current - sent) > tolerance_s:
        raise ZendeskSignatureError(f"timestamp outside the {tolerance_s} s window (stale or replayed)")
    if not hmac.compare_digest(zendesk_signature(secret, timestamp, body).encode(), signature.strip().encode()):
        raise ZendeskSignatureError("signature does not match")
