"""Validated, idempotent, atomic ingest of event envelopes from JSONL and CSV files or API bodies."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError

from core.db import schema as t
from core.events import EVENT_ADAPTER, EVENT_TYPES, _Envelope, account_of
from core.store.apply import apply_events
from core.store.detection import mark_pending
from core.store.dialect import insert_ignore

MAX_LINE_BYTES = 2_000_000
ENVELOPE_COLUMNS = ("event_id", "type", "occurred_at", "source")


@dataclass(frozen=True)
class IngestProblem:
    """One reason a batch was refused: where (file and line) and which field."""

    source: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.field}: {self.message}"


class IngestError(Exception):
    """A batch was refused; nothing was written."""

    def __init__(self, problems: Sequence[IngestProblem]):
        self.problems = list(problems)
        shown = "\n".join(f"  {p}" for p in self.problems[:20])
        more = f"\n  ... and {len(self.problems) - 20} more" if len(self.problems) > 20 else ""
        super().__init__(f"batch refused, nothing written ({len(self.problems)} problem(s)):\n{shown}{more}")


@dataclass
class IngestSummary:
    received: int = 0
    inserted: int = 0
    duplicates: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    accounts: list[str] = field(default_factory=list)  # accounts with new events (to assess)

    def as_dict(self) -> dict[str, Any]:
        return {"received": self.received, "inserted": self.inserted, "duplicates": self.duplicates,
                "by_type": dict(sorted(self.by_type.items()))}


def _field_of(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in EVENT_TYPES:
        parts = parts[1:]  # the discriminator tag, not a field
    return ".".join(parts) or "(envelope)"


def validate_object(obj: Any, source: str, line: int) -> tuple[_Envelope | None, list[IngestProblem]]:
    """Validate one decoded envelope; returns the event or the problems found."""
    if not isinstance(obj, dict):
        return None, [IngestProblem(source, line, "(envelope)", "expected a JSON object")]
    if "type" in obj and obj["type"] not in EVENT_TYPES:
        known = ", ".join(sorted(EVENT_TYPES))
        return None, [IngestProblem(source, line, "type", f"unknown event type {obj['type']!r} (known: {known})")]
    try:
        return EVENT_ADAPTER.validate_python(obj), []
    except ValidationError as exc:
        return None, [IngestProblem(source, line, _field_of(e["loc"]), e["msg"]) for e in exc.errors()]


def parse_jsonl(text: str, source: str) -> tuple[list[tuple[int, _Envelope]], list[IngestProblem]]:
    """Parse JSONL text: one envelope per line; blank lines are ignored."""
    events, problems = [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        if len(raw) > MAX_LINE_BYTES:
            problems.append(IngestProblem(source, number, "(line)", f"line longer than {MAX_LINE_BYTES} bytes"))
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            problems.append(IngestProblem(source, number, "(json)", f"malformed JSON: {exc.msg} at column {exc.colno}"))
            continue
        event, found = validate_object(obj, source, number)
        problems += found
        if event is not None:
            events.append((number, event))
    return events, problems


def _csv_value(value: str) -> Any:
    # CSV cells are text; JSON literals (numbers, true/false, lists) are decoded, the rest stays a string.
    if value == "":
        return None
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    return decoded if not isinstance(decoded, str) else value


def parse_csv(text: str, source: str) -> tuple[list[tuple[int, _Envelope]], list[IngestProblem]]:
    """Parse CSV: envelope columns (event_id, type, occurred_at[, source]) plus one column per payload field."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [c for c in ("event_id", "type", "occurred_at") if c not in header]
    if missing:
        return [], [IngestProblem(source, 1, ",".join(missing), "missing required CSV column(s)")]
    events, problems = [], []
    for row in reader:
        number = reader.line_num
        if None in row:
            problems.append(IngestProblem(source, number, "(row)", "more cells than header columns"))
            continue
        obj: dict[str, Any] = {k: row[k] for k in ENVELOPE_COLUMNS if row.get(k)}
        obj["payload"] = {k: _csv_value(v) for k, v in row.items() if k not in ENVELOPE_COLUMNS and v != ""}
        event, found = validate_object(obj, source, number)
        problems += found
        if event is not None:
            events.append((number, event))
    return events, problems


