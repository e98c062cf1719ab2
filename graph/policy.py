"""The deterministic decisions a case needs (tier, swarm roles, SLA, exit criteria), as a port.

The rules package decides; the model never does. `RulesPolicy` (graph/rules_policy.py) is the real
implementation; tests may pass any object with these methods.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, Field

from core.models import Account, RiskAssessment, Role, SupportTier


class RoleAssignment(BaseModel):
    role: Role
    reason: str
    rule_id: str


class TriageDecision(BaseModel):
    tier: SupportTier
    tier_rule: str
    roles: list[RoleAssignment]
    sla_hours: dict[str, float] = Field(description="metric -> hours from now, e.g. first_response: 1")
    sla_rules: list[str] = Field(default_factory=list)
    compliance_hits: list[dict] = Field(default_factory=list)
    fired: list[str] = Field(default_factory=list)


class ExitDecision(BaseModel):
    ok: bool
    unmet: list[str] = Field(default_factory=list)
    fired: list[str] = Field(default_factory=list)


class CasePolicy(Protocol):
    def triage(self, assessment: RiskAssessment, account: Account, case_text: str) -> TriageDecision:
        """Tier, swarm roles and SLA hours for a case, from the rules only."""
        ...

    def exit(self, assessment: RiskAssessment, account: Account, followed_up: bool,
             hours_since_resolution: float) -> ExitDecision:
        """Whether the de-escalation exit criteria hold, and which do not."""
        ...
