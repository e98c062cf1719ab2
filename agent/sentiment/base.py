"""The sentiment port: result type, protocol, intensity and the ambiguity hook.

Every implementation returns one :class:`SentimentResult` per input text, in order. Scores are
probabilities over ``LABELS`` (they sum to 1). ``intensity`` is computed from the surface of the text
(capitals, exclamations, intensifiers, profanity), independently of the polarity model, so a trained
model and the shipped lexicon agree on it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol, runtime_checkable

Label = Literal["negative", "neutral", "positive"]
LABELS: tuple[Label, Label, Label] = ("negative", "neutral", "positive")
DEFAULT_AMBIGUITY_MARGIN = 0.15


@dataclass(frozen=True, slots=True)
class SentimentResult:
    label: Label
    scores: dict[str, float]
    intensity: float
    ambiguous: bool
    model: str = ""
    # The reader's version (see SentimentModel.version): stored with each reading so a new reader re-reads.
    version: str = ""
    # Set when something other than the model (e.g. an LLM for an ambiguous case) decided the label.
    resolved_by: str | None = field(default=None)

    @property
    def confidence(self) -> float:
        return self.scores[self.label]

    @property
    def margin(self) -> float:
        top = sorted(self.scores.values(), reverse=True)
        return top[0] - top[1]

    def to_dict(self) -> dict[str, object]:
        return {
            "label": self.label,
            "scores": dict(self.scores),
            "intensity": self.intensity,
            "ambiguous": self.ambiguous,
            "model": self.model,
            "version": self.version,
            "resolved_by": self.resolved_by,
        }


@runtime_checkable
class SentimentModel(Protocol):
    """Anything that labels a batch of texts. Implementations must be safe to call from one thread.

    ``version`` names exactly what reads: the same version gives the same labels for the same texts
    (e.g. ``lexicon-<hash of the word lists and thresholds>``, ``trained-<fingerprint>``).
    """

    name: str
    version: str

    def predict(self, texts: Sequence[str]) -> list[SentimentResult]: ...


def make_result(
    scores: Sequence[float], text: str, *, model: str, margin: float = DEFAULT_AMBIGUITY_MARGIN, version: str = ""
) -> SentimentResult:
    """Build a result from probabilities ordered as ``LABELS``."""
    s = {lab: float(p) for lab, p in zip(LABELS, scores, strict=True)}
    ordered = sorted(s.values(), reverse=True)
    label = max(LABELS, key=lambda lab: s[lab])
    return SentimentResult(
        label=label,
        scores=s,
        intensity=intensity(text),
        ambiguous=(ordered[0] - ordered[1]) < margin,
        model=model,
        version=version,
    )


# --- emotional intensity -------------------------------------------------------------------------

_INTENSIFIERS = frozenset(
    """absolutely completely totally utterly extremely incredibly seriously really very so such
    ridiculous ridiculously unacceptable outrageous outraged furious livid disgusted disgusting
    appalling appalled horrible horrendous terrible awful worst pathetic insane unbelievable
    never always immediately urgent urgently asap fed sick tired enough ever""".split()
)
# A short, deliberately mild list; the point is to notice swearing, not to moderate it.
_PROFANITY = frozenset(
    """damn damned dammit hell crap crappy shit shitty bullshit fuck fucking fucked wtf ffs
    bloody screw screwed sucks suck piss pissed ass bastard joke scam""".split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z']*")
_ELONGATED = re.compile(r"([A-Za-z])\1{2,}")


def intensity(text: str) -> float:
    """Emotional intensity in [0, 1]: 0 for calm text, approaching 1 for shouting.

    Additive evidence (capitalised words, '!' runs, '?!', intensifiers, profanity, elongated words)
    saturated through ``1 - exp(-x)``. Polarity-free: "THIS IS AMAZING!!!" is intense too.
    """
    if not text:
        return 0.0
    words = _WORD.findall(text)
    lowered = [_ELONGATED.sub(r"\1", w.lower()) for w in words]
    caps = [w for w in words if len(w) >= 2 and w.isupper() and w not in {"OK", "ID", "US", "UK", "EU", "IT"}]
    caps_ratio = len(caps) / max(len(words), 1)
    x = 0.0
    x += 1.2 * caps_ratio if len(caps) >= 2 else 0.15 * len(caps)
    bangs = text.count("!")
    x += 0.25 * min(bangs, 6)
    if "?!" in text or "!?" in text or "??" in text:
        x += 0.3
    x += 0.25 * min(sum(w in _INTENSIFIERS for w in lowered), 4)
    x += 0.45 * min(sum(w in _PROFANITY for w in lowered), 3)
    x += 0.2 * min(len(_ELONGATED.findall(text)), 3)
    return round(1.0 - math.exp(-x), 4)


# --- the ambiguity hook --------------------------------------------------------------------------

#: Gets the texts whose result was ambiguous; returns a label (or None to keep the model's) for each.
AmbiguityResolver = Callable[[list[str]], list[str | None]]


class WithResolver:
    """Wrap a model so that ambiguous results (and only those) are sent to ``resolver``: the cascade.

    The resolver is typically an LLM call; it is optional and its failures never lose a result:
    on any exception, or an answer that is not a known label, the model's own result stands.
    """

    def __init__(self, model: SentimentModel, resolver: AmbiguityResolver, *, resolver_name: str = "llm",
                 margin: float | None = None):
        self.model = model
        # None: the model's own `ambiguous` flag decides; a number: results with a smaller margin go out.
        self.margin = margin
        self.resolver = resolver
        self.resolver_name = resolver_name
        self.name = f"{model.name}+{resolver_name}"
        # The resolver changes labels, so it is part of what reads.
        self.version = f"{getattr(model, 'version', model.name)}+{resolver_name}"

    def predict(self, texts: Sequence[str]) -> list[SentimentResult]:
        results = [replace(r, version=self.version) for r in self.model.predict(texts)]
        idx = [i for i, r in enumerate(results)
               if (r.ambiguous if self.margin is None else r.margin < self.margin)]
        if not idx:
            return results
        try:
            answers = self.resolver([texts[i] for i in idx])
        except Exception:  # noqa: BLE001 - the resolver is best-effort by contract
            return results
        out = list(results)
        for i, answer in zip(idx, answers or [], strict=False):
            if answer in LABELS and answer is not None:
                out[i] = replace(results[i], label=answer, resolved_by=self.resolver_name, version=self.version)
        return out
