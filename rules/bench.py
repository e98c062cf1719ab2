"""Throughput of the rules adapter: the raw durable-rules ceiling and full evaluations."""

from __future__ import annotations

import random
import time
from dataclasses import replace
from typing import Any

from rules.engine import RuleEngine, engine_for
from rules.reference import ReferenceEvaluator


def sample_facts(rng: random.Random) -> dict[str, Any]:
    """A plausible facts dict for benchmarks."""
    return {
        "risk_score": rng.uniform(0, 100),
        "risk_confidence": rng.random(),
        "arr_tier": rng.choice(["strategic", "enterprise", "mid_market", "smb"]),
        "renewal_days": rng.randint(0, 400),
        "highest_open_priority": rng.choice(["p1", "p2", "p3", "p4", "none"]),
        "open_high_priority_tickets": rng.randint(0, 3),
        "engineering_owned": rng.random() < 0.3,
        "unresolved_tickets_recent": rng.randint(0, 4),
        "compliance_hits": rng.choice([0, 0, 0, 1]),
        "sla_breached": rng.random() < 0.2,
    }


def _rate(n: int, seconds: float) -> float:
    return round(n / seconds, 1) if seconds > 0 else float("inf")


def _baseline(n: int) -> float:
    """The same assert+retract path on a one-rule, one-field rule set: the host's own ceiling now."""
    ruleset = engine_for().ruleset
    tiny_rules = {"tiers": (ruleset.rules["tiers"][0],)}
    tiny = RuleEngine(replace(ruleset, version=f"{ruleset.version}-bench", rules=tiny_rules, terms=()))
    facts = {"arr_tier": "smb", "highest_open_priority": "p3", "reopened_tickets": 0}
    start = time.perf_counter()
    for _ in range(n):
        tiny.fire("tiers", facts)
    return _rate(n, time.perf_counter() - start)


def engine_ceiling(n: int = 20_000, seed: int = 7) -> dict[str, float]:
    """Events/s: raw durable-rules assert+retract on the triggers ruleset (complete facts dict, as
    `evaluate` sends it), full `evaluate` (5 kinds = 5 assert+retract each) on the engine and on the
    reference, and `match_text` on a 300-character message."""
    engine: RuleEngine = engine_for()
    reference = ReferenceEvaluator(engine.ruleset)
    rng = random.Random(seed)
    facts = [sample_facts(rng) for _ in range(min(n, 1000))]
    complete = [engine.ruleset.complete_facts(f) for f in facts]

    start = time.perf_counter()
    for i in range(n):
        engine.fire("triggers", complete[i % len(complete)])
    raw = _rate(n, time.perf_counter() - start)

    baseline = _baseline(n)

    evaluations = max(1, n // 5)
    start = time.perf_counter()
    for i in range(evaluations):
        engine.evaluate(facts[i % len(facts)])
    engine_eval = _rate(evaluations, time.perf_counter() - start)

    start = time.perf_counter()
    for i in range(evaluations):
        reference.evaluate(facts[i % len(facts)])
    reference_eval = _rate(evaluations, time.perf_counter() - start)

    message = ("We have waited for weeks and nobody answers. " * 6) + "Our lawyer mentioned GDPR."
    texts = max(1, n // 20)
    start = time.perf_counter()
    for _ in range(texts):
        engine.match_text(message)
    text_rate = _rate(texts, time.perf_counter() - start)
    return {
        "baseline_one_rule_one_field_per_s": baseline,
        "raw_assert_retract_per_s": raw,
        "engine_evaluate_per_s": engine_eval,
        "reference_evaluate_per_s": reference_eval,
        "engine_match_text_300_chars_per_s": text_rate,
    }
