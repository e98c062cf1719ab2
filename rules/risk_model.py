"""A fitted risk probability over the detector's signals and facts (logistic regression, weights in YAML).

The points score (rules/scoring.py) stays the explainable sum of signals; this model turns the same
window into a calibrated probability that the account escalates, with weights fitted on a dev split
(`evals/risk_fit.py`). The shipped default, rules/fitted/risk_model.yaml, is such a fit on the generated
dev split and the ServiceNow dev split (`redaccount eval fit-defaults`); an operator's file replaces it. Each feature's contribution to
the log-odds is kept, so a review item raised by the model says which facts drove it. The rules keep the final say: the model can only
raise a low-confidence review item, never open a case or lower a band.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rules.signals.base import SIGNAL_RULE_IDS

PRIORITIES = ("p1", "p2", "p4")

# Ticket facts that also get a term for a ticket-only window (no live customer message): an account whose
# only record is ticket updates. Real incident logs (ServiceNow) weigh these the other way from accounts
# with a conversation (there an escalation follows activity, not a stale ticket), so the shipped fit
# (`redaccount eval fit-defaults`) gives them their own weight in that case.
TICKET_ONLY_TERMS = ("log_hours_since_ticket_update", "log_oldest_open_days", "log_max_ticket_updates",
                     "solved_recent", "new_open", "reopened", "sig_handoffs", "log_max_handoffs", "open_p1",
                     "open_p2", "open_p4", "sla_breached", "sig_sla_breach", "pending")


def _log(x: Any) -> float:
    return math.log1p(max(0.0, float(x or 0.0)))


def risk_features(facts: Mapping[str, Any], signals: Sequence[Any]) -> dict[str, float]:
    """Named numeric features of one account at one time (signal strengths, activity and state facts)."""
    values = {s.kind: float(s.value) for s in signals}
    out = {f"sig_{kind}": values.get(kind, 0.0) for kind in SIGNAL_RULE_IDS}
    since = float(facts.get("hours_since_ticket_update", -1.0))
    age_h = 24 * float(facts.get("history_days", 0.0))
    out.update({
        "log_events": _log(facts.get("events_seen")),
        "log_age_hours": _log(age_h),
        "log_hours_since_ticket_update": _log(since if since >= 0 else age_h),
        "log_max_ticket_updates": _log(facts.get("max_ticket_updates")),
        "log_max_handoffs": _log(facts.get("max_handoffs")),
        "sla_breached": float(int(facts.get("sla_breaches", 0) or 0) > 0),
        "reopened": float(int(facts.get("reopened_tickets", 0) or 0) > 0),
        "solved_recent": float(int(facts.get("solved_tickets_recent", 0) or 0) > 0),
        "new_open": float(int(facts.get("new_tickets_open", 0) or 0) > 0),
        "pending": float(int(facts.get("pending_tickets", 0) or 0) > 0),
        "log_negative_messages": _log(facts.get("negative_count")),
        "log_escalation_hits": _log(facts.get("escalation_hits")),
        # The account-level tone trend, signed and weighted by how sure the fit is (falls are negative).
        "sentiment_trend": max(-2.0, min(2.0, float(facts.get("sentiment_trend", 0.0) or 0.0)))
        * float(facts.get("sentiment_trend_confidence", 0.0) or 0.0),
        "negative_share": float(facts.get("negative_share", 0.0) or 0.0),
        # Open work as the customer sees it: how old, whether its SLA was missed, whether they are waiting.
        "log_oldest_open_days": _log(facts.get("oldest_open_days")),
        "log_customer_waiting_hours": _log(facts.get("customer_waiting_hours")),
        "log_unanswered_customer_messages": _log(facts.get("unanswered_customer_messages")),
        "open_breached": float(int(facts.get("open_tickets_breached", 0) or 0) > 0),
        "sentiment_latest": float(facts.get("sentiment_latest", 0.0) or 0.0),
    })
    for p in PRIORITIES:
        out[f"open_{p}"] = float(facts.get("highest_open_priority") == p)
    ticket_only = float(int(facts.get("customer_messages", 0) or 0) == 0)
    out["ticket_only"] = ticket_only
    for name in TICKET_ONLY_TERMS:
        out[f"{name}_ticket_only"] = out[name] * ticket_only
    return out


class Term(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    mean: float = 0.0
    scale: float = Field(default=1.0, gt=0)
    weight: float


class RiskModelSpec(BaseModel):
    """The YAML file: standardisation and weight per feature, intercept, the review threshold."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str = Field(min_length=1)
    fitted_on: str = ""
    intercept: float
    review_threshold: float = Field(ge=0, le=1, description="Probability at or above which a review item opens.")
    terms: dict[str, Term]


class RiskModelError(ValueError):
    """The risk model file is unreadable or invalid."""


@dataclass(frozen=True)
class RiskEstimate:
    probability: float
    contributions: dict[str, float]  # feature -> log-odds contribution

    def top(self, n: int = 3) -> list[tuple[str, float]]:
        return sorted(((k, v) for k, v in self.contributions.items() if v > 0), key=lambda kv: -kv[1])[:n]


class RiskModel:
    """Logistic regression evaluated in plain Python (no fitting library at run time)."""

    def __init__(self, spec: RiskModelSpec) -> None:
        self.spec = spec

    @property
    def review_threshold(self) -> float:
        return self.spec.review_threshold

    def estimate(self, features: Mapping[str, float]) -> RiskEstimate:
        contributions = {name: round(t.weight * (float(features.get(name, 0.0)) - t.mean) / t.scale, 4)
                         for name, t in self.spec.terms.items()}
        z = self.spec.intercept + sum(contributions.values())
        z = max(-50.0, min(50.0, z))
        return RiskEstimate(round(1 / (1 + math.exp(-z)), 4), contributions)


def load_risk_model(path: Path | str | None) -> RiskModel | None:
    """The model of a YAML file, or None when no file is configured."""
    if path is None:
        return None
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        return RiskModel(RiskModelSpec.model_validate(data))
    except (OSError, yaml.YAMLError) as exc:
        raise RiskModelError(f"cannot read risk model {path}: {exc}") from exc
    except ValidationError as exc:
        raise RiskModelError(f"{path}: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}") from exc


# `REDACCOUNT_RISK_MODEL_FILE` values that switch the model off (the points score and the rules alone).
OFF = ("none", "off")


def risk_model_for(setting: Path | str | None) -> RiskModel | None:
    """The model the product runs: the operator's file, none when the setting says `none`, else the shipped
    default fitted on the generated and ServiceNow dev splits (rules/fitted/risk_model.yaml)."""
    from rules.fitted import RISK_MODEL_FILE

    if setting is None:
        return load_risk_model(RISK_MODEL_FILE)
    if str(setting).strip().lower() in OFF:
        return None
    return load_risk_model(setting)


def dump_spec(spec: RiskModelSpec, header: str = "") -> str:
    body = yaml.safe_dump(spec.model_dump(), sort_keys=False)
    return "".join(f"# {line}\n" for line in header.splitlines()) + body
