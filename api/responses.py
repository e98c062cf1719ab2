"""Responses that cannot break on what the store holds, security headers, and the last-resort error handler.

A row written before text was validated may hold a lone UTF-16 surrogate, which no encoder accepts;
JSON responses replace it with U+FFFD instead of failing every later read. Any exception no other
handler took becomes a JSON 500 naming an error id (also logged), never a traceback.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import JSONResponse

from api.logging import request_id_var

log = logging.getLogger("redaccount.errors")
_SURROGATE = re.compile("[\ud800-\udfff]")

# Pages load only their own script and style files: no inline script, no framing, no plugins.
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
API_CSP = "default-src 'none'; frame-ancestors 'none'"
# FastAPI's interactive docs load their script from a CDN and run inline script; they get no page CSP.
_DOCS_PATHS = ("/docs", "/redoc", "/docs/oauth2-redirect")
_COMMON_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                   (b"referrer-policy", b"same-origin")]

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def readable(text: str) -> str:
    """Text any encoder accepts: lone surrogates become U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def _slow_render(content: Any) -> bytes:
    text = json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":"))
    return readable(text).encode("utf-8")


def render_json(content: Any) -> bytes:
    """Compact UTF-8 JSON, serialised once (orjson); what orjson refuses (a lone surrogate, an integer
    beyond 64 bits, a non-string key) goes through the standard encoder, which repairs or refuses it."""
    try:
        return orjson.dumps(content)
    except (orjson.JSONEncodeError, TypeError):
        return _slow_render(content)


class ReadableJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return render_json(content)


class JSONBody(JSONResponse):
    """A route's already-JSON-ready answer, returned as is: FastAPI neither validates nor re-encodes it
    (the route's declared `response_model` still documents it)."""

    def render(self, content: Any) -> bytes:
        return render_json(content)


async def internal_error(request: Request, exc: Exception) -> JSONResponse:
    """Any exception no other handler took: logged with its traceback, answered without it."""
    # This handler runs outside the request-context middleware: name the error with an id of its own.
    error_id = request_id_var.get() or uuid.uuid4().hex
    log.error("unhandled %s on %s %s (error id %s)", type(exc).__name__, request.method, request.url.path,
              error_id, exc_info=exc)
    return JSONResponse({"detail": "internal error", "error_id": error_id}, status_code=500)


class SecurityHeadersMiddleware:
    """nosniff, no framing and a same-origin referrer on every response; a CSP on every page."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                content_type = dict(headers).get(b"content-type", b"")
                csp = PAGE_CSP if content_type.startswith(b"text/html") else API_CSP
                extra = [*_COMMON_HEADERS]
                if scope["path"] not in _DOCS_PATHS:
                    extra.append((b"content-security-policy", csp.encode()))
                message["headers"] = headers + [(k, v) for k, v in extra if k not in present]
            await send(message)

        await self.app(scope, receive, with_headers)
