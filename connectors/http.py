"""The HTTP port of the vendor syncs: JSON GETs with retries on 429 (Retry-After), 5xx and network errors.

Retries are tenacity's; the wait before a retry is the server's `Retry-After` when it sends one, otherwise
exponential backoff with jitter. Time spent waiting is counted, so a sync can report the share of its run
spent on rate limits. Credentials live in the httpx client's auth and headers, which are never logged.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import tenacity

log = logging.getLogger(__name__)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class VendorError(Exception):
    """A vendor request failed for good (after retries, or with a status that retrying cannot fix)."""

    def __init__(self, message: str, status: int | None = None, body: Any = None):
        super().__init__(message)
        self.status = status
        self.body = body


class _Retryable(Exception):
    def __init__(self, response: httpx.Response | None, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.response = response
        self.retry_after = retry_after


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds: a number of seconds or an HTTP date (RFC 9110 section 10.2.3)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass
class WaitLog:
    """Seconds slept before retries, split by cause, and how many retries happened."""

    rate_limited_s: float = 0.0
    backoff_s: float = 0.0
    rate_limited: int = 0
    errors: int = 0


class JsonClient:
    """GET JSON from one vendor; relative paths resolve against `base_url`."""

    def __init__(self, base_url: str, *, auth: httpx.Auth | None = None, headers: dict[str, str] | None = None,
                 max_attempts: int = 8, max_wait_s: float = 120.0, timeout_s: float = 60.0,
                 sleep: Callable[[float], None] = time.sleep, transport: httpx.BaseTransport | None = None):
        self.http = httpx.Client(base_url=base_url, auth=auth, headers=headers or {}, timeout=timeout_s,
                                 transport=transport, follow_redirects=False)
        self.waits = WaitLog()
        self._sleep = sleep
        self._max_attempts = max_attempts
        self._max_wait_s = max_wait_s
        self._backoff = tenacity.wait_exponential_jitter(multiplier=0.5, max=max_wait_s)

    def close(self) -> None:
        self.http.close()

    def _wait(self, state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _Retryable) and error.retry_after is not None:
            return min(error.retry_after, self._max_wait_s)
        return self._backoff(state)

    def _before_sleep(self, state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        seconds = state.next_action.sleep if state.next_action else 0.0
        if isinstance(error, _Retryable) and error.response is not None and error.response.status_code == 429:
            self.waits.rate_limited += 1
            self.waits.rate_limited_s += seconds
        else:
            self.waits.errors += 1
            self.waits.backoff_s += seconds
        log.info("vendor request retry in %.1fs: %s", seconds, error)

    def _once(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.http.request(method, url, **kwargs)
        except httpx.TransportError as exc:
            raise _Retryable(None, f"{exc.__class__.__name__}: {exc}") from exc
        if response.status_code in RETRY_STATUSES:
            raise _Retryable(response, f"HTTP {response.status_code}",
                             retry_after_seconds(response.headers.get("Retry-After")))
        return response

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One request with retries; returns the final response (any status that is not retried)."""
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(_Retryable), stop=tenacity.stop_after_attempt(self._max_attempts),
            wait=self._wait, sleep=self._sleep, before_sleep=self._before_sleep, reraise=True)
        try:
            return retrying(self._once, method, url, **kwargs)
        except _Retryable as exc:
            status = exc.response.status_code if exc.response is not None else None
            raise VendorError(f"{method} {_path(url)} failed after {self._max_attempts} attempts: {exc}",
                              status) from exc

    def get_json(self, url: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """GET and decode a JSON object; a non-2xx answer raises VendorError with the decoded body."""
        response = self.request("GET", url, params=params)
        return decode(response, "GET", url)


def decode(response: httpx.Response, method: str, url: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code >= 400:
        raise VendorError(f"{method} {_path(url)}: HTTP {response.status_code} {_brief(body)}",
                          response.status_code, body)
    if not isinstance(body, dict):
        raise VendorError(f"{method} {_path(url)}: expected a JSON object, got {type(body).__name__}",
                          response.status_code, body)
    return body


def _path(url: str) -> str:
    # Query strings can carry cursors; paths are enough to say what failed.
    return url.split("?", 1)[0]


def _brief(body: Any) -> str:
    text = str(body)[:300] if body is not None else ""
    return text
