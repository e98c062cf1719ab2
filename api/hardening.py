"""Untrusted request bodies: size caps, strict JSON (no NaN/Infinity, bounded nesting and integer length,
UTF-8 only), error responses that are always valid JSON and never echo a huge input back, and a last
handler that turns any other exception into a JSON 500 without a traceback.

Every write endpoint gets a 4xx with a precise message for a bad body, before anything is stored (and
before authentication). `loads_json` is the one JSON parser for request data: bodies, form fields, CLI
arguments. Limits are listed in docs/security.md.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.responses import ReadableJSONResponse, SecurityHeadersMiddleware, internal_error

DEFAULT_MAX_BODY_BYTES = 1_000_000
MAX_JSON_DEPTH = 64
MAX_INT_DIGITS = 64  # Python refuses more than 4,300 digits with a ValueError; nothing here needs 64
MAX_ECHOED_INPUT = 200

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class MalformedBody(ValueError):
    """The body is not strict JSON: the message says exactly why."""


def _no_constants(name: str) -> Any:
    raise MalformedBody(f"{name} is not valid JSON (numbers must be finite)")


def _bounded_int(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_INT_DIGITS:
        raise MalformedBody(f"JSON integer longer than {MAX_INT_DIGITS} digits")
    return int(literal)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _check_decoded(value: Any) -> None:
    """Bounded nesting and encodable strings (an escaped lone surrogate decodes to text no store can hold)."""
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise MalformedBody("JSON string contains an unpaired UTF-16 surrogate escape")
        elif isinstance(item, dict | list):
            if level > MAX_JSON_DEPTH:
                raise MalformedBody(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)


def loads_json(body: bytes | str) -> Any:
    """Decode request data (a body, a form field, a CLI argument) as strict JSON, or raise `MalformedBody`
    with the precise reason."""
    if isinstance(body, bytes):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedBody(f"body is not valid UTF-8 (byte {exc.start})") from None
    else:
        text = body
    try:
        value = json.loads(text, parse_constant=_no_constants, parse_int=_bounded_int)
    except json.JSONDecodeError as exc:
        raise MalformedBody(f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise MalformedBody(f"JSON nested deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError as exc:  # any other refusal of a literal (MalformedBody is one)
        raise MalformedBody(str(exc) if isinstance(exc, MalformedBody) else f"malformed JSON: {exc}") from None
    _check_decoded(value)
    return value


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


async def _reply(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class BodyGuardMiddleware:
    """Refuse oversized bodies (413) and non-strict JSON bodies (400) before any route runs.

    `limits` maps a path to its own cap; routes listed in `self_parsed` decode their raw body themselves
    (after checking a signature), so only their size and declared content type are enforced here.
    """

    def __init__(self, app: Any, limits: Mapping[str, int] | None = None, self_parsed: frozenset[str] = frozenset(),
                 default_limit: int = DEFAULT_MAX_BODY_BYTES):
        self.app = app
        self.limits = dict(limits or {})
        self.self_parsed = self_parsed
        self.default_limit = default_limit

    async def __call__(self, scope: dict, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        path, limit = scope["path"], self.limits.get(scope["path"], self.default_limit)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _reply(send, 413, f"body larger than {limit} bytes")
            return
        content_type = headers.get("content-type", "")
        if path in self.self_parsed and content_type and not _is_json(content_type):
            await _reply(send, 415, f"Content-Type must be application/json, got {content_type!r}")
            return
        if path in self.self_parsed or not _is_json(content_type):
            await self.app(scope, _counting(receive, limit), send)
            return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > limit:
                await _reply(send, 413, f"body larger than {limit} bytes")
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        if body.strip():
            try:
                loads_json(body)
            except MalformedBody as exc:
                await _reply(send, 400, str(exc))
                return
        await self.app(scope, _replay(body, receive), send)


def _counting(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def wrapped() -> dict[str, Any]:
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > limit:
            raise StarletteHTTPException(413, f"body larger than {limit} bytes")
        return message

    return wrapped


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def wrapped() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return wrapped


def _safe(value: Any) -> Any:
    """A JSON-encodable, short stand-in for whatever the client sent."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        return value if len(value) <= MAX_ECHOED_INPUT else value[:MAX_ECHOED_INPUT] + "…"
    if isinstance(value, dict | list | tuple):
        try:
            text = json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):  # bytes, NaN or other non-JSON values inside
            return _safe(json.dumps(value, default=str))
        return value if len(text) <= MAX_ECHOED_INPUT else text[:MAX_ECHOED_INPUT] + "…"
    return value if value is None or isinstance(value, bool | int | float) else str(value)


def _expects_json(request: Request) -> bool:
    from fastapi import params

    route = request.scope.get("route")
    body_params = getattr(getattr(route, "dependant", None), "body_params", [])
    return bool(body_params) and not any(isinstance(p.field_info, params.Form) for p in body_params)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    content_type = request.headers.get("content-type")
    if content_type and not _is_json(content_type) and _expects_json(request):
        return JSONResponse({"detail": f"Content-Type must be application/json, got {content_type!r}"},
                            status_code=415)
    errors = []
    for error in exc.errors():
        error = {k: v for k, v in error.items() if k != "url"}
        if "input" in error:
            error["input"] = _safe(error["input"])
        if "ctx" in error:
            error["ctx"] = {k: _safe(v) for k, v in error["ctx"].items()}
        error["loc"] = [_safe(part) for part in error.get("loc", ())]
        errors.append(error)
    return JSONResponse({"detail": errors}, status_code=422)


_BODY_ERRORS = {"400": "Malformed body: not UTF-8, not strict JSON (NaN/Infinity), or nested too deeply",
                "413": "Body larger than the endpoint's limit", "415": "Content-Type is not application/json"}


def _documented(app: FastAPI) -> Callable[[], dict[str, Any]]:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            for operations in schema.get("paths", {}).values():
                for method, operation in operations.items():
                    if method in ("post", "put", "patch"):
                        for code, text in _BODY_ERRORS.items():
                            operation.setdefault("responses", {}).setdefault(code, {"description": text})
            app.openapi_schema = schema
        return app.openapi_schema

    return openapi


def install(app: FastAPI, limits: Mapping[str, int], self_parsed: frozenset[str]) -> None:
    """Attach the body guard, the safe error handlers, readable JSON responses and the security headers,
    and document their answers. Routers included after this answer with `ReadableJSONResponse`."""
    app.add_middleware(BodyGuardMiddleware, limits=limits, self_parsed=self_parsed)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, internal_error)
    app.router.default_response_class = ReadableJSONResponse
    app.openapi = _documented(app)  # type: ignore[method-assign]
