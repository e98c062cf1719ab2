"""Shared building blocks of the vendor connectors: problems with positions, vendor values, emitted events."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError

from core.events import EVENT_ADAPTER, _Envelope
from core.ingest import IngestProblem
from core.models import Ticket
from core.models.records import ArrTier

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# ARR -> tier thresholds (lower bounds, in the account's currency); documented in docs/connectors.md.
TIER_THRESHOLDS: tuple[tuple[float, ArrTier], ...] = (
    (1_000_000, ArrTier.strategic),
    (250_000, ArrTier.enterprise),
    (50_000, ArrTier.mid_market),
    (0, ArrTier.smb),
)
_TIER_WORDS = {
    "strategic": ArrTier.strategic, "key": ArrTier.strategic, "enterprise": ArrTier.enterprise,
    "midmarket": ArrTier.mid_market, "mid_market": ArrTier.mid_market, "mid-market": ArrTier.mid_market,
    "mid market": ArrTier.mid_market, "smb": ArrTier.smb, "small business": ArrTier.smb,
}


class StoredTickets(Protocol):
    """Tickets already stored, by our id: records that only name a ticket take its account from here."""

    def __call__(self, ticket_id: str) -> Ticket | None: ...

    def prefetch(self, ticket_ids: list[str]) -> None:
        """Look many up at once (one query per page instead of one per ticket)."""


class NoStoredTickets:
    """The lookup for mapping without a database (dry mapping, unit tests)."""

    def __call__(self, ticket_id: str) -> Ticket | None:
        return None

    def prefetch(self, ticket_ids: list[str]) -> None:
        return None


@dataclass(frozen=True)
class ConnectorProblem(IngestProblem):
    """An IngestProblem whose position may be a JSON pointer instead of a line (line 0)."""

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.field}: {self.message}"


class MappingError(ValueError):
    """A vendor value cannot be mapped; `pointer` says where inside the record."""

    def __init__(self, pointer: str, message: str):
        super().__init__(message)
        self.pointer = pointer


@dataclass
class Emitted:
    """One event produced from a vendor record, with where it came from."""

    event: _Envelope
    source: str
    position: str
    line: int = 0
    placeholder: bool = False  # only written when the record is not known yet


@dataclass
class Skipped:
    source: str
    position: str
    reason: str


@dataclass
class Fallback:
    """A value the vendor left out that we filled in (and say so): e.g. the import time for a missing date."""

    source: str
    position: str
    note: str


@dataclass
class Mapping:
    """What a connector made of a set of files: events, deliberately skipped items, fallbacks and problems.

    `strict` turns every fallback into a problem (the record is refused), for operators who want that."""

    emitted: list[Emitted] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    problems: list[IngestProblem] = field(default_factory=list)
    fallbacks: list[Fallback] = field(default_factory=list)
    strict: bool = False
    now: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))

    def problem(self, source: str, position: str, message: str, line: int = 0) -> None:
        self.problems.append(ConnectorProblem(source, line, position or "/", message))

    def fallback(self, source: str, position: str, refusal: str, note: str) -> None:
        """Record a fallback; in strict mode raise `refusal` at `position` instead."""
        if self.strict:
            raise MappingError(position, refusal)
        self.fallbacks.append(Fallback(source, position, note))

    def fallback_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for item in self.fallbacks:
            counts[item.note] = counts.get(item.note, 0) + 1
        return counts

    def skip(self, source: str, position: str, reason: str) -> None:
        self.skipped.append(Skipped(source, position, reason))

    def emit(self, source: str, position: str, kind: str, event_id: str, occurred_at: datetime,
             payload: dict[str, Any], vendor: str, line: int = 0, placeholder: bool = False) -> None:
        """Validate one envelope; a validation failure becomes a problem at `position`."""
        body = {"event_id": event_id, "type": kind, "occurred_at": occurred_at, "source": vendor,
                "payload": {k: v for k, v in payload.items() if v is not None}}
        try:
            event = EVENT_ADAPTER.validate_python(body)
        except ValidationError as exc:
            # One line per refused record, naming every field that failed.
            reasons = ["{}: {}".format(".".join(str(p) for p in e["loc"][1:]) or "envelope", e["msg"])
                       for e in exc.errors()]  # loc[0] is the discriminator tag
            self.problem(source, position, "; ".join(reasons), line)
            return
        self.emitted.append(Emitted(event, source, position, line, placeholder))


def load_json(path: Path, mapping: Mapping) -> Any | None:
    """Decode a JSON file; malformed or truncated input becomes a problem with line and column."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        mapping.problem(source, "(file)", f"cannot read: {exc}")
        return None
    if not text.strip():
        mapping.problem(source, "(file)", "empty file")
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        truncated = " (file looks truncated)" if exc.pos >= len(text.rstrip()) else ""
        mapping.problem(source, f"column {exc.colno}", f"malformed JSON: {exc.msg}{truncated}", line=exc.lineno)
        return None


