"""The committed demo sample: where it lives, how to (re)write it byte for byte, how to read it back."""

from __future__ import annotations

import gzip
from datetime import datetime
from pathlib import Path

from core.events import EVENT_ADAPTER, Event
from core.sample.generator import DEFAULT_END, generate
from core.sample.text import TextSource

DATA_DIR = Path(__file__).parent / "data"
EVENTS_FILE = "sample-events.jsonl"
TRUTH_FILE = "sample-truth.json"
# Parameters of the committed sample; tests regenerate with exactly these.
SAMPLE_SEED = 7
SAMPLE_ACCOUNTS = 40
SAMPLE_MONTHS = 6


def sample_path() -> Path:
    """The committed sample's events (JSONL, or JSONL.gz if it had to be compressed)."""
    plain = DATA_DIR / EVENTS_FILE
    return plain if plain.exists() else DATA_DIR / f"{EVENTS_FILE}.gz"


def truth_path() -> Path:
    """The committed sample's ground truth (one object per account)."""
    return DATA_DIR / TRUTH_FILE


def write_sample(directory: Path | str, seed: int = SAMPLE_SEED, n_accounts: int = SAMPLE_ACCOUNTS,
                 months: int = SAMPLE_MONTHS, end: datetime = DEFAULT_END, text_source: TextSource | None = None,
                 compress: bool = False) -> tuple[Path, Path]:
    """Generate and write `sample-events.jsonl[.gz]` and `sample-truth.json`; returns both paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    sample = generate(seed=seed, n_accounts=n_accounts, months=months, end=end, text_source=text_source)
    body = sample.events_jsonl().encode("utf-8")
    if compress:
        events_path = directory / f"{EVENTS_FILE}.gz"
        # mtime=0 and no file name in the header keep the bytes identical across runs.
        events_path.write_bytes(gzip.compress(body, compresslevel=9, mtime=0))
    else:
        events_path = directory / EVENTS_FILE
        events_path.write_bytes(body)
    truth = directory / TRUTH_FILE
    truth.write_text(sample.truth_json(), encoding="utf-8")
    return events_path, truth


def read_events(path: Path | str | None = None) -> list[Event]:
    """Parse and validate an events file (default: the committed sample)."""
    path = Path(path) if path else sample_path()
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    return [EVENT_ADAPTER.validate_json(line) for line in raw.splitlines() if line.strip()]
