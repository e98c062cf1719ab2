"""A sentiment reader the operator trains on their own labelled messages: a cheap stage, then MiniLM.

Stage 1 (every message): TF-IDF word and character n-grams plus the shipped lexicon's reading as
features (:mod:`agent.sentiment.features`), multinomial logistic regression. Stage 2 (optional,
``embeddings=True``): messages whose stage-1 margin (top probability minus the next) is below
``embed_margin`` are also read by a logistic regression on all-MiniLM-L6-v2 int8 sentence embeddings,
and the two probability vectors are averaged (``embedding_weight``). The encoder costs ~15 ms of CPU
per message here, so it only ever sees that least confident share. Figures: docs/evaluation.md.

``version`` is ``trained-<hash>`` of the training data's fingerprint and the parameters: the same data
and settings give the same version. The fitted reader is saved with joblib into the operator's data
directory (:mod:`agent.sentiment.registry`), never into the repository. joblib files are pickles: load
only files this program wrote into a directory the operator controls.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression

from agent.sentiment.base import DEFAULT_AMBIGUITY_MARGIN, LABELS, SentimentResult, make_result
from agent.sentiment.features import lexicon_features, normalise, stack, vectoriser

FORMAT_VERSION = 2
KIND = "redaccount.sentiment.TrainedSentiment"


def fingerprint(texts: Sequence[str], labels: Sequence[str]) -> str:
    """sha256 of the (label, text) pairs, order-independent: what the reader learnt from."""
    digest = hashlib.sha256()
    for pair in sorted(f"{lab}\t{text}" for text, lab in zip(texts, labels, strict=True)):
        digest.update(pair.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


class TrainedSentiment:
    """Fit on (text, label) pairs with labels in negative|neutral|positive; see the module docstring."""

    def __init__(
        self,
        *,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] = (2, 5),
        C: float = 4.0,
        class_weight: str | None = None,
        min_df: int = 2,
        lexicon: bool = True,
        lexicon_scale: float = 1.0,
        embeddings: bool = False,
        embed_margin: float = 0.5,
        embedding_weight: float = 0.5,
        ambiguity_margin: float = DEFAULT_AMBIGUITY_MARGIN,
        encoder: Any = None,
    ) -> None:
        self.params: dict[str, Any] = {
            "word_ngrams": tuple(word_ngrams), "char_ngrams": tuple(char_ngrams), "C": C,
            "class_weight": class_weight, "min_df": min_df, "lexicon": lexicon, "lexicon_scale": lexicon_scale,
            "embeddings": embeddings, "embed_margin": embed_margin, "embedding_weight": embedding_weight,
            "ambiguity_margin": ambiguity_margin,
        }
        self._encoder = encoder
        self._vec: Any = None
        self._clf: LogisticRegression | None = None
        self._emb_clf: LogisticRegression | None = None
        self._lexicon: Any = None
        self.fingerprint = ""
        self.version = "trained-unfitted"
        self.meta: dict[str, Any] = {}
        #: Messages each stage read in the last ``predict_proba`` call (what the cascade cost).
        self.last_stage_counts: dict[str, int] = {}

    @property
    def name(self) -> str:
        return "trained-lr+minilm" if self.params["embeddings"] else "trained-lr"

    # --- features -------------------------------------------------------------------------------

    def _lexicon_model(self) -> Any:
        if self._lexicon is None:
            from agent.sentiment.lexicon import LexiconSentiment

            self._lexicon = LexiconSentiment()
        return self._lexicon

    def _cheap(self, texts: Sequence[str], *, fit: bool) -> Any:
        norm = [normalise(t) for t in texts]
        if fit:
            p = self.params
            self._vec = vectoriser(word_ngrams=p["word_ngrams"], char_ngrams=p["char_ngrams"], min_df=p["min_df"])
            X = self._vec.fit_transform(norm)
        else:
            X = self._vec.transform(norm)
        dense = lexicon_features(self._lexicon_model(), texts) if self.params["lexicon"] else None
        return stack(X, dense, self.params["lexicon_scale"])

    def encoder(self) -> Any:
        if self._encoder is None:
            from agent.sentiment.embeddings import MiniLMEncoder

            self._encoder = MiniLMEncoder()
        return self._encoder

    # --- training and inference -----------------------------------------------------------------

    def fit(self, texts: Sequence[str], labels: Sequence[str], sample_weight: Sequence[float] | None = None,
            embeddings: np.ndarray | None = None) -> TrainedSentiment:
        """Fit on labelled texts. ``embeddings`` (precomputed MiniLM vectors, row-aligned) skips the encoder."""
        texts = list(texts)
        y = np.array([str(lab).strip().lower() for lab in labels])
        unknown = sorted(set(y) - set(LABELS))
        if unknown:
            raise ValueError(f"labels must be among {LABELS}; got {unknown}")
        if len(set(y)) < 2:
            raise ValueError("need at least two distinct labels to train")
        started = time.perf_counter()
        sw = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        p = self.params
        self._clf = LogisticRegression(C=p["C"], max_iter=3000, class_weight=p["class_weight"])
        self._clf.fit(self._cheap(texts, fit=True), y, sample_weight=sw)
        if p["embeddings"]:
            E = embeddings if embeddings is not None else self.encoder().encode([normalise(t) for t in texts])
            self._emb_clf = LogisticRegression(C=2.0, max_iter=3000, class_weight=p["class_weight"])
            self._emb_clf.fit(E, y, sample_weight=sw)
        self.fingerprint = fingerprint(texts, list(y))
        self.version = self._version()
        self.meta = {
            "n_train": len(texts),
            "label_counts": {lab: int((y == lab).sum()) for lab in LABELS},
            "fit_seconds": round(time.perf_counter() - started, 3),
            "fitted_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        return self

    def _version(self) -> str:
        body = json.dumps({"data": self.fingerprint, "params": self.params, "format": FORMAT_VERSION,
                           "sklearn": sklearn.__version__}, sort_keys=True, default=list)
        return "trained-" + hashlib.sha256(body.encode()).hexdigest()[:12]

    def _aligned(self, clf: LogisticRegression, P: np.ndarray) -> np.ndarray:
        """Reorder a classifier's probability columns to LABELS (absent classes get 0)."""
        out = np.zeros((P.shape[0], len(LABELS)), dtype=np.float64)
        for j, c in enumerate(clf.classes_):
            out[:, LABELS.index(c)] = P[:, j]
        return out

    def cheap_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Stage 1 alone (every message)."""
        if self._clf is None:
            raise RuntimeError("model is not fitted")
        return self._aligned(self._clf, self._clf.predict_proba(self._cheap(list(texts), fit=False)))

    def predict_proba(self, texts: Sequence[str], embeddings: np.ndarray | None = None) -> np.ndarray:
        """The cascade: stage 1 for all, stage 2 (MiniLM) for those below ``embed_margin``."""
        texts = list(texts)
        if not texts:
            self.last_stage_counts = {"cheap": 0, "embeddings": 0}
            return np.zeros((0, len(LABELS)))
        P = self.cheap_proba(texts)
        unsure = np.zeros(len(texts), dtype=bool)
        if self._emb_clf is not None:
            top = np.sort(P, axis=1)
            unsure = (top[:, -1] - top[:, -2]) < self.params["embed_margin"]
        if unsure.any():
            idx = np.flatnonzero(unsure)
            E = embeddings[idx] if embeddings is not None else self.encoder().encode([normalise(texts[i]) for i in idx])
            Pe = self._aligned(self._emb_clf, self._emb_clf.predict_proba(E))  # type: ignore[union-attr]
            w = self.params["embedding_weight"]
            P[idx] = (1 - w) * P[idx] + w * Pe
        self.last_stage_counts = {"cheap": len(texts), "embeddings": int(unsure.sum())}
        return P

    def predict(self, texts: Sequence[str], embeddings: np.ndarray | None = None) -> list[SentimentResult]:
        texts = list(texts)
        P = self.predict_proba(texts, embeddings=embeddings)
        margin = self.params["ambiguity_margin"]
        return [make_result(p, t, model=self.name, margin=margin, version=self.version)
                for p, t in zip(P, texts, strict=True)]

    # --- persistence ----------------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        if self._clf is None:
            raise RuntimeError("refusing to save an unfitted model")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "format": FORMAT_VERSION, "kind": KIND, "sklearn_version": sklearn.__version__, "params": self.params,
            "vectoriser": self._vec, "classifier": self._clf, "embedding_classifier": self._emb_clf,
            "fingerprint": self.fingerprint, "version": self.version, "meta": self.meta,
        }
        tmp = path.with_suffix(path.suffix + ".tmp")
        joblib.dump(payload, tmp, compress=3)
        tmp.replace(path)  # atomic: a reader never sees half a model
        return path

    @classmethod
    def load(cls, path: str | Path, *, encoder: Any = None) -> TrainedSentiment:
        payload = joblib.load(Path(path))
        if not isinstance(payload, dict) or payload.get("kind") != KIND:
            raise ValueError(f"{path} is not a redaccount sentiment model")
        if payload.get("format") != FORMAT_VERSION:
            raise ValueError(f"{path}: unsupported model format {payload.get('format')!r}; retrain it")
        model = cls(**payload["params"], encoder=encoder)
        model._vec = payload["vectoriser"]
        model._clf = payload["classifier"]
        model._emb_clf = payload["embedding_classifier"]
        model.fingerprint = payload["fingerprint"]
        model.version = payload["version"]
        model.meta = dict(payload.get("meta") or {}, sklearn_version=payload.get("sklearn_version"))
        return model
