"""The committed demo sample: where it lives and how to read it back (written by evals/scenario/files.py)."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

from core.events import EVENT_ADAPTER, Event

DATA_DIR = Path(__file__).parent / "data"
EVENTS_FILE = "sample-events.jsonl"
TRUTH_FILE = "sample-truth.json"
# The end of the committed sample's history (the demo's "now").
DEFAULT_END = datetime(2026, 11, 20, tzinfo=UTC)


def sample_path() -> Path:
    """The committed sample's events (JSONL, or JSONL.gz if it had to be compressed)."""
    plain = DATA_DIR / EVENTS_FILE
    return plain if plain.exists() else DATA_DIR / f"{EVENTS_FILE}.gz"


def truth_path() -> Path:
    """The committed sample's ground truth (one object per account)."""
    return DATA_DIR / TRUTH_FILE


def read_events(path: Path | str | None = None) -> list[Event]:
    """Parse and validate an events file (default: the committed sample)."""
    path = Path(path) if path else sample_path()
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    return [EVENT_ADAPTER.validate_json(line) for line in raw.splitlines() if line.strip()]
