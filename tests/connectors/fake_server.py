"""Run an ASGI app on 127.0.0.1 in a background thread (the vendor fakes), with injectable faults."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import uvicorn
from starlette.responses import JSONResponse


@dataclass
class Faults:
    """What the fake does wrong, by request number (1-based, counted over all endpoints)."""

    status_at: dict[int, int] = field(default_factory=dict)  # e.g. {3: 429, 5: 500}: answered once each
    retry_after: str = "1"  # the Retry-After sent with an injected 429
    duplicate_at: set[int] = field(default_factory=set)  # these requests get the previous page of their endpoint
    expire_next_cursor: bool = False  # the next request carrying a cursor is refused as expired, once
    unknown_fields: bool = False  # every page and record carries fields the vendor added after our mapping
    rate_limit: tuple[int, float] | None = None  # (requests, window s): past that, 429 until the window ends


class FaultState:
    """Request counter and rate-limit window shared by the handlers of one fake."""

    def __init__(self, faults: Faults):
        self.faults = faults
        self.requests = 0
        self.served_pages = 0
        self.rate_limited = 0
        self._window_start = time.monotonic()
        self._window_count = 0
        self._lock = threading.Lock()

    def next(self) -> tuple[int, JSONResponse | None]:
        """Count a request; return (number, an error response to send instead) per the faults."""
        with self._lock:
            self.requests += 1
            number = self.requests
            injected = self.faults.status_at.pop(number, None)
            if injected == 429:
                self.rate_limited += 1
                return number, JSONResponse({"error": "TooManyRequests"}, 429,
                                            headers={"Retry-After": self.faults.retry_after})
            if injected is not None:
                return number, JSONResponse({"error": "InternalError", "description": "simulated"}, injected)
            if self.faults.rate_limit:
                limit, window = self.faults.rate_limit
                now = time.monotonic()
                if now - self._window_start >= window:
                    self._window_start, self._window_count = now, 0
                if self._window_count >= limit:
                    self.rate_limited += 1
                    wait = window - (now - self._window_start)
                    return number, JSONResponse({"error": "TooManyRequests"}, 429,
                                                headers={"Retry-After": f"{max(wait, 0.001):.3f}"})
                self._window_count += 1
            return number, None


@contextmanager
def serve(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Serve `app` on a free loopback port; yields its base URL and stops the server on exit."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("fake server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
