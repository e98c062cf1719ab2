"""Ingest: validation with file:line:field, atomic batches, idempotency, out-of-order events."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.db import schema as t
from core.db import table_counts
from core.ingest import IngestError, ingest_objects, ingest_paths
from tests.utils.events import T0, account, message, ticket


def _write_jsonl(path: Path, objs: list) -> Path:
    path.write_text("\n".join(o if isinstance(o, str) else json.dumps(o) for o in objs) + "\n")
    return path


def _good_batch() -> list[dict]:
    return [account(), ticket("e-t-1"), message("e-m-1", "m-1", "Still broken after the fix, any update?")]


def test_ingest_twice_leaves_identical_counts(engine: sa.Engine, tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "batch.jsonl", _good_batch())
    first = ingest_paths(engine, [path])
    counts = table_counts(engine)
    second = ingest_paths(engine, [path])
    assert (first.inserted, second.inserted, second.duplicates) == (3, 0, 3)
    assert table_counts(engine) == counts
    assert counts["accounts"] == 1 and counts["messages"] == 1 and counts["ticket_snapshots"] == 1


@pytest.mark.parametrize(
    ("bad_line", "field", "message"),
    [
        ("{not json", "(json)", "malformed JSON"),
        (json.dumps({"event_id": "x1", "type": "bogus.event", "occurred_at": "2026-10-01T00:00:00Z", "payload": {}}),
         "type", "unknown event type"),
        (json.dumps({k: v for k, v in ticket("x2").items() if k != "occurred_at"}), "occurred_at", "Field required"),
        (json.dumps(ticket("x3", priority="urgent")), "payload.priority", "Input should be"),
        (json.dumps(account("x4", arr="lots")), "payload.arr", "valid number"),
        (json.dumps(account("x5", mystery=1)), "payload.mystery", "Extra inputs"),
        (json.dumps(ticket("x6", created_at="2026-10-01T09:00:00")), "payload.created_at", "timezone"),
    ],
)
def test_one_bad_line_in_the_middle_rejects_the_batch(
    engine: sa.Engine, tmp_path: Path, bad_line: str, field: str, message: str
) -> None:
    good = _good_batch()
    path = _write_jsonl(tmp_path / "mixed.jsonl", [good[0], good[1], bad_line, good[2]])
    with pytest.raises(IngestError) as info:
        ingest_paths(engine, [path])
    problem = info.value.problems[0]
    assert (problem.source, problem.line, problem.field) == (str(path), 3, field)
    assert message.lower() in problem.message.lower()
    assert f"{path}:3: {field}:" in str(info.value)
    assert sum(table_counts(engine).values()) == 0


def test_duplicate_event_id_with_different_content_is_refused(engine: sa.Engine, tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "dup.jsonl", [account("same"), account("same", name="Other Co")])
    with pytest.raises(IngestError, match="duplicate event_id 'same'"):
        ingest_paths(engine, [path])
    assert table_counts(engine)["events"] == 0


def test_identical_duplicate_in_one_batch_is_deduplicated(engine: sa.Engine) -> None:
    summary = ingest_objects(engine, [account(), account()])
    assert (summary.received, summary.inserted) == (2, 1)


def test_out_of_order_events_keep_the_newest_state(engine: sa.Engine) -> None:
    newer = ticket("e-new", at=T0 + timedelta(days=2), status="solved", assignee="Priya")
    older = ticket("e-old", at=T0 + timedelta(days=1), status="open", assignee="Sam")
    ingest_objects(engine, [account(), newer])
    ingest_objects(engine, [older])
    with engine.connect() as c:
        status, assignee = c.execute(sa.select(t.tickets.c.status, t.tickets.c.assignee)).one()
        snapshots = c.execute(sa.select(sa.func.count()).select_from(t.ticket_snapshots)).scalar_one()
    assert (status, assignee) == ("solved", "Priya")
    assert snapshots == 2  # the history keeps both, so handoffs can be derived


def test_csv_ingest_with_payload_columns(engine: sa.Engine, tmp_path: Path) -> None:
    path = tmp_path / "accounts.csv"
    path.write_text(
        "event_id,type,occurred_at,id,name,arr,tier,renewal_date\r\n"
        "c1,account.upserted,2026-10-01T00:00:00Z,acc-9,\"Contoso, Ltd\",120000,mid_market,2027-02-01\r\n"
    )
    summary = ingest_paths(engine, [path])
    assert summary.inserted == 1
    with engine.connect() as c:
        assert c.execute(sa.select(t.accounts.c.name, t.accounts.c.arr)).one() == ("Contoso, Ltd", 120000.0)


def test_csv_missing_envelope_column_is_reported(engine: sa.Engine, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("event_id,occurred_at,id\nx,2026-10-01T00:00:00Z,a\n")
    with pytest.raises(IngestError, match="type: missing required CSV column"):
        ingest_paths(engine, [path])


def test_a_bad_second_file_writes_nothing_from_the_first(engine: sa.Engine, tmp_path: Path) -> None:
    good = _write_jsonl(tmp_path / "good.jsonl", _good_batch())
    bad = _write_jsonl(tmp_path / "bad.jsonl", ["[1, 2]"])
    with pytest.raises(IngestError, match="expected a JSON object"):
        ingest_paths(engine, [good, bad])
    assert sum(table_counts(engine).values()) == 0


def test_nul_character_in_text_is_refused_on_every_backend(engine: sa.Engine) -> None:
    with pytest.raises(IngestError, match="payload.text: .*NUL"):
        ingest_objects(engine, [account(), message("e-nul", "m-nul", "before\u0000after")])
    assert table_counts(engine)["events"] == 0
