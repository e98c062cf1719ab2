"""The product's clock: wall time in production, an accelerated sample time in the demo and replays.

Assessments are made as of `clock()`; jobs run on wall time, so a moment on the product's clock is
converted with `to_wall` before it is scheduled.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.settings import Settings


class Clock:
    """`origin` on the product's clock is `started` on the wall clock; product time runs `speed` times faster."""

    def __init__(self, origin: datetime | None = None, speed: float = 1.0):
        if speed <= 0:
            raise ValueError("clock speed must be positive")
        self._wall_start = time.time()
        self.origin = origin or datetime.fromtimestamp(self._wall_start, UTC)
        self.speed = speed

    @classmethod
    def system(cls) -> Clock:
        return cls()

    @classmethod
    def from_settings(cls, settings: Settings) -> Clock:
        """Wall time, or the replay clock the settings describe (every process of a replay agrees on it)."""
        if settings.clock_start is None:
            return cls()
        clock = cls(settings.clock_start, settings.clock_speed)
        if settings.clock_wall_start is not None:
            clock._wall_start = settings.clock_wall_start
        return clock

    _frozen: datetime | None = None

    def __call__(self) -> datetime:
        if self._frozen is not None:
            return self._frozen
        return self.origin + timedelta(seconds=(time.time() - self._wall_start) * self.speed)

    def to_wall(self, moment: datetime) -> datetime:
        """When `moment` (product time) comes on the wall clock (a held clock: as if it went on from now)."""
        if self._frozen is not None:
            return datetime.now(UTC) + max(moment - self._frozen, timedelta(0)) / self.speed
        wall = self._wall_start + (moment - self.origin).total_seconds() / self.speed
        return datetime.fromtimestamp(wall, UTC)

    def freeze(self) -> datetime:
        """Stop the clock where it is (the demo's step-by-step phase); `advance` moves it from there."""
        self._frozen = self()
        return self._frozen

    def pause(self) -> None:
        """Hold the clock (a replay waits for the system to catch up); `resume` goes on from here."""
        if self._frozen is None:
            self._frozen = self()

    def resume(self) -> None:
        if self._frozen is not None:
            self.origin, self._wall_start, self._frozen = self._frozen, time.time(), None

    def advance(self, hours: float) -> datetime:
        """Move a frozen clock forward."""
        if self._frozen is None:
            raise RuntimeError("only a frozen clock can be advanced")
        self._frozen += timedelta(hours=hours)
        return self._frozen


class FixedClock(Clock):
    """A clock that moves only when told (tests)."""

    def __init__(self, at: datetime):
        super().__init__(at, 1.0)
        self._frozen = at
