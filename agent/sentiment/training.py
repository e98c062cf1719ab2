"""Fit, cross-validate and save a reader: what `redaccount train sentiment` and the refit job run.

Cross-validation refits the vectoriser and classifier inside each fold, so nothing of a test fold
leaks into its model. Speed is reported per CPU-second of this process (comparable on a shared,
loaded machine), for the cheap stage alone and for the whole cascade.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold

from agent.sentiment.base import LABELS
from agent.sentiment.registry import Manifest, save_reader
from agent.sentiment.trained import TrainedSentiment, fingerprint

if TYPE_CHECKING:
    from core.settings import Settings

Factory = Callable[[], TrainedSentiment]
_ALIASES = {
    "negative": "negative", "neg": "negative", "-1": "negative", "bad": "negative",
    "neutral": "neutral", "neu": "neutral", "0": "neutral",
    "positive": "positive", "pos": "positive", "1": "positive", "good": "positive",
}  # fmt: skip


def read_labelled_csv(path: str | Path, text_column: str, label_column: str) -> tuple[list[str], list[str], int]:
    """Texts, normalised labels, and how many rows were skipped (empty text or unknown label)."""
    texts: list[str] = []
    labels: list[str] = []
    skipped = 0
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = {text_column, label_column} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}: missing column(s) {sorted(missing)}; has {reader.fieldnames}")
        for row in reader:
            text = (row.get(text_column) or "").strip()
            label = _ALIASES.get((row.get(label_column) or "").strip().lower())
            if not text or label is None:
                skipped += 1
                continue
            texts.append(text)
            labels.append(label)
    return texts, labels, skipped


def scores(y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, Any]:
    """Accuracy, macro F1 and per-class F1 over LABELS."""
    per_class = f1_score(y_true, y_pred, labels=list(LABELS), average=None, zero_division=0)
    return {
        "n": len(y_true),
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "macro_f1": round(float(f1_score(y_true, y_pred, labels=list(LABELS), average="macro", zero_division=0)), 4),
        "per_class_f1": {lab: round(float(v), 4) for lab, v in zip(LABELS, per_class, strict=True)},
    }


def _label(P: np.ndarray) -> np.ndarray:
    return np.asarray(LABELS, dtype=object)[P.argmax(axis=1)]


def cross_validate(texts: Sequence[str], labels: Sequence[str], factory: Factory, *, folds: int = 5, seed: int = 0,
                   embeddings: np.ndarray | None = None) -> dict[str, Any]:
    """k-fold stratified CV of the cheap stage and of the cascade; accuracy, macro F1, share, speed."""
    texts, y = list(texts), np.asarray([str(x) for x in labels], dtype=object)
    k = max(2, min(folds, min(int((y == lab).sum()) for lab in set(y))))
    cheap, full = np.empty(len(y), dtype=object), np.empty(len(y), dtype=object)
    cheap_cpu = full_cpu = fit_s = 0.0
    sent_on = 0
    for train, test in StratifiedKFold(k, shuffle=True, random_state=seed).split(texts, y):
        model = factory()
        started = time.perf_counter()
        model.fit([texts[i] for i in train], y[train], embeddings=None if embeddings is None else embeddings[train])
        fit_s += time.perf_counter() - started
        held = [texts[i] for i in test]
        c0 = time.process_time()
        cheap[test] = _label(model.cheap_proba(held))
        c1 = time.process_time()
        full[test] = _label(model.predict_proba(held, embeddings=None if embeddings is None else embeddings[test]))
        full_cpu += time.process_time() - c1
        cheap_cpu += c1 - c0
        sent_on += model.last_stage_counts.get("embeddings", 0)
    out: dict[str, Any] = {
        "method": f"{k}-fold stratified cross-validation (seed {seed}); vectoriser and model refitted per fold",
        "cheap": {**scores(y, cheap), "messages_per_cpu_second": round(len(y) / cheap_cpu, 1) if cheap_cpu else None},
        "fit_seconds_per_fold": round(fit_s / k, 2),
    }
    if factory().params["embeddings"]:
        out["cascade"] = {**scores(y, full), "embedding_share": round(sent_on / len(y), 4),
                          # With precomputed embeddings the encoder's cost is not in this figure.
                          "messages_per_cpu_second": None if embeddings is not None or not full_cpu
                          else round(len(y) / full_cpu, 1)}
    return {**out, **(out.get("cascade") or out["cheap"])}


def train_reader(settings: Settings, texts: Sequence[str], labels: Sequence[str], *, source: str,
                 params: dict[str, Any] | None = None, folds: int = 5, activate: bool = True,
                 note: str = "") -> tuple[TrainedSentiment, Manifest]:
    """Cross-validate, fit on everything, save with its manifest; activate unless told not to."""
    texts, labels = list(texts), [str(x).strip().lower() for x in labels]
    params = dict(params or {})

    def factory() -> TrainedSentiment:
        return TrainedSentiment(**params)

    # The encoder is the expensive part: encode each text once, for every fold and the final fit.
    E = None
    if params.get("embeddings"):
        from agent.sentiment.features import normalise

        E = factory().encoder().encode([normalise(t) for t in texts])
    metrics = cross_validate(texts, labels, factory, folds=folds, embeddings=E) if len(texts) >= 2 * folds else {}
    model = factory().fit(texts, labels, embeddings=E)
    manifest = Manifest(version=model.version, fingerprint=fingerprint(texts, labels), source=source,
                        n_train=len(texts), label_counts=model.meta["label_counts"], metrics=metrics,
                        params=dict(model.params), note=note)
    save_reader(settings, model, manifest, activate=activate)
    return model, manifest
