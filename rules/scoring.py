"""Tiered, weighted, explainable scoring: the score is exactly the sum of its signals' contributions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.models import Band, CauseStatus, RiskSignal
from rules.signals.base import FAMILY_OF
from rules.thresholds import Thresholds

# Corroboration: a score resting on one family of evidence is less certain than one seen from several angles.
CORROBORATION = {0: 1.0, 1: 0.8, 2: 0.92}
NO_SIGNAL_CONFIDENCE = 0.9


@dataclass(frozen=True)
class Score:
    signals: list[RiskSignal]
    score: float
    band: Band
    confidence: float
    multiplier: float
    families: tuple[str, ...]


def context_multiplier(context: Mapping[str, object], th: Thresholds) -> float:
    """ARR tier and renewal window scale every weight: the same trouble matters more on a big account near renewal."""
    mult = th.arr_tier_multiplier.get(str(context.get("arr_tier", "")), 1.0)
    if context.get("in_renewal_window"):
        mult *= th.renewal_multiplier
    return round(mult, 4)


def band_for(score: float, th: Thresholds) -> Band:
    if score >= th.band_red:
        return Band.red
    if score >= th.band_amber:
        return Band.amber
    return Band.green


def confidence_of(signals: Sequence[RiskSignal], coverage: float = 1.0) -> float:
    """Contribution-weighted confidence of the signals, discounted when only one family of evidence speaks."""
    if not signals:
        return round(NO_SIGNAL_CONFIDENCE * coverage, 4)
    total = sum(s.contribution for s in signals)
    if total <= 0:
        return round(NO_SIGNAL_CONFIDENCE * coverage, 4)
    mean = sum(s.contribution * s.confidence for s in signals) / total
    families = {FAMILY_OF.get(s.kind, s.kind) for s in signals}
    factor = CORROBORATION.get(len(families), 1.0)
    if any(s.cause == CauseStatus.confirmed and s.confidence >= 0.9 and s.value >= 0.8 for s in signals):
        factor = max(factor, 0.95)  # a confirmed, decisive record (an SLA breach, a GDPR request) stands alone
    return round(max(0.0, min(1.0, mean * factor)), 4)


def score_signals(signals: Sequence[RiskSignal], context: Mapping[str, object], th: Thresholds,
                  coverage: float = 1.0) -> Score:
    """Weight the signals for the account's context and add them up (capped at 100)."""
    mult = context_multiplier(context, th)
    weighted = []
    for s in sorted(signals, key=lambda s: -s.contribution):
        tier = th.tiers.get(s.kind, "supporting")
        note = f"[{tier}; {s.value:.2f} x {s.weight:g} pts x{mult:g} context]"
        weighted.append(s.model_copy(update={"weight": round(s.weight * mult, 4), "detail": f"{s.detail} {note}"}))
    weighted = [s for s in weighted if s.contribution > 0]
    total = min(100.0, sum(s.contribution for s in weighted))
    band = band_for(total, th)
    decisive = any(th.tiers.get(s.kind) == "decisive" and s.value >= 0.8 for s in weighted)
    if decisive and band == Band.green:
        band = Band.amber  # one decisive signal never leaves an account green
    families = tuple(sorted({FAMILY_OF.get(s.kind, s.kind) for s in weighted}))
    return Score(signals=weighted, score=total, band=band, confidence=confidence_of(weighted, coverage),
                 multiplier=mult, families=families)
