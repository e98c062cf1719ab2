"""HMAC-SHA256 signatures for incoming event deliveries (timestamp + raw body, constant-time compare)."""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Redaccount-Signature"
TIMESTAMP_HEADER = "X-Redaccount-Timestamp"


class SignatureError(Exception):
    """The delivery is not authentic or not fresh."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>` over `<timestamp>.<raw body>`."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, timestamp: str | None, signature: str | None, body: bytes,
           tolerance_s: int, now: float | None = None) -> None:
    """Raise SignatureError unless the signature matches and the timestamp is inside the window."""
    if not timestamp or not signature:
        raise SignatureError(f"missing {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} header")
    try:
        sent = int(timestamp)
    except ValueError:
        raise SignatureError(f"{TIMESTAMP_HEADER} must be Unix seconds") from None
    current = time.time() if now is None else now
    if abs(current - sent) > tolerance_s:
        raise SignatureError(f"timestamp outside the {tolerance_s} s window")
    if not hmac.compare_digest(sign(secret, timestamp, body), signature):
        raise SignatureError("signature does not match")