def pointer(*parts: object) -> str:
    """An RFC 6901 JSON pointer."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def records_at(doc: Any, key: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(pointer, record) for a list under `key`, or the single object under `key`."""
    value = doc.get(key)
    if isinstance(value, list):
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                raise MappingError(pointer(key, index), "expected a JSON object")
            yield pointer(key, index), item
    elif isinstance(value, dict):
        yield pointer(key), value
    elif value is not None:
        raise MappingError(pointer(key), "expected a list or an object")


_OLD_FORMAT = re.compile(r"^(\d{4})/(\d{2})/(\d{2}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$")


def parse_time(value: Any, where: str) -> datetime:
    """Vendor timestamps: ISO 8601 (`Z`, `+00:00`, `+0000`, fractions), `2011/05/05 10:38:52 -0700`, Unix s/ms."""
    if isinstance(value, bool) or value is None or value == "":
        raise MappingError(where, f"expected a timestamp, got {value!r}")
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 10_000_000_000 else value
        return datetime.fromtimestamp(seconds, tz=UTC)
    if not isinstance(value, str):
        raise MappingError(where, f"expected a timestamp, got {type(value).__name__}")
    text = value.strip()
    old = _OLD_FORMAT.match(text)
    if old:
        y, mo, d, h, mi, s, sign, oh, om = old.groups()
        offset = timedelta(hours=int(oh), minutes=int(om)) * (1 if sign == "+" else -1)
        return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), tzinfo=timezone(offset)).astimezone(UTC)
    if text.isdigit():
        return parse_time(int(text), where)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        raise MappingError(where, f"unrecognised timestamp {value!r}") from None
    if parsed.tzinfo is None:
        raise MappingError(where, f"timestamp {value!r} has no time zone")
    return parsed.astimezone(UTC)


def optional_time(value: Any, where: str) -> datetime | None:
    return None if value in (None, "") else parse_time(value, where)


def content_id(payload: dict[str, Any]) -> str:
    """A stable id suffix from a record's content: re-importing the same record gives the same event id."""
    blob = json.dumps(payload, sort_keys=True, default=str).encode()
    return "h" + hashlib.sha256(blob).hexdigest()[:16]


def stamp(dt: datetime) -> str:
    """Compact UTC form used inside event ids (`20261001T090000Z`)."""
    return dt.astimezone(UTC).strftime("%Y%m%dT%H%M%S") + (f".{dt.microsecond:06d}" if dt.microsecond else "") + "Z"


def vendor_id(value: Any, where: str) -> str:
    """Ids as exact decimal text: JSON integers of any size, or digit strings (never floats)."""
    if isinstance(value, bool) or value is None:
        raise MappingError(where, f"expected an id, got {value!r}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        raise MappingError(where, f"id {value!r} is a float: large ids must be exact integers")
    text = str(value).strip()
    if not text:
        raise MappingError(where, "empty id")
    return text


def optional_id(value: Any, where: str) -> str | None:
    return None if value in (None, "", 0, "0") else vendor_id(value, where)


def number(value: Any, where: str) -> float | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise MappingError(where, f"expected a number, got {value!r}")
    try:
        result = float(str(value).replace(",", "")) if isinstance(value, str) else float(value)
    except ValueError:
        raise MappingError(where, f"expected a number, got {value!r}") from None
    if result < 0:
        raise MappingError(where, f"expected a non-negative amount, got {value!r}")
    return result


def boolean(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in (None, ""):
        return False
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "y"):
        return True
    if text in ("false", "0", "no", "n"):
        return False
    raise MappingError(where, f"expected true/false, got {value!r}")


def tier_for(arr: float, label: Any = None) -> ArrTier:
    """A tier named by the vendor (e.g. `Enterprise`) wins; otherwise the ARR thresholds decide."""
    if isinstance(label, str) and label.strip().lower() in _TIER_WORDS:
        return _TIER_WORDS[label.strip().lower()]
    return next(tier for floor, tier in TIER_THRESHOLDS if arr >= floor)


def first_line(text: Any, limit: int = 200) -> str | None:
    if not isinstance(text, str) or not text.strip():
        return None
    line = text.strip().splitlines()[0].strip()
    return line[:limit] or None
