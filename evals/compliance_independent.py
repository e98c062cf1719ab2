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
# Dev part 2: breaches without the word, card data, data loss, look-alikes; items carry a `split`
# (`tune`, `tune5` ... `tune10`: tuned on; `holdout`, `holdout2`, `holdout3`: never tuned on) -- see its header.
DEV_PLAIN = Path(__file__).parent / "compliance_dev_plain.yaml"
# Written after the rules were tuned, by someone who never saw the rules, SET or DEV (its header says how):
# the only blind measure. Its own format (`expected: flag|ignore`, `language`) is read as the others'.
BLIND = Path(__file__).parent / "compliance_blind.yaml"
# A second blind set, written after the first had shaped the rules by category (breaches in plain words, card
# data, data loss): its author saw neither the rules, the code nor any other set. Scored, never tuned on.
BLIND2 = Path(__file__).parent / "compliance_blind2.yaml"
_EXPECTED = {"flag": True, "ignore": False}


def load_set(path: Path = SET, split: str | None = None) -> list[dict[str, Any]]:
    """The set's items in one form; with `split`, only the items of that split (dev part 2)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = [_common_form(item, path) for item in data["items"] if split is None or item.get("split") == split]
    for item in items:
        if not {"lang", "category", "expect", "text"} <= set(item):
            raise ValueError(f"{path}: item needs lang, category, expect, text: {item}")
    return items


def _common_form(item: dict[str, Any], path: Path) -> dict[str, Any]:
    """The blind set's `expected`/`language` fields as the other sets' `expect`/`lang`."""
    if "expected" not in item:
        return item
    if item["expected"] not in _EXPECTED:
        raise ValueError(f"{path}: expected must be flag or ignore: {item}")
    return {**item, "expect": _EXPECTED[item["expected"]], "lang": item.get("language")}


def independent_metrics(match: Callable[[str], Sequence[Any]], path: Path = SET,
                        split: str | None = None) -> dict[str, Any]:
    items = load_set(path, split)
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
        "set": path.name + (f" ({split})" if split else ""), "positives": tp + fn, "negatives": fp + tn, "tp": tp, "fp": fp, "fn": fn, "tn": tn,
        "recall": round(tp / (tp + fn), 4) if tp + fn else None,
        "precision": round(tp / (tp + fp), 4) if tp + fp else None,
        "recall_by_language": {k: f"{v[0]}/{v[1]}" for k, v in sorted(by_lang.items())},
        "recall_by_category": {k: f"{v[0]}/{v[1]}" for k, v in sorted(by_category.items())},
        "misses": misses, "false_hits": false_hits,
    }


REAL_TEXT = (("banking77_train", "banking77/train.csv", "text"), ("banking77_test", "banking77/test.csv", "text"),
             ("airline_tweets", "airline_sentiment/dev.csv", "text"),
             ("bitext", "bitext_customer_support_synthetic/Bitext_Sample_Customer_Support_Training_Dataset.csv", "instruction"),
             ("cfpb", "cfpb_complaints_1k/dataset.csv", "narrative"))


def real_text_hits(match: Callable[[str], Sequence[Any]], data_dir: Path, runs: int = 2) -> dict[str, Any]:
    """Real support text that is not about compliance (banking77, airline tweets, bitext; CFPB complaints,
    some of which do threaten legal action): how many messages the rules fire on, and the matching cost
    per message (best of `runs` passes over 5,000 airline tweets + 500 CFPB narratives)."""
    import csv
    import time

    out: dict[str, Any] = {}
    texts: dict[str, list[str]] = {}
    for name, rel, column in REAL_TEXT:
        with (data_dir / rel).open(encoding="utf-8") as f:
            texts[name] = [row[column] for row in csv.DictReader(f)]
        fired = [t for t in texts[name] if match(t)]
        out[name] = {"messages": len(texts[name]), "fired": len(fired), "examples": [t[:140] for t in fired]}
    sample = texts["airline_tweets"][:5000] + texts["cfpb"][:500]
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        for t in sample:
            match(t)
        best = min(best, time.perf_counter() - t0)
    out["ms_per_message"] = round(1e3 * best / len(sample), 3)
    return out


def main(argv: list[str] | None = None) -> None:
    """Print the word rules' figures on the dev sets (part 2 per split) and the independent set; the blind
    set is not read here (`redaccount eval` scores it)."""
    import argparse
    import json

    from core.settings import Settings
    from rules.detect import default_ruleset
    from rules.detector import compliance_for

    parser = argparse.ArgumentParser(description=main.__doc__.splitlines()[0] if main.__doc__ else None)
    parser.add_argument("--details", action="store_true", help="Also list misses and false hits (not of held-out splits).")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="Also count the rules' hits on real harmless text there (../shared/data) and time them.")
    parser.add_argument("--split", action="append", default=None,
                        help="Only these splits of dev part 2 (default: tune, holdout, holdout2, tune5-tune10; holdout3 only when named).")
    parser.add_argument("--dev-only", action="store_true", help="Leave the independent set out (while tuning).")
    args = parser.parse_args(argv)
    matcher = compliance_for(default_ruleset(Settings(llm_enabled=False)))
    assert matcher is not None
    splits = args.split or ["tune", "holdout", "holdout2", "tune5", "tune6", "tune7", "tune8", "tune9", "tune10"]
    runs = [("dev", DEV, None), *(("dev_plain", DEV_PLAIN, s) for s in splits)]
    if not args.dev_only:
        runs.append(("independent", SET, None))
    for name, path, split in runs:
        m = independent_metrics(matcher.match_text, path, split)
        keep = ("recall", "precision", "tp", "fp", "fn", "tn", "recall_by_category")
        print(name + (f"[{split}]" if split else ""), json.dumps({k: m[k] for k in keep}, ensure_ascii=False))
        if args.details and split in (None, "tune", "tune5", "tune6", "tune7", "tune8", "tune9", "tune10") and path != SET:
            for line in m["misses"] + m["false_hits"]:
                print("   ", line)
    if args.data_dir is not None:
        print("real_text", json.dumps(real_text_hits(matcher.match_text, args.data_dir), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
