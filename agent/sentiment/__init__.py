"""Sentiment for every customer message: fast, offline, licence-clean by default.

- :class:`LexiconSentiment`: the shipped default (VADER + a hand-written support lexicon). No data.
- :class:`TrainedSentiment`: TF-IDF + logistic regression fitted on the operator's own labelled
  messages; saved to ``settings.models_dir / "sentiment.joblib"`` and picked up automatically.
- :class:`FakeSentiment`: for tests.
- :class:`WithResolver`: sends only ambiguous results to an optional resolver (e.g. the LLM).

Use :func:`load_sentiment_model` to get the model in force.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from agent.sentiment.base import (
    DEFAULT_AMBIGUITY_MARGIN,
    LABELS,
    AmbiguityResolver,
    SentimentModel,
    SentimentResult,
    WithResolver,
    intensity,
    make_result,
)
from agent.sentiment.fake import FakeSentiment
from agent.sentiment.lexicon import LexiconSentiment
from agent.sentiment.trained import TrainedSentiment

if TYPE_CHECKING:
    from core.settings import Settings

__all__ = [
    "DEFAULT_AMBIGUITY_MARGIN",
    "LABELS",
    "AmbiguityResolver",
    "FakeSentiment",
    "LexiconSentiment",
    "SentimentModel",
    "SentimentResult",
    "TrainedSentiment",
    "WithResolver",
    "intensity",
    "load_sentiment_model",
    "make_result",
    "model_path",
    "train_and_save",
]

MODEL_FILENAME = "sentiment.joblib"
log = logging.getLogger(__name__)


def model_path(settings: Settings) -> Path:
    """Where a trained sentiment model lives: ``<data_dir>/models/sentiment.joblib``."""
    return settings.models_dir / MODEL_FILENAME


def load_sentiment_model(settings: Settings, *, resolver: AmbiguityResolver | None = None) -> SentimentModel:
    """The trained model if the operator has one (and it loads), else the shipped lexicon default.

    A model file that cannot be loaded is logged and ignored: sentiment must keep running on every
    message, so a broken file degrades to the default rather than stopping ingestion.
    """
    model: SentimentModel
    path = model_path(settings)
    if path.is_file():
        try:
            model = TrainedSentiment.load(path)
        except Exception:  # noqa: BLE001 - degrade, never stop
            log.exception("could not load sentiment model %s; using the shipped lexicon default", path)
            model = LexiconSentiment()
    else:
        model = LexiconSentiment()
    return WithResolver(model, resolver) if resolver is not None else model


def train_and_save(
    settings: Settings, texts: list[str], labels: list[str], *, features: str = "tfidf"
) -> tuple[TrainedSentiment, Path]:
    """Fit a :class:`TrainedSentiment` on the operator's labelled messages and save it where it is loaded from."""
    model = TrainedSentiment(features=features).fit(texts, labels)
    return model, model.save(model_path(settings))
