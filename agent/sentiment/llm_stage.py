"""The cascade's last stage: the configured model labels only the messages the reader was least sure of.

One structured call per message (``{"label": ...}``), PII redacted first, the text quoted as data. A
failed call keeps the reader's own label for that message (see :class:`agent.sentiment.base.WithResolver`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from agent.llm import ModelError, ModelPort, Prompt
from agent.pii import redact
from agent.prompts import SENTIMENT_SYSTEM, SENTIMENT_TEMPLATE

MAX_CHARS = 2_000


def _quoted(text: str) -> str:
    """Redacted, flattened, and escaped so the text cannot close its own tag and pose as instructions."""
    flat = " ".join(redact(text[:MAX_CHARS])[0].split())
    return flat.replace("<", "&lt;").replace(">", "&gt;")


class SentimentAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: Literal["negative", "neutral", "positive"]


class ModelResolver:
    """An :data:`AmbiguityResolver` over a :class:`ModelPort`; counts its calls and failures."""

    def __init__(self, model: ModelPort) -> None:
        self.model = model
        self.calls = 0
        self.failures = 0

    def __call__(self, texts: list[str]) -> list[str | None]:
        out: list[str | None] = []
        for text in texts:
            self.calls += 1
            prompt = Prompt(name="sentiment", system=SENTIMENT_SYSTEM, max_tokens=12,
                            user=SENTIMENT_TEMPLATE.format(text=_quoted(text)))
            try:
                out.append(self.model.generate(prompt, SentimentAnswer).label)
            except ModelError:
                self.failures += 1
                out.append(None)
        return out
