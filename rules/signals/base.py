"""Shared pieces of the signal families: the signal builder and the feature/signal result."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.models import CauseStatus, Evidence, RiskSignal
from rules.signals.window import AccountWindow, ts
from rules.thresholds import Thresholds

Facts = dict[str, str | float | int | bool]

# Stable ids of the signals (the rule that produced them), one per kind.
SIGNAL_RULE_IDS: dict[str, str] = {
    "negative_sentiment": "SIG-TXT-NEGATIVE",
    "tone_drift": "SIG-TXT-DRIFT",
    "sentiment_trend": "SIG-TXT-TREND",
    "escalation_language": "SIG-TXT-ESCALATION",
    "emotional_intensity": "SIG-TXT-INTENSITY",
    "compliance_terms": "SIG-TXT-COMPLIANCE",
    "sla_breach": "SIG-OPS-SLA-BREACH",
    "sla_imminent": "SIG-OPS-SLA-IMMINENT",
    "reopened_tickets": "SIG-OPS-REOPEN",
    "handoffs": "SIG-OPS-HANDOFF",
    "engineering_silence": "SIG-OPS-ENG-SILENCE",
    "account_density": "SIG-OPS-DENSITY",
    "repeat_contact": "SIG-OPS-REPEAT",
    "low_csat_then_ticket": "SIG-OPS-CSAT-REPEAT",
    "usage_drop": "SIG-ACC-USAGE-DROP",
    "slow_adoption": "SIG-ACC-ADOPTION",
    "unresolved_priority_near_renewal": "SIG-ACC-PRIORITY-RENEWAL",
    "stakeholder_silence": "SIG-ACC-SILENCE",
}

FAMILY_OF: dict[str, str] = {
    **{k: "text" for k in ("negative_sentiment", "tone_drift", "sentiment_trend", "escalation_language",
                           "emotional_intensity", "compliance_terms")},
    **{k: "service" for k in ("sla_breach", "sla_imminent", "reopened_tickets", "handoffs", "engineering_silence",
                              "account_density", "repeat_contact", "low_csat_then_ticket")},
    **{k: "account" for k in ("usage_drop", "slow_adoption", "unresolved_priority_near_renewal",
                              "stakeholder_silence")},
}


@dataclass
class FamilyResult:
    facts: Facts = field(default_factory=dict)
    signals: list[RiskSignal] = field(default_factory=list)


def evidence(record_type: str, record_id: str, at: float, quote: str = "",
             span: tuple[int, int] | None = None) -> Evidence:
    return Evidence(record_type=record_type, record_id=record_id, quote=quote[:2000], span=span, at=ts(at))


def signal(kind: str, value: float, th: Thresholds, confidence: float, detail: str, proof: list[Evidence],
           cause: CauseStatus = CauseStatus.suspected) -> RiskSignal:
    """A signal at its base weight (scoring applies the context multiplier)."""
    return RiskSignal(kind=kind, value=round(max(0.0, min(1.0, value)), 4), weight=th.weight(kind),
                      confidence=round(max(0.0, min(1.0, confidence)), 4), rule_id=SIGNAL_RULE_IDS[kind],
                      cause=cause, detail=detail, evidence=proof[:8])


def renewal_days(window: AccountWindow, now: float) -> int | None:
    """Days until the renewal date (negative once passed), or None when unknown."""
    if not window.account or not window.account.get("renewal_date"):
        return None
    from datetime import date

    renewal = date.fromisoformat(window.account["renewal_date"])
    return (renewal - ts(now).date()).days
