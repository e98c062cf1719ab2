"""The product's clock: wall time in production, an accelerated sample time in the demo and replays.

Assessments are made as of `clock()`; jobs run on wall time, so a moment on the product's clock is
converted with `to_wall` before it is scheduled.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta


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

    def __call__(self) -> datetime:
        return self.origin + timedelta(seconds=(time.time() - self._wall_start) * self.speed)

    def to_wall(self, moment: datetime) -> datetime:
        """When `moment` (product time) comes on the wall clock."""
        wall = self._wall_start + (moment - self.origin).total_seconds() / self.speed
        return datetime.fromtimestamp(wall, UTC)


class FixedClock(Clock):
    """A clock that moves only when told (tests)."""

    def __init__(self, at: datetime):
        super().__init__(at, 1.0)
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, delta: timedelta) -> datetime:
        self.at += delta
        return self.at

    def to_wall(self, moment: datetime) -> datetime:
        return datetime.now(UTC) + (moment - self.at)
