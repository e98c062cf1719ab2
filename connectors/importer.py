"""Run a vendor import: map every file, refuse the batch on any problem, classify, then write atomically."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from connectors import hubspot, intercom, salesforce, zendesk
from connectors.base import Emitted, Mapping
from core.db import schema as t
from core.ingest import IngestError, ingest_batch
from core.models import Ticket
from core.store.records import find_tickets, sla_statuses

TABLES = {
    "account.upserted": t.accounts, "contact.upserted": t.contacts, "ticket.upserted": t.tickets,
    "message.created": t.messages, "csat.recorded": t.csat_responses, "sla.recorded": t.sla_events,
    "usage.recorded": t.usage_snapshots, "note.created": t.notes,
}
CHUNK = 5000


@dataclass
class Planned:
    action: str  # created | updated
    emitted: Emitted


@dataclass
class ImportSummary:
    vendor: str
    files: int
    created: int = 0
    updated: int = 0
    skipped: int = 0
    written: bool = False
    planned: list[Planned] = field(default_factory=list)
    skip_reasons: dict[str, int] = field(default_factory=dict)
    fallbacks: dict[str, int] = field(default_factory=dict)  # values we filled in, by what we did

    def line(self) -> str:
        verb = "imported" if self.written else "would import"
        return (f"{self.vendor}: {verb} {self.files} file(s): {self.created} created, {self.updated} updated, "
                f"{self.skipped} skipped")


def _existing(connection: sa.Connection, column: sa.Column, keys: set[str]) -> set[str]:
    found: set[str] = set()
    ordered = sorted(keys)
    for i in range(0, len(ordered), CHUNK):
        found.update(connection.scalars(sa.select(column).where(column.in_(ordered[i : i + CHUNK]))))
    return found


def map_paths(vendor: str, paths: Sequence[Path], engine: sa.Engine | None = None,
              on_file: Callable[[Path], None] | None = None, strict: bool = False,
              ticket_id: str | None = None) -> Mapping:
    """Map a vendor's files; `strict` refuses records that need a fallback, `ticket_id` names the ticket
    of Zendesk comment lists."""
    if vendor == "zendesk":
        lookup = known_tickets(engine) if engine is not None else None
        return zendesk.map_files(paths, lookup, on_file, Mapping(strict=strict), ticket_id,
                                 known_sla(engine) if engine is not None else None)
    if vendor == "salesforce":
        return salesforce.map_files(paths, on_file, Mapping(strict=strict))
    connectors = {"hubspot": hubspot, "intercom": intercom}
    if vendor not in connectors:
        raise ValueError(f"unknown vendor {vendor!r}")
    return connectors[vendor].map_files(paths, on_file)


class StoredTicketLookup:
    """Stored tickets by our id, cached; `prefetch` reads a page's worth in one query."""

    def __init__(self, engine: sa.Engine):
        self._engine = engine
        self._cache: dict[str, Ticket | None] = {}

    def prefetch(self, ticket_ids: list[str]) -> None:
        missing = sorted({i for i in ticket_ids if i not in self._cache})
        if missing:
            found = find_tickets(self._engine, missing)
            self._cache.update({i: found.get(i) for i in missing})

    def __call__(self, ticket_id: str) -> Ticket | None:
        self.prefetch([ticket_id])
        return self._cache[ticket_id]


def known_tickets(engine: sa.Engine) -> StoredTicketLookup:
    """A cached lookup of stored tickets by our id (`zendesk:ticket:1`), for records that name only a ticket."""
    return StoredTicketLookup(engine)


def known_sla(engine: sa.Engine) -> Callable[[str], str | None]:
    """A lookup of stored SLA outcomes: a fulfil read after its breach (a later sync run) stays a breach."""
    return lambda sla_id: sla_statuses(engine, [sla_id]).get(sla_id)


def ticket_accounts(engine: sa.Engine) -> Callable[[str], str | None]:
    tickets = known_tickets(engine)

    def lookup(ticket: str) -> str | None:
        found = tickets(ticket)
        return found.account_id if found else None

    return lookup


def plan(engine: sa.Engine, vendor: str, files: int, mapping: Mapping) -> ImportSummary:
    """Classify each event: created (new record), updated (known record, new version) or skipped."""
    summary = ImportSummary(vendor, files, fallbacks=mapping.fallback_counts())
    for skipped in mapping.skipped:
        summary.skip_reasons[skipped.reason] = summary.skip_reasons.get(skipped.reason, 0) + 1
    summary.skipped = len(mapping.skipped)
    ids = {e.event.event_id for e in mapping.emitted}
    with engine.connect() as connection:
        stored_events = _existing(connection, t.events.c.event_id, ids)
        stored_records: dict[str, set[str]] = {}
        for kind, table in TABLES.items():
            keys = {e.event.payload.id for e in mapping.emitted if e.event.type == kind}  # type: ignore[attr-defined]
            stored_records[kind] = _existing(connection, table.c.id, keys) if keys else set()
    real = {(e.event.type, e.event.payload.id) for e in mapping.emitted if not e.placeholder}  # type: ignore[attr-defined]
    seen_events: set[str] = set()
    seen_records: set[tuple[str, str]] = set()
    for emitted in mapping.emitted:
        event = emitted.event
        record = (event.type, event.payload.id)  # type: ignore[attr-defined]
        if event.event_id in stored_events or event.event_id in seen_events:
            summary.skipped += 1
            summary.skip_reasons["already imported"] = summary.skip_reasons.get("already imported", 0) + 1
            continue
        if emitted.placeholder and (record in real or record[1] in stored_records[record[0]]):
            continue  # the real record exists; the placeholder is not needed and not counted
        seen_events.add(event.event_id)
        known = record[1] in stored_records[record[0]] or record in seen_records
        seen_records.add(record)
        summary.planned.append(Planned("updated" if known else "created", emitted))
    summary.created = sum(p.action == "created" for p in summary.planned)
    summary.updated = len(summary.planned) - summary.created
    return summary


def run_import(engine: sa.Engine, vendor: str, paths: Sequence[Path], dry_run: bool = False,
               on_file: Callable[[Path], None] | None = None, strict: bool = False,
               ticket_id: str | None = None) -> ImportSummary:
    """Map, validate and (unless dry_run) write all files in one transaction; any problem writes nothing."""
    mapping = map_paths(vendor, paths, engine, on_file, strict, ticket_id)
    if mapping.problems:
        raise IngestError(mapping.problems)
    summary = plan(engine, vendor, len(paths), mapping)
    if not dry_run and summary.planned:
        ingest_batch(engine, [(p.emitted.source, p.emitted.line, p.emitted.event) for p in summary.planned])
        summary.written = True
    elif not dry_run:
        summary.written = True
    return summary


def import_zendesk_documents(engine: sa.Engine, documents: Sequence[tuple[str, object]]) -> ImportSummary:
    """Map decoded Zendesk bodies (e.g. one webhook delivery) and write them like a one-file import."""
    mapping = zendesk.map_documents(documents, known_tickets=known_tickets(engine))
    if mapping.problems:
        raise IngestError(mapping.problems)
    summary = plan(engine, "zendesk", len(documents), mapping)
    if summary.planned:
        ingest_batch(engine, [(p.emitted.source, p.emitted.line, p.emitted.event) for p in summary.planned])
    summary.written = True
    return summary
