"""Detection benchmark: end-to-end events/s against the durable-rules ceiling, and flatness of per-event cost.

Method (printed with the results):
- ceiling: one assert+retract of a complete account fact on the shipped trigger rules, through the
  adapter (rules/engine.py, the only module that imports durable_rules), measured in the same run;
- end-to-end: generated events parsed and validated from JSONL, written to a fresh SQLite store
  (ingest), then `assess_all` (windows -> signals -> rules -> score -> append assessments);
- flatness: one detector is warmed with history (the generator's accounts replayed in later time
  cycles), and at 10k, 100k and 1M events of history the marginal cost of the next K events is timed
  (fold into windows, then assess every touched account with the rule engine). Ingesting 1M rows into
  SQLite would time SQLite, not detection; the window state is what would otherwise grow with history.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from core.db import create_db_engine, migrate
from core.events import EVENT_ADAPTER, dump_event
from core.ingest import write_events
from core.settings import Settings
from evals.scenario import generate
from rules.detect import assess_all, default_ruleset
from rules.detector import Detector
from rules.signals import account_of
from rules.signals.ports import SentimentPort
from rules.thresholds import Thresholds


@dataclass
class DetectionBench:
    ceiling_facts_per_s: float
    end_to_end_events: int
    end_to_end_events_per_s: float
    ingest_events_per_s: float
    detect_events_per_s: float
    marginal_us: dict[int, float] = field(default_factory=dict)
    marginal_k: int = 0
    sentiment: str = ""

    @property
    def ratio_to_ceiling(self) -> float:
        return self.end_to_end_events_per_s / self.ceiling_facts_per_s

    @property
    def flatness(self) -> float:
        sizes = sorted(self.marginal_us)
        return self.marginal_us[sizes[-1]] / self.marginal_us[sizes[0]]

    def lines(self) -> list[str]:
        out = [
            f"sentiment model: {self.sentiment}",
            f"durable-rules ceiling (assert+retract, shipped trigger rules): {self.ceiling_facts_per_s:,.0f} facts/s",
            f"end-to-end ({self.end_to_end_events:,} events: parse+validate+ingest SQLite -> signals -> rules -> score): "
            f"{self.end_to_end_events_per_s:,.0f} events/s "
            f"(ingest {self.ingest_events_per_s:,.0f}/s, detection {self.detect_events_per_s:,.0f}/s)",
            f"ratio end-to-end / durable-rules ceiling: {self.ratio_to_ceiling:.2f} (goal >= 0.5)",
        ]
        for size, cost in sorted(self.marginal_us.items()):
            out.append(f"marginal cost after {size:>9,} events of history: {cost:7.1f} us/event "
                       f"(next {self.marginal_k:,} events, incl. rules+score of touched accounts)")
        sizes = sorted(self.marginal_us)
        out.append(f"flatness ratio {sizes[-1]:,} vs {sizes[0]:,}: {self.flatness:.2f} (goal <= 1.5)")
        return out


def measure_ceiling(ruleset: Any, seconds: float = 1.5) -> float:
    """Raw assert+retract rate of one complete fact on the trigger rules."""
    inner = ruleset.ruleset
    fact = inner.complete_facts({"risk_score": 42.0, "arr_tier": "enterprise", "sla_breached": True})
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(200):
            ruleset.fire("triggers", fact)
        n += 200
    return n / (time.perf_counter() - start)


def measure_end_to_end(n_accounts: int, seed: int, ruleset: Any, sentiment: SentimentPort | None) -> tuple[int, float, float, float]:
    sample = generate(seed=seed, n_accounts=n_accounts, months=6)
    lines = [dump_event(e) for e in sample.events]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), llm_enabled=False)
        engine = create_db_engine(settings.effective_database_url)
        migrate(engine)
        start = time.perf_counter()
        events = [EVENT_ADAPTER.validate_json(line) for line in lines]
        write_events(engine, events)
        ingested = time.perf_counter()
        assess_all(engine, settings, sentiment=sentiment, ruleset=ruleset)
        done = time.perf_counter()
        engine.dispose()
    n = len(lines)
    return n, n / (done - start), n / (ingested - start), n / (done - ingested)


def _cycles(events: list[Any], span: timedelta) -> Iterator[Any]:
    """The generator's history replayed forever, each cycle later in time and with fresh ids."""
    cycle = 0
    while True:
        shift, tag = span * cycle, f"~{cycle}"
        for e in events:
            payload = e.payload
            update: dict[str, Any] = {}
            for name in ("id", "ticket_id"):
                value = getattr(payload, name, None)
                if value and not (name == "id" and e.type in ("account.upserted", "contact.upserted")):
                    update[name] = value + tag
            yield e.model_copy(update={"event_id": e.event_id + tag, "occurred_at": e.occurred_at + shift,
                                       "payload": payload.model_copy(update=update) if update else payload})
        cycle += 1


def measure_flatness(n_accounts: int, seed: int, sizes: tuple[int, ...], k: int, ruleset: Any,
                     sentiment: SentimentPort | None) -> dict[int, float]:
    sample = generate(seed=seed + 1, n_accounts=n_accounts, months=6)
    first, last = sample.events[0].occurred_at, sample.events[-1].occurred_at
    stream = _cycles(sample.events, (last - first) + timedelta(days=1))
    detector = Detector(Thresholds(), sentiment, ruleset)
    seen, costs = 0, {}
    for size in sizes:
        while seen < size:
            batch = [next(stream) for _ in range(min(5000, size - seen))]
            detector.process(batch)
            seen += len(batch)
        batch = [next(stream) for _ in range(k)]
        now: datetime = batch[-1].occurred_at
        start = time.perf_counter()
        touched = detector.process(batch)
        for account_id in touched:
            detector.assess(account_id, now)
        costs[size] = (time.perf_counter() - start) / k * 1e6
        seen += k
        assert all(account_of(e) in detector.windows for e in batch)
    return costs


def run_detection_bench(n_accounts: int = 200, seed: int = 11, sizes: tuple[int, ...] = (10_000, 100_000, 1_000_000),
                        k: int = 5_000, sentiment: SentimentPort | None = None,
                        settings: Settings | None = None) -> DetectionBench:
    """Run all three measurements in one process and return the figures."""
    settings = settings or Settings(llm_enabled=False)
    ruleset = default_ruleset(settings)
    ceiling = measure_ceiling(ruleset)
    n, e2e, ingest, detect = measure_end_to_end(n_accounts, seed, ruleset, sentiment)
    costs = measure_flatness(n_accounts, seed, sizes, k, ruleset, sentiment)
    name = type(sentiment).__module__ + "." + type(sentiment).__name__ if sentiment else "rules lexicon (fallback)"
    return DetectionBench(ceiling, n, e2e, ingest, detect, costs, k, name)
