"""Features of the cheap stage: word and character n-grams, and the lexicon's reading as a few numbers.

Every message goes through this stage, so it must stay far above 1,000 messages per CPU-second:
sparse TF-IDF and VADER (pure Python, ~0.15 ms per message) are; a transformer is not (the MiniLM
stage in :mod:`agent.sentiment.trained` only sees the least confident share).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from agent.sentiment.base import intensity

_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"(?<!\w)@\w+")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b")
_NUMBER = re.compile(r"\d+")
_ELONGATED = re.compile(r"(\w)\1{2,}")
# Words with apostrophes, runs of ! and ?, ASCII emoticons, and any other single symbol (emoji included).
TOKENS = r"(?u)\b\w[\w']*\b|[!?]+|[:;]-?[()DPp/]|[^\w\s]"


def normalise(text: str) -> str:
    """Mask what should not be learnt as sentiment (urls, e-mail, @handles, exact numbers); squash 'soooo'."""
    text = _EMAIL.sub(" email ", text)
    text = _URL.sub(" url ", text)
    text = _MENTION.sub(" @user ", text)
    text = _ELONGATED.sub(r"\1\1", text)
    return _NUMBER.sub("0", text)


def vectoriser(*, word_ngrams: tuple[int, int], char_ngrams: tuple[int, int], min_df: int) -> FeatureUnion:
    """TF-IDF over word n-grams (punctuation and emoji kept as tokens) and character n-grams within words."""
    return FeatureUnion([
        ("word", TfidfVectorizer(ngram_range=word_ngrams, sublinear_tf=True, min_df=min_df, token_pattern=TOKENS,
                                 dtype=np.float32)),
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=char_ngrams, sublinear_tf=True, min_df=min_df,
                                 dtype=np.float32)),
    ])


def lexicon_features(lexicon: Any, texts: Sequence[str]) -> np.ndarray:
    """The shipped lexicon's compound score split by sign, its three-class scores, and the intensity."""
    rows = []
    for text in texts:
        c = lexicon.compound(text)
        neg, neu, pos = lexicon.scores(c)
        rows.append([c, max(c, 0.0), max(-c, 0.0), neg, neu, pos, intensity(text)])
    return np.asarray(rows, dtype=np.float32)


def stack(sparse: Any, dense: np.ndarray | None, scale: float) -> Any:
    """Append dense columns (scaled to weigh against unit-norm TF-IDF rows) to a sparse matrix."""
    if dense is None:
        return sparse
    return hstack([sparse, csr_matrix(dense * scale)], format="csr")
