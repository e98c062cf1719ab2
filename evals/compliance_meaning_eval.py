"""How the compliance-by-meaning stage was tuned and what it costs (issue 12): dev only, then real text.

1. Threshold, on dev only: 5-fold out-of-fold confidences of the stage's own training pool (the dev set
   evals/compliance_dev.yaml, the `tune` items of evals/compliance_dev_plain.yaml and
   knowledge/assets/compliance_meaning.yaml); the chosen threshold is the lowest
   on the grid whose out-of-fold proposals are at least `MIN_PRECISION` concerns. Reported next to it: the
   dev set scored by the rules alone and by rules + stage (out-of-fold, so no item scores itself).
2. False fires on real support text that is not about compliance (banking77 train split, the airline
   tweets, bitext): proposals per 10,000 messages among the texts the rules did not match, with examples,
   and the rules' own hits per 10,000 on the same texts.
3. Cost per message: the stage (fitted, cache empty) vs the word rules' matcher on the same texts, in the
   same run (a ratio; absolute times on a shared machine are pessimistic).
4. The held-out items of the dev set's part 2 (evals/compliance_dev_plain.yaml): `split: holdout` (a third
   of batch 1) and `split: holdout2` (batch 3, written later in other words); neither the rules nor the
   stage were tuned or fitted on them: rules alone vs rules + stage, per category.

The blind and independent sets are not read here. Run:
`python -m evals.compliance_meaning_eval --data-dir ../shared/data [--out path.json]`.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.compliance_meaning import DEFAULT_THRESHOLD, DEV_PLAIN, ComplianceMeaning, training_examples

MIN_PRECISION = 0.9
GRID = (*(round(0.5 + 0.05 * i, 2) for i in range(10)), 0.97, 0.99)  # 0.50 .. 0.95, 0.97, 0.99
FOLDS = 5


class CachedEmbedder:
    """Embeds each distinct text once across the folds (the folds refit, the vectors do not change)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.cache: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if todo:
            for t, v in zip(todo, self.inner.embed(todo), strict=True):
                self.cache[t] = v
        return np.stack([self.cache[t] for t in texts]) if texts else np.zeros((0, 384), dtype=np.float32)


def out_of_fold(embedder: Any, texts: list[str], labels: list[int], seed: int = 0) -> list[float]:
    """Each example's confidence from a stage fitted on the other folds (stratified by label)."""
    rng = random.Random(seed)
    folds: list[list[int]] = [[] for _ in range(FOLDS)]
    for label in (0, 1):
        idx = [i for i, y in enumerate(labels) if y == label]
        rng.shuffle(idx)
        for k, i in enumerate(idx):
            folds[k % FOLDS].append(i)
    conf = [0.0] * len(texts)
    for held in folds:
        held_set = set(held)
        train = [i for i in range(len(texts)) if i not in held_set]
        stage = ComplianceMeaning(embedder, examples=([texts[i] for i in train], [labels[i] for i in train]))
        for i, p in zip(held, stage.score([texts[i] for i in held]), strict=True):
            conf[i] = p.confidence
    return conf


def _pr(flags: list[bool], labels: list[int]) -> dict[str, Any]:
    tp = sum(f and y for f, y in zip(flags, labels, strict=True))
    fp = sum(f and not y for f, y in zip(flags, labels, strict=True))
    pos = sum(labels)
    return {"tp": tp, "fp": fp, "fn": pos - tp, "recall": round(tp / pos, 4) if pos else None,
            "precision": round(tp / (tp + fp), 4) if tp + fp else None}


def choose_threshold(conf: list[float], labels: list[int]) -> tuple[float | None, list[dict[str, Any]]]:
    rows = [{"threshold": t, **_pr([c >= t for c in conf], labels)} for t in GRID]
    ok = [r for r in rows if r["precision"] is not None and r["precision"] >= MIN_PRECISION]
    return (min(r["threshold"] for r in ok) if ok else None), rows


@dataclass(frozen=True)
class ReviewHit:
    """A meaning-stage proposal shown where a rule hit would be (its `term` says it is one, and how sure)."""

    term: str


def with_meaning(match: Callable[[str], Sequence[Any]], stage: Any) -> Callable[[str], Sequence[Any]]:
    """Rules first; a text they do not match counts as flagged when the stage proposes it (a review)."""

    def both(text: str) -> Sequence[Any]:
        hits = match(text)
        if hits:
            return hits
        proposal = stage.propose([text])[0]
        return [ReviewHit(f"~meaning {proposal.confidence:.2f}")] if proposal is not None else []

    return both


def real_texts(data_dir: Path, per_source: int | None = None) -> dict[str, list[tuple[str, str]]]:
    """(text, label) per real source; none of them is about compliance by construction of the sets."""
    out: dict[str, list[tuple[str, str]]] = {}
    # The stage is fitted on 400 test-split queries; the train split is the one it never saw.
    with (data_dir / "banking77" / "train.csv").open(encoding="utf-8") as f:
        out["banking77_train"] = [(r["text"], r["category"]) for r in csv.DictReader(f)]
    with (data_dir / "airline_sentiment" / "dev.csv").open(encoding="utf-8") as f:
        out["airline_tweets"] = [(r["text"], r["airline_sentiment"]) for r in csv.DictReader(f)]
    path = data_dir / "bitext_customer_support_synthetic" / "Bitext_Sample_Customer_Support_Training_Dataset.csv"
    with path.open(encoding="utf-8") as f:
        out["bitext"] = [(r["instruction"], r["intent"]) for r in csv.DictReader(f)]
    if per_source:
        out = {k: v[:per_source] for k, v in out.items()}
    return out


