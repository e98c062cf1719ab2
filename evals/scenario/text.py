"""Message text: template fragments with slots, tone sentences from a pluggable source, no repeats."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from typing import Literal, Protocol, runtime_checkable

from evals.scenario import phrases

Sentiment = Literal["negative", "neutral", "positive"]
SENTIMENTS: tuple[Sentiment, ...] = ("negative", "neutral", "positive")


@runtime_checkable
class TextSource(Protocol):
    """Supplies customer sentences by sentiment label (e.g. drawn from a real public data set)."""

    def sentence(self, sentiment: Sentiment, rng: random.Random) -> str: ...


class TemplateTextSource:
    """The default: hand-written B2B tone sentences."""

    def sentence(self, sentiment: Sentiment, rng: random.Random) -> str:
        return rng.choice(phrases.TONE[sentiment])


# Real-text families beyond tone (evals/public_data.py fills them from public corpora): a customer's
# complaint about poor service ("frustration") and a question about leaving ("churn").
KINDS = ("frustration", "churn")


class ListTextSource:
    """Draws from labelled sentences supplied by the caller; falls back to templates for an empty label."""

    def __init__(self, by_label: Mapping[str, Sequence[str]], kinds: Mapping[str, Sequence[str]] | None = None) -> None:
        unknown = set(by_label) - set(SENTIMENTS)
        if unknown:
            raise ValueError(f"unknown sentiment labels {sorted(unknown)}; expected {SENTIMENTS}")
        unknown = set(kinds or {}) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown text kinds {sorted(unknown)}; expected {KINDS}")
        self._by_label = {k: [s.strip() for s in v if s and s.strip()] for k, v in by_label.items()}
        self._kinds = {k: [s.strip() for s in v if s and s.strip()] for k, v in (kinds or {}).items()}
        self._fallback = TemplateTextSource()

    def sentence(self, sentiment: Sentiment, rng: random.Random) -> str:
        pool = self._by_label.get(sentiment) or []
        return rng.choice(pool) if pool else self._fallback.sentence(sentiment, rng)

    def real(self, kind: str, rng: random.Random) -> str | None:
        """A real sentence of that kind, or None when the source has none."""
        pool = self._kinds.get(kind) or []
        return rng.choice(pool) if pool else None


class _Slots(dict[str, str]):
    def __missing__(self, key: str) -> str:
        raise KeyError(f"template slot {{{key}}} has no value")


def fill(template: str, ctx: Mapping[str, str]) -> str:
    """Fill `{slot}` placeholders; a missing slot is a bug, so it raises."""
    return template.format_map(_Slots(ctx))


def _cap(fragment: str) -> str:
    return fragment[:1].upper() + fragment[1:]


class TextMaker:
    """Builds whole messages from fragments; retries a few times rather than repeat an earlier text."""

    def __init__(self, rng: random.Random, source: TextSource | None = None, seen: set[str] | None = None) -> None:
        self.rng = rng
        self.source: TextSource = source or TemplateTextSource()
        self._seen: set[str] = seen if seen is not None else set()

    def pick(self, pool: Sequence[str | None], ctx: Mapping[str, str]) -> str:
        choice = self.rng.choice(pool)
        return fill(choice, ctx) if choice else ""

    def tone(self, sentiment: Sentiment) -> str:
        return self.source.sentence(sentiment, self.rng)

    def family(self, kind: str, templates: Sequence[str], ctx: Mapping[str, str], real_share: float = 0.6) -> str:
        """A real sentence of `kind` (when the source has them, with probability `real_share`), else a template."""
        real = getattr(self.source, "real", None)
        if real is not None and self.rng.random() < real_share:
            sentence = real(kind, self.rng)
            if sentence:
                return str(sentence)
        return self.pick(templates, ctx)

    def unique(self, make: Callable[[], str]) -> str:
        text = make()
        for _ in range(8):
            if text not in self._seen:
                break
            text = make()
        self._seen.add(text)
        return text

    def customer(self, ctx: Mapping[str, str], body: Sequence[str], tone: Sentiment | None = None,
                 chat: bool = False, tone_first: bool = False) -> str:
        """A customer message: greeting, body fragments, an optional tone sentence, sign-off."""

        def make() -> str:
            parts = [_cap(p) for p in body if p]
            if tone:
                sentence = self.tone(tone)
                parts = [sentence, *parts] if tone_first else [*parts, sentence]
            if chat:
                opener, closer = self.pick(phrases.CHAT_OPENERS, ctx), self.pick(phrases.CHAT_CLOSERS, ctx)
                return " ".join(p for p in (opener, *parts, closer) if p)
            greeting = self.pick(phrases.GREETINGS, ctx)
            signoff = self.pick(phrases.SIGNOFFS, ctx)
            return f"{greeting}\n\n{' '.join(parts)}\n\n{signoff}"

        return self.unique(make)

    def agent(self, ctx: Mapping[str, str], body: Sequence[str], chat: bool = False) -> str:
        """An agent reply: greeting, body fragments, sign-off."""

        def make() -> str:
            parts = " ".join(_cap(p) for p in body if p)
            if chat:
                opener, closer = self.pick(phrases.AGENT_CHAT_OPENERS, ctx), self.pick(phrases.AGENT_CHAT_CLOSERS, ctx)
                return " ".join(p for p in (opener, parts, closer) if p)
            return f"{self.pick(phrases.AGENT_GREETINGS, ctx)}\n\n{parts}\n\n{self.pick(phrases.AGENT_SIGNOFFS, ctx)}"

        return self.unique(make)

    def plain(self, ctx: Mapping[str, str], body: Sequence[str], tails: Sequence[str] = ()) -> str:
        """Internal notes, CSM notes and CSAT comments: no greeting; `tails` vary the ending."""

        def make() -> str:
            tail = self.pick(tails, ctx) if tails else ""
            return " ".join(_cap(p) for p in (*body, tail) if p)

        return self.unique(make)
