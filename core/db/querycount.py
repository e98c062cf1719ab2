"""Count the SQL statements one unit of work sends (a request, a test): what catches an N+1 read."""

from __future__ import annotations

import contextvars
from typing import Any

import sqlalchemy as sa

_current: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("query_count", default=None)


class QueryCounter:
    """Statements executed on `engine` within a started context (`start` ... `stop`).

    The count lives in a context variable, so it follows the work into the threads it hands off to
    (asyncio and anyio copy the context) and ignores other threads using the same engine (background
    jobs, the ingest worker).
    """

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        sa.event.listen(engine, "before_cursor_execute", self._count)

    @staticmethod
    def _count(*_: Any) -> None:
        box = _current.get()
        if box is not None:
            box[0] += 1

    def start(self) -> contextvars.Token:
        return _current.set([0])

    def stop(self, token: contextvars.Token) -> int:
        box = _current.get()
        _current.reset(token)
        return box[0] if box else 0

    def close(self) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._count)
