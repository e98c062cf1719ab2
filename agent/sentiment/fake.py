"""A deterministic sentiment model for unit tests: keyword rules, or fixed answers per text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from agent.sentiment.base import LABELS, SentimentResult, make_result

_NEG = (
    "angry",
    "broken",
    "unacceptable",
    "terrible",
    "worst",
    "cancel",
    "still waiting",
    "not working",
    "refund",
)
_POS = ("thanks", "thank you", "great", "love", "resolved", "perfect", "awesome")


class FakeSentiment:
    """Label by keyword (or by ``answers[text]``); records every batch it was asked about in ``calls``."""

    name = "fake"

    def __init__(self, answers: Mapping[str, str] | None = None, *, ambiguous: Sequence[str] = (),
                 version: str = "fake-1") -> None:
        self.answers = dict(answers or {})
        self.ambiguous = set(ambiguous)
        self.version = version
        self.calls: list[list[str]] = []

    def _label(self, text: str) -> str:
        if text in self.answers:
            return self.answers[text]
        low = text.lower()
        if any(w in low for w in _NEG):
            return "negative"
        if any(w in low for w in _POS):
            return "positive"
        return "neutral"

    def predict(self, texts: Sequence[str]) -> list[SentimentResult]:
        self.calls.append(list(texts))
        out = []
        for t in texts:
            label = self._label(t)
            if t in self.ambiguous:
                scores = [0.45 if lab == label else (0.4 if lab == "neutral" else 0.15) for lab in LABELS]
                if label == "neutral":
                    scores = [0.4, 0.45, 0.15]
            else:
                scores = [0.9 if lab == label else 0.05 for lab in LABELS]
            out.append(make_result(scores, t, model=self.name, version=self.version))
        return out
