"""Real public text (../shared/data) for generated histories: dev and test draw from different pools.

- tone sentences: airline tweets by their crowd label (negative/neutral/positive), banking77 queries
  (neutral); each text goes to ``dev`` or ``test`` by a hash of its content;
- "frustration" (complaints about service, put into at-risk stories and into rough-but-loyal accounts):
  dev: airline tweets whose negative reason is "Customer Service Issue" or "Flight Attendant
  Complaints"; test: CFPB complaint narratives (first words; lower-cased, stop-words removed at the
  source) and airline tweets whose reason is "Late Flight", "Cancelled Flight", "Lost Luggage" or
  "Flight Booking Problems" -- other people, other complaints, other wording;
- "churn" (questions about leaving): banking77 ``terminate_account`` queries (dev half / test half).
Nothing is filtered: a real sentence that happens to fire a rule stays, wherever it lands (healthy
accounts included), because real customers write such sentences. bitext (generated) is not used.
The airline file is share-alike and non-commercial: it is read at run time and never copied.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from evals.scenario import ListTextSource

Pool = Literal["dev", "test"]
AIRLINE = Path("airline_sentiment") / "dev.csv"
CFPB = Path("cfpb_complaints_1k") / "dataset.csv"
BANKING77 = Path("banking77") / "train.csv"
CFPB_WORDS = 30

_MENTION = re.compile(r"(^|\s)[@#]\w+")
_URL = re.compile(r"https?://\S+")
_SPACE = re.compile(r"\s+")


@dataclass
class TextPools:
    """Sentences by sentiment for one pool, with where they came from (for the report)."""

    by_label: dict[str, list[str]] = field(default_factory=lambda: {"negative": [], "neutral": [], "positive": []})
    kinds: dict[str, list[str]] = field(default_factory=lambda: {"frustration": [], "churn": []})
    sources: dict[str, int] = field(default_factory=dict)

    def add(self, label: str, source: str, text: str) -> None:
        (self.by_label if label in self.by_label else self.kinds)[label].append(text)
        key = f"{label}:{source}"
        self.sources[key] = self.sources.get(key, 0) + 1

    def text_source(self) -> ListTextSource:
        return ListTextSource(self.by_label, self.kinds)

    def summary(self) -> dict[str, object]:
        return {"by_label": {k: len(v) for k, v in {**self.by_label, **self.kinds}.items()},
                "by_source": dict(sorted(self.sources.items()))}


def pool_of(text: str) -> Pool:
    """A stable dev/test assignment by content (about half each)."""
    return "dev" if hashlib.sha256(text.encode("utf-8")).digest()[0] % 2 == 0 else "test"


def clean_tweet(text: str) -> str:
    """Without @handles, #tags and links, on one line: the tweet's words as a support message sentence."""
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def _rows(path: Path) -> Iterable[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        yield from csv.DictReader(fh)


DEV_REASONS = ("Customer Service Issue", "Flight Attendant Complaints")
TEST_REASONS = ("Late Flight", "Cancelled Flight", "Lost Luggage", "Flight Booking Problems")


def _candidates(data_dir: Path) -> Iterable[tuple[str, str, str, Pool | None]]:
    """(label or kind, source, text, forced pool or None for the hash) from every public file present."""
    if (data_dir / AIRLINE).is_file():
        for row in _rows(data_dir / AIRLINE):
            label = (row.get("airline_sentiment") or "").strip()
            text = clean_tweet(row.get("text") or "")
            if label in ("negative", "neutral", "positive"):
                yield label, "airline_tweets", text, None
            reason = (row.get("negativereason") or "").strip()
            if label == "negative" and reason in DEV_REASONS:
                yield "frustration", f"airline_tweets ({reason})", text, "dev"
            elif label == "negative" and reason in TEST_REASONS:
                yield "frustration", f"airline_tweets ({reason})", text, "test"
    if (data_dir / CFPB).is_file():
        for row in _rows(data_dir / CFPB):
            words = (row.get("narrative") or "").split()[:CFPB_WORDS]
            yield "frustration", "cfpb_narratives", " ".join(words), "test"
    if (data_dir / BANKING77).is_file():
        for row in _rows(data_dir / BANKING77):
            text = (row.get("text") or "").strip()
            yield "neutral", "banking77_queries", text, None
            if row.get("category") == "terminate_account":
                yield "churn", "banking77 (terminate_account)", text, None


def load_pools(data_dir: Path) -> dict[Pool, TextPools]:
    """Dev and test pools from `data_dir`; empty pools (templates are used) when no file is present."""
    pools: dict[Pool, TextPools] = {"dev": TextPools(), "test": TextPools()}
    seen: set[tuple[str, str]] = set()
    for label, source, text, forced in _candidates(data_dir):
        if len(text.split()) < 4 or (label, text) in seen:
            continue
        seen.add((label, text))
        pools[forced or pool_of(text)].add(label, source, text)
    return pools


def has_public_data(data_dir: Path | None) -> bool:
    return data_dir is not None and any((data_dir / p).is_file() for p in (AIRLINE, CFPB, BANKING77))
