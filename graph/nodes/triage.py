"""triage: the 3-second brief, tier and swarm from the rules, an owner by skill and workload, SLA clocks."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from langgraph.runtime import Runtime

from agent.drafting import draft_brief
from core.models import Phase, RiskAssessment, Role, SwarmMember
from core.store.cases import add_swarm_member, open_case_load, update_escalation
from core.store.records import get_account
from graph.case_context import build_case_context, case_text
from graph.context import WorkflowContext
from graph.model_drafts import extractive_note
from graph.record import log
from graph.roster import case_topics, choose, choose_owner
from graph.state import CaseState


def _workload(ctx: WorkflowContext, exclude: str) -> Counter[str]:
    # One grouped query: reading every open case to count its members made triage O(open cases).
    return Counter(open_case_load(ctx.engine, exclude=exclude))


def _account_person(role: Role, account_csm: str | None, account_ae: str | None) -> str | None:
    # The account's own CSM and AE join when their role is needed: they hold the relationship.
    return {Role.csm: account_csm, Role.ae: account_ae}.get(role)


def triage(state: CaseState, runtime: Runtime[WorkflowContext]) -> CaseState:
    ctx = runtime.context
    now = ctx.clock()
    assessment = RiskAssessment.model_validate(state["assessment"])
    account = get_account(ctx.engine, state["account_id"])
    case = build_case_context(ctx, account.id, assessment, now, note=state.get("owner_note", ""))
    text = case_text(case)
    decision = ctx.policy.triage(assessment, account, text)
    # Extractive at once: the approval opens now; the model's draft arrives as a job (see model_drafts).
    brief = draft_brief(case, None, ctx.settings, note=extractive_note(ctx))

    topics = case_topics(text)
    workload = _workload(ctx, state["case_id"])
    owner = choose_owner(ctx.roster, decision.tier, topics, workload)
    swarm = [{"person": owner.name, "role": owner.role.value, "reason": f"owner for {decision.tier.value}",
              "rule_id": decision.tier_rule}]
    for assignment in decision.roles:
        person = _account_person(assignment.role, account.csm, account.ae)
        if person is None:
            chosen = choose(ctx.roster.with_role(assignment.role), topics, workload)
            person = chosen.name if chosen else None
        if person is None:
            continue
        swarm.append({"person": person, "role": assignment.role.value, "reason": assignment.reason,
                      "rule_id": assignment.rule_id})
    sla_due = {metric: now + timedelta(hours=hours) for metric, hours in decision.sla_hours.items()}

    for member in swarm:
        add_swarm_member(ctx.engine, state["case_id"], SwarmMember(assumed_at=now, **member))
    update_escalation(ctx.engine, state["case_id"], now, phase=Phase.triage, owner=owner.name, tier=decision.tier,
                      sla_due=sla_due)
    triage_record = {
        "tier": decision.tier.value, "tier_rule": decision.tier_rule, "owner": owner.name,
        "owner_role": owner.role.value, "swarm": swarm, "topics": sorted(topics),
        "sla_due": {k: v.isoformat() for k, v in sla_due.items()}, "sla_rules": decision.sla_rules,
        "compliance_hits": decision.compliance_hits, "fired": decision.fired,
    }
    log(ctx, state, "triage", "triaged", triage_record)
    log(ctx, state, "triage", "brief_drafted", {"brief": brief.model_dump(mode="json")},
        actor=f"system:{brief.source}")
    return {"brief": brief.model_dump(mode="json"), "triage": triage_record}
