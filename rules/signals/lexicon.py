"""A tiny licence-clean lexicon sentiment: the fallback when no model is injected (tests, benchmarks).

Production paths pass agent's reader (``agent.sentiment.load_sentiment_model``); this list only reads
when a caller builds a Detector without one, and its version says so on every reading.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rules.signals.ports import Reading

_WORD = re.compile(r"[a-z']+")
_LETTER = re.compile(r"[^\W\d_]")
_UPPER = re.compile(r"[A-Z]")
_NEGATIVE = frozenset(
    "bad broken blocked frustrated frustrating angry annoyed unacceptable terrible awful worse worst fail failed "
    "failing fails failure problem problems issue issues still again waiting wait weeks nobody nothing never "
    "disappointed disappointing useless slow outage down error errors stuck lost losing urgent escalate escalated "
    "manager complaint ridiculous poor cancel churn lawsuit breach missed unfortunately".split())
_POSITIVE = frozenset(
    "thanks thank great awesome amazing love perfect excellent helpful quick quickly appreciate appreciated "
    "resolved fixed works working good nice brilliant fantastic happy glad wonderful smooth clear".split())
_INTENSIFIERS = frozenset("very really extremely completely totally absolutely seriously so".split())


class LexiconSentiment:
    """Word counts, caps and exclamation marks; far weaker than a learned model, but fast and offline."""

    version = "rules-wordlist-v1"

    def predict(self, texts: Sequence[str]) -> list[Reading]:
        return [self._one(text) for text in texts]

    @staticmethod
    def _one(text: str) -> Reading:
        words = _WORD.findall(text.lower())
        neg = sum(1 for w in words if w in _NEGATIVE)
        pos = sum(1 for w in words if w in _POSITIVE)
        total = neg + pos
        polarity = 0.0 if total == 0 else (pos - neg) / (total + 1)
        label = "neutral" if abs(polarity) < 0.2 else ("positive" if polarity > 0 else "negative")
        letters = len(_LETTER.findall(text))
        caps = len(_UPPER.findall(text)) / letters if letters else 0.0
        boost = sum(1 for w in words if w in _INTENSIFIERS)
        intensity = min(1.0, abs(polarity) * 0.5 + caps + 0.1 * text.count("!") + 0.1 * boost)
        return Reading(label=label, polarity=polarity, intensity=intensity, ambiguous=0 < total and abs(polarity) < 0.2,
                       version=LexiconSentiment.version)
