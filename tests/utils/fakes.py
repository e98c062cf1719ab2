"""Test doubles for graph collaborators."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.models import Account, Band, Evidence, RiskAssessment, RiskSignal, Role, SupportTier
from graph.policy import ExitDecision, RoleAssignment, TriageDecision


class FakePolicy:
    """Deterministic stand-in for the rules: compliance words bring in compliance, T2 otherwise."""

    def __init__(self, exit_ok: bool = True):
        self.exit_ok = exit_ok

    def triage(self, assessment: RiskAssessment, account: Account, case_text: str) -> TriageDecision:
        roles = [RoleAssignment(role=Role.csm, reason="renewal near", rule_id="ROL-T-CSM")]
        if "gdpr" in case_text.lower():
            roles.append(RoleAssignment(role=Role.compliance, reason="GDPR term", rule_id="ROL-T-CMP"))
        return TriageDecision(tier=SupportTier.t2, tier_rule="TIR-T-2", roles=roles,
                              sla_hours={"first_response": 1, "next_update": 4}, fired=["TIR-T-2"])

    def exit(self, assessment: RiskAssessment, account: Account, followed_up: bool,
             hours_since_resolution: float) -> ExitDecision:
        return ExitDecision(ok=self.exit_ok, unmet=[] if self.exit_ok else ["EXT-T-1 open P1"], fired=["EXT-T-1"])


class Clock:
    """A settable clock."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def red_assessment(account_id: str = "acc-1", message_id: str = "m-1", at: datetime | None = None) -> RiskAssessment:
    at = at or datetime(2026, 10, 1, 10, tzinfo=UTC)
    signal = RiskSignal(kind="escalation_language", value=1.0, weight=80.0, confidence=0.9, rule_id="SIG-ESC",
                        evidence=[Evidence(record_type="message", record_id=message_id,
                                           quote="I need to speak to your manager", at=at)])
    return RiskAssessment(account_id=account_id, score=80.0, band=Band.red, confidence=0.9, needs_review=False,
                          signals=[signal], triggered_rules=["TRG-T-RED"], ruleset_version="test",
                          assessed_at=at)


class StoreOnlyCases:
    """A case service for HTTP-layer tests whose approvals are seeded rows without a workflow thread.

    It claims the decision in the store (atomic, 409 on a second claim) and writes the decision to the
    timeline, as the real service does, without resuming a LangGraph thread. Production always runs the
    real `graph.service.CaseService` (tests/api/test_served_app.py and tests/product drive that one).
    """

    def __init__(self, engine, context=None):  # type: ignore[no-untyped-def]
        self.engine = engine
        self.context = context  # the real workflow context (briefs are drafted from it)

    def decide(self, approval_id: str, decision):  # type: ignore[no-untyped-def]
        from core.models import TimelineEntry
        from core.store.approvals import claim_decision
        from core.store.cases import append_timeline

        now = datetime.now(UTC)
        decided = claim_decision(self.engine, approval_id, decision, now)
        append_timeline(self.engine, TimelineEntry(
            escalation_id=decided.case_id, at=now, kind="decision", actor=decision.actor,
            payload={"approval_id": approval_id, "step": decided.step, "type": decision.type}),
            idem_key=f"decision:{approval_id}")
        return decided

    def start_case(self, assessment, actor: str = "system:detect"):  # type: ignore[no-untyped-def]
        from core.store.cases import open_escalation

        case, created = open_escalation(self.engine, assessment.account_id, datetime.now(UTC))
        return case.id, created

    def recover(self) -> dict[str, int]:
        return {}

    def tick(self) -> list[str]:
        return []
