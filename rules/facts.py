"""Detection facts -> the rule set's fact vocabulary (rules/definitions/facts.yaml)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rules.scoring import Score

_CATEGORY_FACT = {"legal": "compliance_legal", "privacy_gdpr": "compliance_privacy", "privacy": "compliance_privacy",
                  "security": "compliance_security"}
_TIERS = ("strategic", "enterprise", "mid_market", "smb")
_STAGES = ("onboarding", "adoption", "mature", "renewal", "churned")


def rule_facts(f: Mapping[str, Any], scored: Score, prior_band: str = "none", red_cases: int | None = None) -> dict[str, Any]:
    """The one flat fact the rule engine evaluates for an account (scalars only, names from facts.yaml).

    `red_cases`: Red episodes on the account in the last 12 months before this one (the window counts
    them); without it, a previous Red assessment counts as one.
    """
    kinds = {s.kind for s in scored.signals}
    categories = [c for c in str(f.get("compliance_categories", "")).split(",") if c]
    facts: dict[str, Any] = {
        "risk_score": round(scored.score, 4),
        "risk_confidence": scored.confidence,
        "sentiment_latest": float(f.get("sentiment_latest", 0.0)),
        "negative_recent_messages": int(f.get("negative_count", 0)),
        "tone_drift": "tone_drift" in kinds,
        "escalation_language": int(f.get("escalation_hits", 0)) > 0,
        "emotional_intensity": float(f.get("max_intensity", 0.0)),
        # Churn threats or demands for a manager, said more than once while the tone is negative.
        "severe_dissatisfaction": int(f.get("escalation_hits", 0)) >= 2
        and (int(f.get("negative_count", 0)) >= 2 or "tone_drift" in kinds),
        "unresolved_tickets_recent": int(f.get("unresolved_recent", 0)),
        "open_high_priority_tickets": int(f.get("high_priority_open", 0)),
        "highest_open_priority": str(f.get("highest_open_priority", "none")),
        "sla_breached": int(f.get("sla_breaches", 0)) > 0,
        "sla_breach_imminent": int(f.get("sla_imminent", 0)) > 0,
        "reopened_tickets": int(f.get("reopened_tickets", 0)),
        "max_handoffs": int(f.get("max_handoffs", 0)),
        "engineering_owned": bool(f.get("engineering_owned", False)),
        "engineering_silence_hours": float(f.get("engineering_silence_hours", 0.0)),
        "contacts_7d": int(f.get("density_contacts", 0)),
        "repeat_contact_72h": int(f.get("repeat_contacts", 0)) > 0,
        "low_csat_then_ticket": int(f.get("low_csat_followups", 0)) > 0,
        "usage_drop_pct": round(100 * float(f.get("usage_drop_pct", 0.0)), 2),
        "stakeholder_silence_days": float(f.get("days_since_customer", 0.0)),
        "arr_tier": f.get("arr_tier") if f.get("arr_tier") in _TIERS else "smb",
        "arr": float(f.get("arr", 0.0)),
        "renewal_days": int(f.get("renewal_days", 9999)),
        "lifecycle_stage": f.get("lifecycle_stage") if f.get("lifecycle_stage") in _STAGES else "mature",
        "prior_red_cases": red_cases if red_cases is not None else int(prior_band == "red"),
        "compliance_hits": int(f.get("compliance_hits", 0)),
        "pricing_or_contract_topic": int(f.get("pricing_mentions", 0)) > 0,
        "resource_conflict": int(f.get("ownership_pingpong", 0)) > 0,
        "compliance_legal": False, "compliance_privacy": False, "compliance_security": False,
    }
    for category in categories:
        if category in _CATEGORY_FACT:
            facts[_CATEGORY_FACT[category]] = True
    return facts
