"""CasePolicy backed by the rule engine: the same YAML that flags accounts decides tier, roles, SLA, exit."""

from __future__ import annotations

from typing import Any

from core.models import Account, RiskAssessment
from core.settings import Settings
from graph.policy import ExitDecision, RoleAssignment, TriageDecision
from rules.decisions import compliance_facts
from rules.engine import RuleEngine, engine_for


class RulesPolicy:
    def __init__(self, engine: RuleEngine):
        self.engine = engine

    @classmethod
    def from_settings(cls, settings: Settings) -> RulesPolicy:
        return cls(engine_for(str(settings.rules_dir) if settings.rules_dir else None,
                              str(settings.thresholds_file) if settings.thresholds_file else None))

    def _facts(self, assessment: RiskAssessment, account: Account, case_text: str, **extra: Any) -> dict[str, Any]:
        facts: dict[str, Any] = dict(assessment.facts)
        facts.update(risk_score=round(assessment.score, 4), risk_confidence=round(assessment.confidence, 4),
                     arr=float(account.arr), arr_tier=account.tier.value)
        hits = self.engine.match_text(case_text)
        if hits:
            # Compliance terms anywhere in the case always count, whatever else the facts say.
            facts.update(compliance_facts(hits))
        facts.update(extra)
        return facts, hits  # type: ignore[return-value]

    def triage(self, assessment: RiskAssessment, account: Account, case_text: str) -> TriageDecision:
        facts, hits = self._facts(assessment, account, case_text)
        decisions = self.engine.evaluate(facts)
        roles = [RoleAssignment(role=r.role, reason="; ".join(r.reasons), rule_id=",".join(r.rule_ids))
                 for r in decisions.roles]
        return TriageDecision(
            tier=decisions.tier, tier_rule=",".join(decisions.tier_rule_ids) or "default",
            roles=roles, sla_hours=decisions.sla_hours,
            sla_rules=sorted({r for ids in decisions.sla_rule_ids.values() for r in ids}),
            compliance_hits=[h.model_dump(mode="json") for h in hits], fired=decisions.fired,
        )

    def exit(self, assessment: RiskAssessment, account: Account, followed_up: bool,
             hours_since_resolution: float) -> ExitDecision:
        facts, _ = self._facts(assessment, account, "", resolved=True, follow_up_since_resolution=followed_up,
                               hours_since_resolution=round(hours_since_resolution, 2))
        decisions = self.engine.evaluate(facts)
        return ExitDecision(ok=decisions.exit_ok, unmet=[f"{c.rule_id}: {c.description}" for c in decisions.exit_unmet],
                            fired=[c.rule_id for c in decisions.exit_met])
