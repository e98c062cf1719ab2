"""Writing the committed demo sample byte for byte (reading it back is `core.sample`)."""

from __future__ import annotations

import gzip
from datetime import datetime
from pathlib import Path

from core.sample.files import DEFAULT_END, EVENTS_FILE, TRUTH_FILE
from evals.scenario.generator import generate
from evals.scenario.text import TextSource

# Parameters of the committed sample; tests regenerate with exactly these.
SAMPLE_SEED = 7
SAMPLE_ACCOUNTS = 40
SAMPLE_MONTHS = 6


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
