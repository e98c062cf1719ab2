"""Signal thresholds and weights: defaults in code, the fitted Red score of rules/fitted/ on top, overridable
from `Settings.thresholds_file` (YAML)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.settings import Settings

DEFAULT_ESCALATION_PHRASES = (
    "speak to your manager", "speak to a manager", "escalate this", "escalated to your leadership",
    "someone more senior", "open for weeks", "waiting for weeks", "been weeks", "reconsider whether to renew",
    "evaluating alternatives", "just checking in again", "following up again", "still waiting",
    "any update", "escalation call", "third time", "unacceptable", "cancel our contract",
    "not to renew", "not renew", "export all of our data", "notice period",
)

# Escalation intents recognised by meaning (MiniLM similarity, when a meaning model is injected). Written
# from the seeds' description of escalation language, not from any generated text.
DEFAULT_ESCALATION_PROTOTYPES = (
    "I want to talk to someone more senior about this problem.",
    "This issue has been open for a very long time without any progress.",
    "We keep asking for updates and nobody answers us.",
    "We are thinking about cancelling and moving to a competitor.",
    "This level of service is not acceptable and we are very disappointed.",
    "Please get management involved in this case immediately.",
    "We have reported the same problem many times and it is still not fixed.",
    "If this is not resolved we will not renew our contract.",
    "I am extremely frustrated with how this case is being handled.",
)

# Pricing and contract vocabulary (the AE's topic, seed 000): a customer message with one of these makes
# `pricing_or_contract_topic` true. Whole words; topic words, not escalation phrases.
DEFAULT_PRICING_TERMS = (
    "price", "prices", "pricing", "invoice", "invoices", "invoiced", "billing", "billed", "discount", "contract",
    "contracts", "renewal", "quote", "overage", "refund", "license fee", "licence fee", "payment terms",
    "seat count", "credit note",
)

# Points each signal adds at full strength (value 1.0). Tiers: what the seeds call decisive, strong, supporting.
DEFAULT_WEIGHTS: dict[str, float] = {
    "compliance_terms": 35.0,
    "escalation_language": 22.0,
    "sla_breach": 18.0,
    "engineering_silence": 20.0,
    "unresolved_priority_near_renewal": 18.0,
    "repeat_contact": 15.0,
    "low_csat_then_ticket": 16.0,
    "usage_drop": 18.0,
    "stakeholder_silence": 24.0,
    "tone_drift": 14.0,
    "sentiment_trend": 6.0,
    "negative_sentiment": 12.0,
    "emotional_intensity": 8.0,
    "reopened_tickets": 12.0,
    "handoffs": 10.0,
    "account_density": 14.0,
    "sla_imminent": 6.0,
    "slow_adoption": 8.0,
}

DEFAULT_TIERS: dict[str, str] = {
    "compliance_terms": "decisive", "escalation_language": "decisive", "engineering_silence": "decisive",
    "stakeholder_silence": "decisive",
    "sla_breach": "strong", "unresolved_priority_near_renewal": "strong", "repeat_contact": "strong",
    "low_csat_then_ticket": "strong", "usage_drop": "strong",
    "tone_drift": "strong", "account_density": "strong",
    "negative_sentiment": "supporting", "sentiment_trend": "supporting", "emotional_intensity": "supporting", "reopened_tickets": "supporting",
    "handoffs": "supporting", "sla_imminent": "supporting", "slow_adoption": "supporting",
}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WindowLimits(_Section):
    """Caps that keep per-account state bounded whatever the history length."""

    recent_messages: int = Field(default=24, ge=3, le=500)
    tracked_tickets: int = Field(default=120, ge=4, le=5000)
    new_tickets: int = Field(default=64, ge=4, le=5000)
    hits: int = Field(default=32, ge=1, le=1000)
    usage_weeks: int = Field(default=8, ge=2, le=104)
    assignees_per_ticket: int = Field(default=12, ge=2, le=100)
    sketch_size: int = Field(default=48, ge=8, le=512)
    recent_event_ids: int = Field(default=256, ge=0, le=100_000)


class Thresholds(_Section):
    """Every threshold of every signal. Hours and days are wall-clock durations."""

    limits: WindowLimits = WindowLimits()
    lookback_days: float = Field(default=30, gt=0, description="How far back text and SLA signals count.")
    open_ticket_memory_days: float = Field(
        default=120, gt=0, description="Older records still count while their ticket is open, up to this age.")
    negative_label: str = "negative"
    negative_share: float = Field(default=0.5, ge=0, le=1, description="Share of last N customer messages negative.")
    negative_min_messages: int = Field(default=2, ge=1)
    tone_window: int = Field(default=3, ge=2, le=50, description="N: tone drift across the last N customer messages.")
    tone_drift_drop: float = Field(default=0.5, gt=0, le=2, description="Polarity drop first->last of the last N.")
    # Strict on purpose: on the dev split a falling tone is more common on healthy accounts (a complaint,
    # then a resolved ticket, then another) than on at-risk ones (negative throughout), see docs/evaluation.md.
    # The fitted risk model reads the trend (times its confidence) as a feature and learns its weight.
    trend_min_messages: int = Field(default=4, ge=3, le=500, description="Messages before a tone trend counts.")
    trend_slope: float = Field(default=1.0, gt=0, le=4, description="Polarity fall per week that counts as a trend.")
    trend_confidence: float = Field(default=0.9, ge=0, le=1, description="Confidence a trend needs to be a signal.")
    intensity_high: float = Field(default=0.7, ge=0, le=1)
    escalation_phrases: tuple[str, ...] = DEFAULT_ESCALATION_PHRASES
    pricing_terms: tuple[str, ...] = DEFAULT_PRICING_TERMS
    escalation_prototypes: tuple[str, ...] = DEFAULT_ESCALATION_PROTOTYPES
    # 0.50: on the dev text pool about 1 % of neutral and 2.5 % of real complaint sentences reach it (docs/evaluation.md).
    escalation_meaning_min: float = Field(
        default=0.50, ge=0, le=1, description="Cosine similarity to a prototype that counts as escalation language.")
    sla_imminent_hours: float = Field(default=4, gt=0)
    reopen_lookback_days: float = Field(default=30, gt=0)
    unresolved_recent_days: float = Field(default=5, gt=0)
    handoffs_min: int = Field(default=2, ge=1, description="Assignee changes on one ticket.")
    engineering_silence_hours: float = Field(default=72, gt=0)
    density_days: float = Field(default=7, gt=0)
    density_contacts: int = Field(default=3, ge=2)
    repeat_hours: float = Field(default=72, gt=0)
    repeat_similarity: float = Field(default=0.15, gt=0, le=1, description="Jaccard of char shingles.")
    csat_low_max: int = Field(default=2, ge=1, le=5)
    csat_followup_days: float = Field(default=7, gt=0)
    usage_drop_pct: float = Field(default=0.4, gt=0, lt=1)
    adoption_floor: float = Field(default=0.3, ge=0, le=1)
    adoption_stages: tuple[str, ...] = ("onboarding", "adoption")
    high_priorities: tuple[str, ...] = ("p1", "p2")
    renewal_window_days: int = Field(default=90, ge=1)
    silence_days: float = Field(default=21, gt=0, description="No customer contact for this long is silence.")
    stakeholder_change_kinds: tuple[str, ...] = ("stakeholder_change",)
    silence_note_phrases: tuple[str, ...] = ("no reply", "no response", "declined", "did not attend",
                                             "attended the scheduled", "has left", "champion left")
    stakeholder_lookback_days: float = Field(default=90, gt=0)
    band_amber: float = Field(default=15, ge=0, le=100)
    band_red: float = Field(default=25, ge=0, le=100)
    weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    tiers: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_TIERS))
    arr_tier_multiplier: dict[str, float] = Field(
        default_factory=lambda: {"strategic": 1.2, "enterprise": 1.1, "mid_market": 1.0, "smb": 0.9})
    renewal_multiplier: float = Field(default=1.15, ge=1, le=3, description="Inside the renewal window.")

    def weight(self, kind: str) -> float:
        return self.weights.get(kind, 0.0)


class ThresholdsError(ValueError):
    """The thresholds file is unreadable or invalid."""


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_section(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ThresholdsError(f"cannot read thresholds file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ThresholdsError(f"{path}: expected a mapping at the top level")
    # One operator file may hold both sections: `signals:` (here) and `rules:` (the rule engine's thresholds).
    section = data["signals"] if "signals" in data else {k: v for k, v in data.items() if k != "rules"}
    if not isinstance(section, dict):
        raise ThresholdsError(f"{path}: expected a mapping under `signals`")
    return section


def _validated(data: dict[str, Any], path: Path) -> Thresholds:
    try:
        return Thresholds.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ThresholdsError(f"{path}: {problems}") from exc


def load_thresholds(path: Path | None = None, *, fitted: bool = True) -> Thresholds:
    """The code defaults, the shipped fitted file (rules/fitted/thresholds.yaml: the Red score fitted on the
    dev split) on top, then the operator's file (weights and tiers merge key by key).

    ``fitted=False`` leaves the shipped fitted layer out: the detector as it is before any fit (what
    `redaccount eval fit-defaults` replays the dev split with).
    """
    from rules.fitted import THRESHOLDS_FILE

    merged = Thresholds().model_dump()
    if fitted:
        merged = _merge(merged, _read_section(THRESHOLDS_FILE))
        _validated(merged, THRESHOLDS_FILE)
    if path is not None:
        merged = _merge(merged, _read_section(path))
    return _validated(merged, Path(path) if path is not None else THRESHOLDS_FILE)


def thresholds_from_settings(settings: Settings) -> Thresholds:
    """The operator's thresholds, with weights learnt from their closed cases applied (rules/weights.py)."""
    from rules.weights import apply_learnt

    return apply_learnt(load_thresholds(settings.thresholds_file), settings.data_dir)
