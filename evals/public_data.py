"""Real public text (../shared/data) as tone sentences for generated histories, split by a stable hash.

- negative: airline tweets labelled negative, CFPB complaint narratives (first words; they are
  lower-cased with stop-words removed at the source);
- neutral: airline tweets labelled neutral, banking77 customer queries (questions);
- positive: airline tweets labelled positive.

Every text is assigned to the ``dev`` or ``test`` pool by a hash of its content, so text used while
tuning on the dev split never appears in the test split. Texts that would contradict the generator's
ground truth are dropped: a compliance term (the rule engine's own matcher decides) or an escalation
phrase in a sentence planted into a healthy account would make the truth wrong, not the detector.
The airline file is share-alike and non-commercial: it is read at run time and never copied.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from core.sample import ESCALATION_PHRASES, ListTextSource
from rules.thresholds import DEFAULT_ESCALATION_PHRASES

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
    sources: dict[str, int] = field(default_factory=dict)
    dropped_for_truth: int = 0

    def add(self, label: str, source: str, text: str) -> None:
        self.by_label[label].append(text)
        self.sources[source] = self.sources.get(source, 0) + 1

    def text_source(self) -> ListTextSource:
        return ListTextSource(self.by_label)

    def summary(self) -> dict[str, object]:
        return {"by_label": {k: len(v) for k, v in self.by_label.items()}, "by_source": dict(self.sources),
                "dropped_for_truth": self.dropped_for_truth}


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


def _candidates(data_dir: Path) -> Iterable[tuple[str, str, str]]:
    """(label, source, text) from every public file that is present."""
    if (data_dir / AIRLINE).is_file():
        for row in _rows(data_dir / AIRLINE):
            label = (row.get("airline_sentiment") or "").strip()
            if label in ("negative", "neutral", "positive"):
                yield label, "airline_tweets", clean_tweet(row.get("text") or "")
    if (data_dir / CFPB).is_file():
        for row in _rows(data_dir / CFPB):
            words = (row.get("narrative") or "").split()[:CFPB_WORDS]
            yield "negative", "cfpb_narratives", " ".join(words)
    if (data_dir / BANKING77).is_file():
        for row in _rows(data_dir / BANKING77):
            yield "neutral", "banking77_queries", (row.get("text") or "").strip()


def truth_safe(compliance: Callable[[str], object]) -> Callable[[str], bool]:
    """True when a sentence carries neither a compliance term nor an escalation phrase."""
    phrases = tuple({p.lower().rstrip("?") for p in (*ESCALATION_PHRASES, *DEFAULT_ESCALATION_PHRASES)})

    def ok(text: str) -> bool:
        low = text.lower()
        return not any(p in low for p in phrases) and not compliance(text)

    return ok


def load_pools(data_dir: Path, compliance: Callable[[str], object]) -> dict[Pool, TextPools]:
    """Dev and test pools from `data_dir`; empty pools (templates are used) when no file is present."""
    pools: dict[Pool, TextPools] = {"dev": TextPools(), "test": TextPools()}
    ok = truth_safe(compliance)
    seen: set[str] = set()
    for label, source, text in _candidates(data_dir):
        if len(text.split()) < 4 or text in seen:
            continue
        seen.add(text)
        pool = pools[pool_of(text)]
        if not ok(text):
            pool.dropped_for_truth += 1
            continue
        pool.add(label, source, text)
    return pools


def has_public_data(data_dir: Path | None) -> bool:
    return data_dir is not None and any((data_dir / p).is_file() for p in (AIRLINE, CFPB, BANKING77))
