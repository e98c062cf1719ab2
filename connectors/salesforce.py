"""Salesforce Case, CaseComment, Account (and Contact) records -> event envelopes.

Accepted: REST query responses (`{"totalSize", "done", "records": [...]}`), single sObject bodies,
sfdx tree-import JSON (`attributes.referenceId`, `@Ref` links, nested child `records`) and CSV exports
whose header row holds API field names in any letter case (CRLF or LF, final newline optional).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectors.base import (
    EPOCH,
    Mapping,
    MappingError,
    boolean,
    content_id,
    first_line,
    load_json,
    number,
    optional_time,
    parse_time,
    pointer,
    stamp,
    tier_for,
)
from core.models.records import Channel, Priority, TicketStatus

VENDOR = "salesforce"
NO_ACCOUNT = "salesforce:account:none"
KINDS = ("Account", "Contact", "Case", "CaseComment")
PARENT_FIELD = {"Case": "accountid", "Contact": "accountid", "CaseComment": "parentid"}
PRIORITIES = {"critical": Priority.p1, "urgent": Priority.p1, "p1": Priority.p1, "high": Priority.p2,
              "p2": Priority.p2, "medium": Priority.p3, "normal": Priority.p3, "p3": Priority.p3,
              "low": Priority.p4, "p4": Priority.p4}
STATUSES = {"new": TicketStatus.new, "working": TicketStatus.open, "in progress": TicketStatus.open,
            "open": TicketStatus.open, "escalated": TicketStatus.open, "on hold": TicketStatus.on_hold,
            "waiting on customer": TicketStatus.pending, "pending": TicketStatus.pending,
            "resolved": TicketStatus.solved, "solved": TicketStatus.solved, "closed": TicketStatus.closed}
ORIGINS = {"email": Channel.email, "web": Channel.web, "phone": Channel.phone, "chat": Channel.chat,
           "slack": Channel.slack, "api": Channel.api}


@dataclass
class Record:
    kind: str
    fields: dict[str, Any]  # lower-cased API names
    source: str
    position: str
    line: int = 0
    ref: str | None = None


def _lower(record: dict[str, Any]) -> dict[str, Any]:
    return {k.lower(): v for k, v in record.items() if k != "attributes"}


def _from_json(doc: Any, source: str, out: list[Record], mapping: Mapping) -> None:
    if isinstance(doc, dict) and isinstance(doc.get("records"), list):
        for index, item in enumerate(doc["records"]):
            _json_record(item, source, pointer("records", index), out, mapping, None)
    elif isinstance(doc, dict) and isinstance(doc.get("attributes"), dict):
        _json_record(doc, source, "", out, mapping, None)
    else:
        mapping.problem(source, "/", "not a Salesforce query response, sObject or tree-import file "
                                     "(expected `records` or `attributes`)")


def _json_record(item: Any, source: str, at: str, out: list[Record], mapping: Mapping,
                 parent: Record | None) -> None:
    attributes = item.get("attributes") if isinstance(item, dict) else None
    if not isinstance(attributes, dict) or attributes.get("type") not in KINDS:
        kind = attributes.get("type") if isinstance(attributes, dict) else None
        mapping.problem(source, at + "/attributes/type", f"expected one of {', '.join(KINDS)}, got {kind!r}")
        return
    record = Record(attributes["type"], {}, source, at, ref=attributes.get("referenceId"))
    for key, value in item.items():
        if isinstance(value, dict) and isinstance(value.get("records"), list):
            continue
        if key != "attributes":
            record.fields[key.lower()] = value
    url = str(attributes.get("url") or "")
    if not record.fields.get("id") and f"/sobjects/{record.kind}/" in url:
        # A query that did not select Id still names the record: /services/data/vXX.X/sobjects/Account/001...
        record.fields["id"] = url.rstrip("/").rsplit("/", 1)[1]
    if parent is not None and record.kind in PARENT_FIELD:
        record.fields.setdefault(PARENT_FIELD[record.kind], "@" + (parent.ref or str(parent.fields.get("id"))))
    out.append(record)
    for key, value in item.items():
        if isinstance(value, dict) and isinstance(value.get("records"), list):
            for index, child in enumerate(value["records"]):
                _json_record(child, source, f"{at}/{key}/records/{index}", out, mapping, record)


def _csv_kind(header: set[str], path: Path) -> str | None:
    if "commentbody" in header:
        return "CaseComment"
    if "casenumber" in header or {"subject", "status"} <= header:
        return "Case"
    if "annualrevenue" in header or "industry" in header or "numberofemployees" in header:
        return "Account"
    if "lastname" in header or "email" in header:
        return "Contact"
    stem = path.stem.lower()
    return next((k for k in sorted(KINDS, key=len, reverse=True) if stem.startswith(k.lower())), None)


def _from_csv(path: Path, text: str, out: list[Record], mapping: Mapping) -> None:
    source = str(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        mapping.problem(source, "(file)", "empty CSV", line=1)
        return
    except csv.Error as exc:
        mapping.problem(source, "(header)", f"malformed CSV: {exc}", line=1)
        return
    kind = _csv_kind(set(header), path)
    if kind is None:
        mapping.problem(source, "(header)", "cannot tell the sObject: expected Case, CaseComment, Account or "
                                            "Contact columns (or a file named after the sObject)", line=1)
        return
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                mapping.problem(source, "(row)", f"{len(row)} cells but {len(header)} header columns "
                                                 "(truncated or unbalanced quotes?)", line=reader.line_num)
                continue
            fields = {h: (cell if cell != "" else None) for h, cell in zip(header, row, strict=True)}
            out.append(Record(kind, fields, source, f"line {reader.line_num}", reader.line_num))
    except csv.Error as exc:
        mapping.problem(source, "(row)", f"malformed CSV: {exc}", line=reader.line_num)


def _modified(fields: dict[str, Any], at: str):  # type: ignore[no-untyped-def]
    for key in ("lastmodifieddate", "systemmodstamp", "createddate"):
        if fields.get(key):
            return parse_time(fields[key], f"{at}/{key}")
    return None


class _Resolver:
    """Record ids: the Salesforce Id, or the tree-import referenceId; `@Ref` links resolve to those.

    Seed data without either (a CSV of account names) gets an id made from the record's content, reported
    as a fallback; strict mode refuses such records instead."""

    def __init__(self, records: list[Record], mapping: Mapping):
        self.refs = {r.ref: r for r in records if r.ref}
        self.mapping = mapping
        self._made: dict[int, str] = {}

    def own(self, record: Record) -> str:
        if record.fields.get("id"):
            return str(record.fields["id"])
        if record.ref:
            return f"ref-{record.ref}"
        if id(record) not in self._made:
            self.mapping.fallback(record.source, record.position + "/Id",
                                  f"{record.kind} has neither Id nor attributes.referenceId",
                                  f"{record.kind} without Id: id made from its content")
            self._made[id(record)] = content_id({"kind": record.kind, **record.fields})
        return self._made[id(record)]

    def link(self, record: Record, field: str) -> str | None:
        value = record.fields.get(field)
        if value in (None, ""):
            return None
        text = str(value)
        if text.startswith("@"):
            target = self.refs.get(text[1:])
            if target is None:
                raise MappingError(f"{record.position}/{field}", f"unresolved reference {text!r}")
            return self.own(target)
        return text


def _created(mapping: Mapping, record: Record) -> Any:
    """CreatedDate, else the modified date, else the import time (each fallback reported)."""
    f, at = record.fields, record.position
    if f.get("createddate"):
        return parse_time(f["createddate"], at + "/CreatedDate")
    modified = _modified(f, at)
    refusal = f"a {record.kind} needs CreatedDate (include it in the query or export)"
    if modified is not None:
        mapping.fallback(record.source, at + "/CreatedDate", refusal,
                         f"{record.kind} without CreatedDate: dated by its last modification")
        return modified
    mapping.fallback(record.source, at + "/CreatedDate", refusal,
                     f"{record.kind} without CreatedDate: dated at import time")
    return mapping.now


def _emit(mapping: Mapping, r: Record, kind: str, record_id: str, when: Any, payload: dict[str, Any],
          prefix: str) -> None:
    occurred = when or EPOCH
    suffix = stamp(when) if when else content_id(payload)
    mapping.emit(r.source, r.position, kind, f"{prefix}:{suffix}", occurred, payload, VENDOR, r.line)


def _map(record: Record, resolve: _Resolver, cases: dict[str, Record], mapping: Mapping,
         known_case_accounts: Callable[[str], str | None]) -> None:
    f, at = record.fields, record.position
    rid = resolve.own(record)
    when = _modified(f, at)
    if record.kind == "Account":
        arr = number(f.get("annualrevenue"), at + "/AnnualRevenue") or 0.0
        payload = {"id": f"salesforce:account:{rid}", "name": f.get("name") or f"Salesforce account {rid}",
                   "arr": arr, "tier": tier_for(arr, f.get("type"))}
        _emit(mapping, record, "account.upserted", rid, when, payload, f"salesforce:account:{rid}")
    elif record.kind == "Contact":
        account = resolve.link(record, "accountid")
        name = f.get("name") or " ".join(str(f[k]) for k in ("firstname", "lastname") if f.get(k)) or f"Contact {rid}"
        payload = {"id": f"salesforce:contact:{rid}", "name": name, "email": f.get("email"), "title": f.get("title"),
                   "account_id": f"salesforce:account:{account}" if account else NO_ACCOUNT}
        _emit(mapping, record, "contact.upserted", rid, when, payload, f"salesforce:contact:{rid}")
    elif record.kind == "Case":
        _case(record, rid, when, resolve, mapping)
    else:
        parent = resolve.link(record, "parentid")
        if parent is None:
            raise MappingError(at + "/ParentId", "a CaseComment needs ParentId (the Case)")
        case = cases.get(parent)
        account = resolve.link(case, "accountid") if case else None
        text = f.get("commentbody")
        if not text:
            mapping.skip(record.source, at, "CaseComment without CommentBody")
            return
        created = _created(mapping, record)
        stored = None if case else known_case_accounts(f"salesforce:case:{parent}")
        payload = {"id": f"salesforce:casecomment:{rid}", "ticket_id": f"salesforce:case:{parent}",
                   "account_id": f"salesforce:account:{account}" if account else (stored or NO_ACCOUNT),
                   "author_side": "agent" if boolean(f.get("ispublished"), at + "/IsPublished") else "internal",
                   "author_id": f"salesforce:user:{f['createdbyid']}" if f.get("createdbyid") else None,
                   "text": str(text), "created_at": created}
        mapping.emit(record.source, at, "message.created", f"salesforce:casecomment:{rid}", created, payload,
                     VENDOR, record.line)


def _case(record: Record, rid: str, when: Any, resolve: _Resolver, mapping: Mapping) -> None:
    f, at = record.fields, record.position
    raw_status = str(f.get("status") or "").strip().lower()
    closed = boolean(f.get("isclosed"), at + "/IsClosed")
    status = STATUSES.get(raw_status) or (TicketStatus.closed if closed else None)
    if status is None:
        raise MappingError(at + "/Status", f"unknown Case Status {f.get('status')!r} (known: "
                                           f"{', '.join(sorted(STATUSES))})")
    raw_priority = str(f.get("priority") or "medium").strip().lower()
    if raw_priority not in PRIORITIES:
        raise MappingError(at + "/Priority", f"unknown Case Priority {f.get('priority')!r}")
    created = _created(mapping, record)
    account, contact = resolve.link(record, "accountid"), resolve.link(record, "contactid")
    escalated = boolean(f.get("isescalated"), at + "/IsEscalated") or raw_status == "escalated"
    payload = {"id": f"salesforce:case:{rid}", "account_id": f"salesforce:account:{account}" if account else NO_ACCOUNT,
               "contact_id": f"salesforce:contact:{contact}" if contact else None,
               "subject": first_line(f.get("subject")) or f"Case {f.get('casenumber') or rid}",
               "priority": PRIORITIES[raw_priority], "status": status, "is_escalated": escalated,
               "assignee": f"salesforce:user:{f['ownerid']}" if f.get("ownerid") else None,
               "created_at": created, "solved_at": optional_time(f.get("closeddate"), at + "/ClosedDate")}
    _emit(mapping, record, "ticket.upserted", rid, when, payload, f"salesforce:case:{rid}")
    if f.get("description"):
        channel = ORIGINS.get(str(f.get("origin") or "").strip().lower(), Channel.web)
        mapping.emit(record.source, at, "message.created", f"salesforce:case:{rid}:description", created,
                     {"id": f"salesforce:case:{rid}:description", "ticket_id": payload["id"],
                      "account_id": payload["account_id"], "author_side": "customer",
                      "author_id": payload["contact_id"], "channel": channel, "text": str(f["description"]),
                      "created_at": created}, VENDOR, record.line)


def _map_records(records: list[Record], mapping: Mapping,
                 known_case_accounts: Callable[[str], str | None] | None) -> Mapping:
    resolve = _Resolver(records, mapping)
    lookup = known_case_accounts or (lambda _case: None)
    cases: dict[str, Record] = {}
    for record in records:
        if record.kind == "Case":
            try:
                cases[resolve.own(record)] = record
            except MappingError:
                pass
    for record in records:
        try:
            _map(record, resolve, cases, mapping, lookup)
        except MappingError as exc:
            mapping.problem(record.source, exc.pointer, str(exc), record.line)
    return mapping


def map_documents(documents: Sequence[tuple[str, Any]], mapping: Mapping | None = None,
                  known_case_accounts: Callable[[str], str | None] | None = None) -> Mapping:
    """Map decoded JSON bodies (REST query pages, sObjects, tree-import files) onto events."""
    mapping = mapping or Mapping()
    records: list[Record] = []
    for source, doc in documents:
        _from_json(doc, source, records, mapping)
    return _map_records(records, mapping, known_case_accounts)


def map_files(paths: Sequence[Path], on_file: Callable[[Path], None] | None = None,
              mapping: Mapping | None = None) -> Mapping:
    mapping = mapping or Mapping()
    records: list[Record] = []
    for path in paths:
        if path.suffix.lower() == ".csv":
            try:
                _from_csv(path, path.read_text(encoding="utf-8-sig"), records, mapping)
            except (OSError, UnicodeDecodeError) as exc:
                mapping.problem(str(path), "(file)", f"cannot read: {exc}")
        else:
            doc = load_json(path, mapping)
            if doc is not None:
                _from_json(doc, str(path), records, mapping)
        if on_file:
            on_file(path)
    return _map_records(records, mapping, None)
