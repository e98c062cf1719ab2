"""A sentiment model the operator trains on their own labelled messages.

TF-IDF word (1-2) + character (2-5, within word boundaries) n-grams, sublinear tf, multinomial
logistic regression. Variants (``features``):

- ``"tfidf"`` (default): ~2,100 messages per CPU-second; 0.810 accuracy on the airline tweets (5-fold CV).
  The default because sentiment runs on every message and it meets the ~2,000 msg/s budget.
- ``"tfidf+lexicon"``: adds the shipped lexicon's compound score and the intensity as features;
  0.815, ~1,250 msg/CPU-s (VADER is pure Python).
- ``"tfidf+embeddings"``: also fits an LR on all-MiniLM-L6-v2 int8 ONNX sentence embeddings and averages
  the two models' probabilities; 0.827 but ~30 msg/CPU-s here (the encoder dominates): for re-scoring
  a backlog or the ambiguous share, not for the live stream.

The fitted model is saved with joblib into the operator's data directory
(``settings.models_dir / "sentiment.joblib"``) and never into the repository. joblib files are pickles:
load only files this program wrote into a directory the operator controls.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from agent.sentiment.base import DEFAULT_AMBIGUITY_MARGIN, LABELS, SentimentResult, intensity, make_result

FORMAT_VERSION = 1
FEATURE_SETS = ("tfidf", "tfidf+lexicon", "tfidf+embeddings", "tfidf+lexicon+embeddings")
_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"(?<!\w)@\w+")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b")
_NUMBER = re.compile(r"\d+")


def normalise(text: str) -> str:
    """Mask what should not be learnt as sentiment: urls, e-mail addresses, @handles, exact numbers."""
    text = _EMAIL.sub(" email ", text)
    text = _URL.sub(" url ", text)
    text = _MENTION.sub(" @user ", text)
    return _NUMBER.sub("0", text)


def _vectoriser(min_df: int) -> FeatureUnion:
    return FeatureUnion(
        [
            (
                "word",
                TfidfVectorizer(
                    ngram_range=(1, 2),
                    sublinear_tf=True,
                    min_df=min_df,
                    token_pattern=r"(?u)\b\w[\w']*\b|[!?]+|[:;]-?[()DPp/]",
                    dtype=np.float32,
                ),
            ),
            (
                "char",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=min_df, dtype=np.float32
                ),
            ),
        ]
    )


class TrainedSentiment:
    """Fit on (text, label) pairs with labels in negative|neutral|positive; see module docstring."""

    def __init__(
        self,
        *,
        features: str = "tfidf",
        C: float = 4.0,
        class_weight: str | None = None,
        min_df: int = 2,
        embedding_weight: float = 0.5,
        ambiguity_margin: float = DEFAULT_AMBIGUITY_MARGIN,
        encoder: Any = None,
    ) -> None:
        if features not in FEATURE_SETS:
            raise ValueError(f"features must be one of {FEATURE_SETS}, not {features!r}")
        self.features = features
        self.C = C
        self.class_weight = class_weight
        self.min_df = min_df
        self.embedding_weight = embedding_weight
        self.ambiguity_margin = ambiguity_margin
        self._encoder = encoder
        self._vec: FeatureUnion | None = None
        self._clf: LogisticRegression | None = None
        self._emb_clf: LogisticRegression | None = None
        self._lexicon: Any = None
        self.meta: dict[str, Any] = {}

    @property
    def name(self) -> str:
        return f"trained-{self.features}-lr"

    @property
    def uses_lexicon(self) -> bool:
        return "lexicon" in self.features

    @property
    def uses_embeddings(self) -> bool:
        return "embeddings" in self.features

    # --- features -------------------------------------------------------------------------------

    def _lexicon_model(self) -> Any:
        if self._lexicon is None:
            from agent.sentiment.lexicon import LexiconSentiment

            self._lexicon = LexiconSentiment()
        return self._lexicon

    def _sparse(self, texts: Sequence[str], *, fit: bool) -> Any:
        norm = [normalise(t) for t in texts]
        if fit:
            self._vec = _vectoriser(self.min_df)
            X = self._vec.fit_transform(norm)
        else:
            assert self._vec is not None
            X = self._vec.transform(norm)
        if self.uses_lexicon:
            lex = self._lexicon_model()
            extra = np.array(
                [[c, max(c, 0.0), max(-c, 0.0), intensity(t)] for t in texts for c in (lex.compound(t),)],
                dtype=np.float32,
            )
            X = hstack([X, csr_matrix(extra)], format="csr")
        return X

    def encoder(self) -> Any:
        if self._encoder is None:
            from agent.sentiment.embeddings import MiniLMEncoder

            self._encoder = MiniLMEncoder()
        return self._encoder

    # --- training and inference -----------------------------------------------------------------

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        sample_weight: Sequence[float] | None = None,
        embeddings: np.ndarray | None = None,
    ) -> TrainedSentiment:
        """Fit on labelled texts. ``embeddings`` (precomputed, row-aligned) skips the encoder."""
        texts = list(texts)
        y = np.array([str(lab).strip().lower() for lab in labels])
        unknown = sorted(set(y) - set(LABELS))
        if unknown:
            raise ValueError(f"labels must be among {LABELS}; got {unknown}")
        if len(set(y)) < 2:
            raise ValueError("need at least two distinct labels to train")
        started = time.perf_counter()
        sw = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        X = self._sparse(texts, fit=True)
        self._clf = LogisticRegression(C=self.C, max_iter=3000, class_weight=self.class_weight)
        self._clf.fit(X, y, sample_weight=sw)
        if self.uses_embeddings:
            E = embeddings if embeddings is not None else self.encoder().encode(texts)
            self._emb_clf = LogisticRegression(C=2.0, max_iter=3000, class_weight=self.class_weight)
            self._emb_clf.fit(E, y, sample_weight=sw)
        self.meta = {
            "n_train": len(texts),
            "label_counts": {lab: int((y == lab).sum()) for lab in LABELS},
            "fit_seconds": round(time.perf_counter() - started, 3),
            "fitted_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        return self

    def _aligned(self, clf: LogisticRegression, P: np.ndarray) -> np.ndarray:
        """Reorder a classifier's probability columns to LABELS (absent classes get 0)."""
        out = np.zeros((P.shape[0], len(LABELS)), dtype=np.float64)
        for j, c in enumerate(clf.classes_):
            out[:, LABELS.index(c)] = P[:, j]
        return out

    def predict_proba(self, texts: Sequence[str], embeddings: np.ndarray | None = None) -> np.ndarray:
        if self._clf is None:
            raise RuntimeError("model is not fitted")
        texts = list(texts)
        if not texts:
            return np.zeros((0, len(LABELS)))
        P = self._aligned(self._clf, self._clf.predict_proba(self._sparse(texts, fit=False)))
        if self.uses_embeddings and self._emb_clf is not None:
            E = embeddings if embeddings is not None else self.encoder().encode(texts)
            Pe = self._aligned(self._emb_clf, self._emb_clf.predict_proba(E))
            w = self.embedding_weight
            P = (1 - w) * P + w * Pe
        return P

    def predict(self, texts: Sequence[str], embeddings: np.ndarray | None = None) -> list[SentimentResult]:
        texts = list(texts)
        P = self.predict_proba(texts, embeddings=embeddings)
        return [
            make_result(p, t, model=self.name, margin=self.ambiguity_margin)
            for p, t in zip(P, texts, strict=True)
        ]

    # --- persistence ----------------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        if self._clf is None:
            raise RuntimeError("refusing to save an unfitted model")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "format": FORMAT_VERSION,
            "kind": "redaccount.sentiment.TrainedSentiment",
            "sklearn_version": sklearn.__version__,
            "params": {
                "features": self.features,
                "C": self.C,
                "class_weight": self.class_weight,
                "min_df": self.min_df,
                "embedding_weight": self.embedding_weight,
                "ambiguity_margin": self.ambiguity_margin,
            },
            "vectoriser": self._vec,
            "classifier": self._clf,
            "embedding_classifier": self._emb_clf,
            "meta": self.meta,
        }
        tmp = path.with_suffix(path.suffix + ".tmp")
        joblib.dump(payload, tmp, compress=3)
        tmp.replace(path)  # atomic: a reader never sees half a model
        return path

    @classmethod
    def load(cls, path: str | Path, *, encoder: Any = None) -> TrainedSentiment:
        payload = joblib.load(Path(path))
        if not isinstance(payload, dict) or payload.get("kind") != "redaccount.sentiment.TrainedSentiment":
            raise ValueError(f"{path} is not a redaccount sentiment model")
        if payload.get("format") != FORMAT_VERSION:
            raise ValueError(f"{path}: unsupported model format {payload.get('format')!r}; retrain it")
        model = cls(**payload["params"], encoder=encoder)
        model._vec = payload["vectoriser"]
        model._clf = payload["classifier"]
        model._emb_clf = payload["embedding_classifier"]
        model.meta = dict(payload.get("meta") or {}, sklearn_version=payload.get("sklearn_version"))
        return model
