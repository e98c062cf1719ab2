"""Sentiment for every customer message: one reader, versioned, the same for every path.

- :class:`LexiconSentiment`: the shipped, licence-clean default (VADER + a hand-written support lexicon).
- :class:`TrainedSentiment`: a reader fitted on the operator's own labelled messages
  (``redaccount train sentiment``), saved with a manifest in ``<data_dir>/sentiment/``.
- :class:`WithResolver`: the cascade's last stage: only the least confident messages go to a model.
- :class:`FakeSentiment`: for tests.

:func:`load_sentiment_model` returns the reader in force; every path (serve, score, workers, eval)
calls it, and every reading carries the reader's ``version``.
"""

from __future__ import annotations

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
from agent.sentiment.registry import ReaderError, active_version, load_saved
from agent.sentiment.trained import TrainedSentiment

if TYPE_CHECKING:
    from agent.llm import ModelPort
    from core.settings import Settings

__all__ = [
    "DEFAULT_AMBIGUITY_MARGIN",
    "LABELS",
    "AmbiguityResolver",
    "FakeSentiment",
    "LexiconSentiment",
    "ReaderError",
    "SentimentModel",
    "SentimentResult",
    "TrainedSentiment",
    "WithResolver",
    "intensity",
    "load_sentiment_model",
    "make_result",
]


def load_sentiment_model(settings: Settings, *, resolver: AmbiguityResolver | None = None,
                         model: ModelPort | None = None) -> SentimentModel:
    """The active reader: the operator's saved one if activated, else the shipped lexicon.

    With ``model`` (the configured LLM port) and ``settings.sentiment_model_margin > 0``, messages whose
    margin is below it are also read by the model (the cascade). A saved reader that cannot be loaded
    raises :class:`ReaderError`: silently reading with another reader would relabel every message.
    """
    version = active_version(settings)
    reader: SentimentModel = load_saved(settings, version) if version else LexiconSentiment()
    if resolver is None and model is not None and settings.sentiment_model_margin > 0:
        from agent.sentiment.llm_stage import ModelResolver

        return WithResolver(reader, ModelResolver(model), margin=settings.sentiment_model_margin)
    return WithResolver(reader, resolver) if resolver is not None else reader