def _check_duplicates(batch: list[tuple[str, int, _Envelope]]) -> tuple[list[_Envelope], list[IngestProblem]]:
    seen: dict[str, tuple[str, int, _Envelope]] = {}
    unique, problems = [], []
    for source, line, event in batch:
        first = seen.get(event.event_id)
        if first is None:
            seen[event.event_id] = (source, line, event)
            unique.append(event)
        elif first[2] != event:
            problems.append(IngestProblem(source, line, "event_id",
                                          f"duplicate event_id {event.event_id!r} with different content "
                                          f"(first at {first[0]}:{first[1]})"))
    return unique, problems


def read_file(path: Path) -> tuple[list[tuple[int, _Envelope]], list[IngestProblem]]:
    """Parse a .jsonl/.ndjson or .csv file (by extension)."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [IngestProblem(source, 0, "(file)", f"cannot read: {exc}")]
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return parse_jsonl(text, source)
    if suffix == ".csv":
        return parse_csv(text, source)
    return [], [IngestProblem(source, 0, "(file)", f"unsupported file type {suffix!r}: use .jsonl or .csv")]


# Built once (bound parameters): the live loop runs it for every delivery.
_KNOWN_EVENT_IDS = sa.select(t.events.c.event_id).where(t.events.c.event_id.in_(sa.bindparam("ids", expanding=True)))


def write_events(engine: sa.Engine, events: Iterable[_Envelope], chunk: int = 5000,
                 also: Callable[[sa.Connection], None] | None = None) -> IngestSummary:
    """Store new events and apply them, all in one transaction; known event ids are skipped.

    `also` runs on the same connection before the commit (a sync advances its cursor there, so the cursor
    moves exactly when the page's events are stored)."""
    events = list(events)
    summary = IngestSummary(received=len(events))
    now = datetime.now(UTC)
    with engine.begin() as connection:
        existing: set[str] = set()
        ids = [e.event_id for e in events]
        for i in range(0, len(ids), chunk):
            part = ids[i : i + chunk]
            existing.update(connection.scalars(_KNOWN_EVENT_IDS, {"ids": part}))
        fresh = [e for e in events if e.event_id not in existing]
        rows = [{"event_id": e.event_id, "type": e.type, "occurred_at": e.occurred_at,  # type: ignore[attr-defined]
                 "received_at": now, "source": e.source, "payload": e.payload.model_dump(mode="json")}  # type: ignore[attr-defined]
                for e in fresh]
        insert_ignore(connection, t.events, rows, key="event_id")
        summary.by_type = apply_events(connection, fresh)
        # Mark each new event for its account's detection job, in the same transaction: accepted means queued.
        mark_pending(connection, [(account_of(e), e.event_id) for e in fresh], now)
        if also is not None:
            also(connection)
    summary.accounts = sorted({account_of(e) for e in fresh})
    summary.inserted = len(fresh)
    summary.duplicates = summary.received - summary.inserted
    return summary


def ingest_batch(engine: sa.Engine, parsed: list[tuple[str, int, _Envelope]],
                 problems: Sequence[IngestProblem] = ()) -> IngestSummary:
    """Refuse the whole batch on any problem; otherwise write it atomically."""
    unique, duplicate_problems = _check_duplicates(parsed)
    all_problems = list(problems) + duplicate_problems
    if all_problems:
        raise IngestError(all_problems)
    summary = write_events(engine, unique)
    summary.received = len(parsed)
    summary.duplicates = summary.received - summary.inserted
    return summary


def ingest_paths(engine: sa.Engine, paths: Sequence[Path],
                 on_file: Callable[[Path, int], None] | None = None) -> IngestSummary:
    """Validate every file first, then write all of them in one transaction (nothing on any error)."""
    parsed: list[tuple[str, int, _Envelope]] = []
    problems: list[IngestProblem] = []
    for path in paths:
        events, found = read_file(path)
        parsed += [(str(path), line, event) for line, event in events]
        problems += found
        if on_file:
            on_file(path, len(events))
    return ingest_batch(engine, parsed, problems)


def ingest_objects(engine: sa.Engine, objects: Sequence[Any], source: str = "request") -> IngestSummary:
    """Ingest decoded JSON envelopes (the HTTP body); item index is reported as the 'line'."""
    parsed, problems = [], []
    for index, obj in enumerate(objects):
        event, found = validate_object(obj, source, index)
        problems += found
        if event is not None:
            parsed.append((source, index, event))
    return ingest_batch(engine, parsed, problems)
