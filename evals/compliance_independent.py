"""Compliance recall and precision on an independent set (evals/compliance_set.yaml).

The set is written from regulatory and legal vocabulary in several languages, not from the rule file,
with harmless-context negatives. The matcher is the production one (the rule engine behind the
detector's prefilter). The existing planted-term check (evals/compliance.py) stays as a regression
guard for the matcher's normalisation; this one says how well the rules cover what customers write.
The same scorer reads the dev set (DEV) the rules were tuned on; only SET is the independent measure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

SET = Path(__file__).parent / "compliance_set.yaml"
# The set the rules were tuned on (different sentences, same format); reported next to SET, never instead.
DEV = Path(__file__).parent / "compliance_dev.yaml"


def load_set(path: Path = SET) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = data["items"]
    for item in items:
        if not {"lang", "category", "expect", "text"} <= set(item):
            raise ValueError(f"{path}: item needs lang, category, expect, text: {item}")
    return items


def independent_metrics(match: Callable[[str], Sequence[Any]], path: Path = SET) -> dict[str, Any]:
    items = load_set(path)
    tp = fp = fn = tn = 0
    by_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses, false_hits = [], []
    for item in items:
        hits = match(item["text"])
        fired = bool(hits)
        if item["expect"]:
            tp += fired
            fn += not fired
            for key, table in ((item["lang"], by_lang), (item["category"], by_category)):
                table[key][0] += fired
                table[key][1] += 1
            if not fired:
                misses.append(f"[{item['lang']}/{item['category']}] {item['text']}")
        else:
            fp += fired
            tn += not fired
            if fired:
                terms = sorted({str(getattr(h, "term", None) or getattr(h, "matched", "") or h) for h in hits})
                false_hits.append(f"[{item['lang']}] {item['text']} -> {', '.join(terms)[:80]}")
    return {
        "set": path.name, "positives": tp + fn, "negatives": fp + tn, "tp": tp, "fp": fp, "fn": fn, "tn": tn,
        "recall": round(tp / (tp + fn), 4) if tp + fn else None,
        "precision": round(tp / (tp + fp), 4) if tp + fp else None,
        "recall_by_language": {k: f"{v[0]}/{v[1]}" for k, v in sorted(by_lang.items())},
        "recall_by_category": {k: f"{v[0]}/{v[1]}" for k, v in sorted(by_category.items())},
        "misses": misses, "false_hits": false_hits,
    }
