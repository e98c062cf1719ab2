"""Sentiment accuracy and throughput on a labelled CSV.

- :func:`score_csv`: the given reader (``redaccount eval sentiment`` passes the active one, the reader
  every path uses) scored on a labelled file; nothing is fitted.
- :func:`evaluate_csv`: the shipped default plus a k-fold cross-validated trainable reader (fitted on
  k-1 folds, scored on the held-out fold; the evaluation suite's figure). Nothing is saved.

    python -m evals.sentiment --csv ../shared/data/airline_sentiment/dev.csv \
        --text-column text --label-column airline_sentiment [--embeddings]

``messages_per_cpu_second`` counts this process's CPU time for ``predict`` only (comparable across
runs on a shared, loaded machine). Measured figures: docs/evaluation.md.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from agent.sentiment import LexiconSentiment, SentimentModel, TrainedSentiment
from agent.sentiment.training import cross_validate, read_labelled_csv, scores

__all__ = ["evaluate_csv", "evaluate_default", "read_labelled_csv", "score_csv", "score_model"]


def _ambiguity(y_true: Sequence[str], y_pred: Sequence[str], ambiguous: Sequence[bool]) -> dict[str, Any]:
    """How many results are flagged ambiguous (what a model would see) and how accurate each side is."""
    amb = np.asarray(ambiguous, dtype=bool)
    hit = np.asarray(y_true) == np.asarray(y_pred)
    return {
        "ambiguous_share": round(float(amb.mean()), 4) if len(amb) else 0.0,
        "accuracy_ambiguous": round(float(hit[amb].mean()), 4) if amb.any() else None,
        "accuracy_not_ambiguous": round(float(hit[~amb].mean()), 4) if (~amb).any() else None,
    }


def score_model(model: SentimentModel, texts: list[str], labels: list[str], batch_size: int = 512) -> dict[str, Any]:
    """Accuracy, macro F1, ambiguity and speed of one reader on labelled texts."""
    started, cpu_started = time.perf_counter(), time.process_time()
    results = []
    for i in range(0, len(texts), batch_size):
        results.extend(model.predict(texts[i : i + batch_size]))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    pred = [r.label for r in results]
    return {
        **scores(labels, pred),
        **_ambiguity(labels, pred, [r.ambiguous for r in results]),
        "resolved_by_model": sum(1 for r in results if r.resolved_by),
        "messages_per_second": round(len(texts) / wall, 1) if wall > 0 else None,
        "messages_per_cpu_second": round(len(texts) / cpu, 1) if cpu > 0 else None,
        "model": model.name,
        "version": getattr(model, "version", ""),
    }


def score_csv(csv_path: str | Path, text_column: str, label_column: str, model: SentimentModel) -> dict[str, Any]:
    """Score ``model`` (e.g. the active reader) on a labelled CSV; nothing is fitted."""
    texts, labels, skipped = read_labelled_csv(csv_path, text_column, label_column)
    if not texts:
        raise ValueError(f"{csv_path}: no labelled rows")
    return {**score_model(model, texts, labels), "method": "the reader as it is, nothing fitted",
            "csv": str(csv_path), "skipped_rows": skipped}


def evaluate_default(texts: list[str], labels: list[str], model: SentimentModel | None = None) -> dict[str, Any]:
    model = model or LexiconSentiment()
    return {**score_model(model, texts, labels), "method": "shipped default, no training"}


def evaluate_csv(csv_path: str | Path, text_column: str, label_column: str, folds: int = 5, *,
                 params: dict[str, Any] | None = None, include_default: bool = True) -> dict[str, Any]:
    """The shipped default and a k-fold cross-validated trainable reader (``params`` of TrainedSentiment).

    Top level: the trainable reader's figures; ``results`` lists every evaluated reader, the default first.
    """
    texts, labels, skipped = read_labelled_csv(csv_path, text_column, label_column)
    if len(set(labels)) < 2:
        raise ValueError(f"{csv_path}: need at least two distinct labels")
    factory = partial(TrainedSentiment, **(params or {}))
    results: list[dict[str, Any]] = [evaluate_default(texts, labels)] if include_default else []
    trained = {**cross_validate(texts, labels, factory, folds=folds), "model": factory().name}
    results.append(trained)
    return {**trained, "csv": str(csv_path), "skipped_rows": skipped, "results": results}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--csv", required=True)
    p.add_argument("--text-column", default="text")
    p.add_argument("--label-column", default="label")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--embeddings", action="store_true", help="Add the MiniLM stage for the least confident.")
    a = p.parse_args(argv)
    report = evaluate_csv(a.csv, a.text_column, a.label_column, a.folds, params={"embeddings": a.embeddings})
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
