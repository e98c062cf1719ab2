"""Issue 14: every reading records the reader's version, and a new reader re-reads the windows."""

from __future__ import annotations

import sqlalchemy as sa

from agent.sentiment import FakeSentiment
from core.db import schema as t
from core.ingest import write_events
from core.settings import Settings
from rules.detect import assess_all, reader_version, thresholds_hash
from rules.thresholds import Thresholds
from tests.rules.history import healthy

ANGRY = "Honestly this is the third time I am writing about the export."


def _windows(engine: sa.Engine) -> dict[str, dict]:
    with engine.connect() as c:
        return {r.account_id: r.state for r in c.execute(sa.select(t.signal_windows))}


def test_a_new_reader_version_re_reads_the_windows(engine: sa.Engine, settings: Settings) -> None:
    h = healthy()
    h.ticket("t9", subject="Export stuck", status="open")
    for _ in range(3):
        h.wait(hours=5).say("t9", ANGRY)
    write_events(engine, h.events)

    calm = FakeSentiment({ANGRY: "neutral"}, version="reader-a")
    first = assess_all(engine, settings, sentiment=calm)
    (state,) = _windows(engine).values()
    assert {m[8] for m in state["messages"]} == {"reader-a"}
    assert not any(s.kind == "negative_sentiment" for s in first[0].signals)

    # Same version again: nothing is re-read (the reader is not even asked).
    calm.calls.clear()
    assess_all(engine, settings, sentiment=calm)
    assert calm.calls == []

    # A new version reads every message again; the labels and the assessment follow it.
    angry = FakeSentiment({ANGRY: "negative"}, version="reader-b")
    second = assess_all(engine, settings, sentiment=angry)
    (state,) = _windows(engine).values()
    assert {m[8] for m in state["messages"]} == {"reader-b"}
    assert sum(len(batch) for batch in angry.calls) == len(state["messages"])
    assert any(s.kind == "negative_sentiment" for s in second[0].signals)


def test_the_window_digest_names_thresholds_and_reader() -> None:
    th = Thresholds()
    assert thresholds_hash(th, "a") != thresholds_hash(th, "b")
    assert thresholds_hash(th, "a") == thresholds_hash(th, "a")
    assert reader_version(FakeSentiment(version="v9")) == "v9"