def evaluate(data_dir: Path | None, per_source: int | None = None) -> dict[str, Any]:
    from core.settings import Settings
    from knowledge.embeddings import MiniLMEmbedding
    from rules.detect import default_ruleset
    from rules.detector import compliance_for

    settings = Settings(llm_enabled=False)
    matcher = compliance_for(default_ruleset(settings))
    assert matcher is not None
    embedder = CachedEmbedder(MiniLMEmbedding())
    texts, labels = training_examples()
    conf = out_of_fold(embedder, texts, labels)
    threshold, rows = choose_threshold(conf, labels)
    asset_n = len(training_examples(dev=None)[0])
    dev_idx = range(asset_n, len(texts))
    dev_labels = [labels[i] for i in dev_idx]
    rules_flags = [bool(matcher.match_text(texts[i])) for i in dev_idx]
    report: dict[str, Any] = {
        "pool": {"examples": len(texts), "concerns": sum(labels), "dev_items": len(dev_labels)},
        "min_precision": MIN_PRECISION, "grid": rows, "chosen_threshold": threshold,
        "dev_rules_alone": _pr(rules_flags, dev_labels),
    }
    if threshold is not None:
        both = [r or conf[i] >= threshold for r, i in zip(rules_flags, dev_idx, strict=True)]
        report["dev_rules_plus_meaning_out_of_fold"] = _pr(both, dev_labels)
    stage = ComplianceMeaning(embedding=embedder, threshold=threshold or DEFAULT_THRESHOLD)
    for split in ("holdout", "holdout2"):
        report[f"dev_plain_{split}"] = holdout_report(matcher.match_text, stage, split=split)
    if data_dir is None:
        return report
    real: dict[str, Any] = {}
    for name, rows_ in real_texts(data_dir, per_source).items():
        msgs = [t for t, _ in rows_]
        t0 = time.perf_counter()
        rule_hits = [bool(matcher.match_text(m)) for m in msgs]
        t_rules = time.perf_counter() - t0
        t0 = time.perf_counter()
        scored = stage.score(msgs)
        t_stage = time.perf_counter() - t0
        fired = [(m, lab, p) for (m, lab), p, r in zip(rows_, scored, rule_hits, strict=True)
                 if not r and p.confidence >= stage.threshold]
        real[name] = {
            "messages": len(msgs), "rules_hits": sum(rule_hits),
            "rules_hits_per_10k": round(1e4 * sum(rule_hits) / len(msgs), 1),
            "proposals": len(fired), "proposals_per_10k": round(1e4 * len(fired) / len(msgs), 1),
            "proposals_per_10k_by_threshold": {
                t: round(1e4 * sum(1 for p, r in zip(scored, rule_hits, strict=True) if not r and p.confidence >= t)
                         / len(msgs), 1) for t in GRID},
            "proposals_by_label": dict(Counter(lab for _, lab, _ in fired).most_common(8)),
            "examples": [f"{p.confidence:.2f} {m[:120]}" for m, _, p in sorted(fired, key=lambda x: -x[2].confidence)[:8]],
            "ms_per_message_rules": round(1e3 * t_rules / len(msgs), 4),
            "ms_per_message_meaning": round(1e3 * t_stage / len(msgs), 3),
            "cost_ratio_meaning_vs_rules": round(t_stage / t_rules, 1) if t_rules else None,
        }
    report["real_text"] = real
    return report


def holdout_report(match: Callable[[str], Sequence[Any]], stage: Any, path: Path = DEV_PLAIN,
                   split: str = "holdout") -> dict[str, Any]:
    """Rules alone and rules + stage on the items of one held-out `split` of the dev set's part 2."""
    import yaml

    items = [i for i in yaml.safe_load(path.read_text(encoding="utf-8"))["items"] if i.get("split") == split]
    labels = [1 if i["expect"] else 0 for i in items]
    rules = [bool(match(i["text"])) for i in items]
    both_match = with_meaning(match, stage)
    both = [bool(both_match(i["text"])) for i in items]
    by_category: dict[str, dict[str, str]] = {}
    for cat in sorted({i["category"] for i in items if i["expect"]}):
        idx = [k for k, i in enumerate(items) if i["category"] == cat]
        by_category[cat] = {"rules": f"{sum(rules[k] for k in idx)}/{len(idx)}",
                            "rules_plus_meaning": f"{sum(both[k] for k in idx)}/{len(idx)}"}
    return {"items": len(items), "rules_alone": _pr(rules, labels), "rules_plus_meaning": _pr(both, labels),
            "recall_by_category": by_category}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--per-source", type=int, default=None, help="Only the first N texts of each real source.")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    report = evaluate(args.data_dir, args.per_source)
    text = json.dumps(report, indent=1, ensure_ascii=False)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
