"""What detection needs from outside rules/: a sentiment model and a compliance matcher (injected)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class SentimentPort(Protocol):
    """Any fast sentiment model: agent's SentimentModel fits (label, scores, intensity, ambiguous)."""

    def predict(self, texts: Sequence[str]) -> Sequence[Any]: ...


@runtime_checkable
class CompliancePort(Protocol):
    """The rules engine's compliance matcher: hits with rule_id, category, term and span."""

    def match_text(self, text: str) -> Sequence[Any]: ...


@runtime_checkable
class MeaningPort(Protocol):
    """Escalation language by meaning: per text, (similarity to the nearest prototype, that prototype)."""

    def similar(self, texts: Sequence[str]) -> Sequence[tuple[float, str]]: ...


@runtime_checkable
class ComplianceReviewPort(Protocol):
    """Compliance concerns by meaning: per text, None or a proposal with `confidence`, `quote`, `start`, `end`.

    A proposal only asks a person to review (knowledge/compliance_meaning.py); it is never a compliance hit.
    """

    def propose(self, texts: Sequence[str]) -> Sequence[Any]: ...


@dataclass(frozen=True, slots=True)
class Reading:
    """One message's sentiment as detection uses it: polarity in [-1, 1]."""

    label: str
    polarity: float
    intensity: float
    ambiguous: bool
    version: str = ""  # the reader's version: a window read by another version is re-read


@dataclass(frozen=True, slots=True)
class ComplianceMatch:
    rule_id: str
    category: str
    term: str
    span: tuple[int, int] | None


def to_reading(result: Any) -> Reading:
    """Adapt a model result (object or mapping) to a Reading."""
    get = result.get if isinstance(result, Mapping) else lambda k, d=None: getattr(result, k, d)
    scores = get("scores") or {}
    label = str(get("label", "neutral"))
    if scores:
        polarity = float(scores.get("positive", 0.0)) - float(scores.get("negative", 0.0))
    else:
        polarity = {"positive": 1.0, "negative": -1.0}.get(label, 0.0)
    return Reading(label=label, polarity=max(-1.0, min(1.0, polarity)),
                   intensity=float(get("intensity", 0.0) or 0.0), ambiguous=bool(get("ambiguous", False)),
                   version=str(get("version", "") or ""))


def to_match(hit: Any) -> ComplianceMatch:
    """Adapt a compliance hit (object or mapping) from the rules engine."""
    get = hit.get if isinstance(hit, Mapping) else lambda k, d=None: getattr(hit, k, d)
    span = get("span")
    return ComplianceMatch(rule_id=str(get("rule_id", "CMP")), category=str(get("category", "compliance")),
                           term=str(get("term", None) or get("matched", None) or get("keyword", "")),
                           span=tuple(span) if span else None)  # type: ignore[arg-type]


class NoCompliance:
    """Matcher used when no rules engine is given: matches nothing."""

    def match_text(self, text: str) -> list[Any]:
        return []
