"""What an evaluation decides, and the one policy that turns fired rules into those decisions.

Both evaluators (durable-rules in `rules.engine`, plain Python in `rules.reference`) only answer
"which rules of this kind fire on these facts?"; `decide` does the rest identically for both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from core.models.cases import Role, SupportTier
from rules.actions import TIER_RANK, ExitArgs, RoleArgs, SlaArgs, TierArgs, parse_args
from rules.loader import RuleSet
from rules.schema import Scalar

DEFAULT_TIER = SupportTier.t1
# Tiers run first: roles, SLA and exit rules may test the tier through this derived fact.
TIER_FACT = "decided_tier"
STAGE_TWO = ("triggers", "roles", "sla", "exit")

FireFn = Callable[[str, dict[str, Scalar]], frozenset[str]]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FiredAction(_Model):
    rule_id: str
    action: str
    args: dict[str, Any] = Field(default_factory=dict)


class RoleAssignment(_Model):
    role: Role
    reasons: list[str]
    rule_ids: list[str]


class ExitCriterion(_Model):
    rule_id: str
    criterion: str
    description: str


class ComplianceHit(_Model):
    rule_id: str
    category: str
    term: str = Field(description="The term as written in compliance.yaml.")
    span: tuple[int, int] = Field(description="Start and end (exclusive) offsets in the ORIGINAL text.")
    quote: str = Field(description="The original text at `span`.")


class Decisions(_Model):
    ruleset_version: str
    fired: list[str] = Field(description="Rule ids that fired, in rule-file order.")
    actions: list[FiredAction]
    triggers: list[FiredAction] = Field(description="Actions of fired TRG rules.")
    open_red_case: bool
    needs_review: bool
    csm_review: bool
    tier: SupportTier
    tier_rule_ids: list[str] = Field(description="TIR rules that chose the winning tier (empty: default T1).")
    roles: list[RoleAssignment]
    sla_hours: dict[str, float] = Field(description="Metric -> hours; the tightest fired value wins.")
    sla_rule_ids: dict[str, list[str]] = Field(description="Metric -> SLA rules that set the winning value.")
    exit_ok: bool = Field(description="Every EXT criterion is met: the case may return to normal support.")
    exit_met: list[ExitCriterion]
    exit_unmet: list[ExitCriterion]


def decide(ruleset: RuleSet, facts: dict[str, Any], fire: FireFn) -> Decisions:
    """Complete and check `facts`, ask `fire` which rules fire per kind, and apply the shared policy."""
    complete = ruleset.complete_facts(facts)
    fired: dict[str, frozenset[str]] = {"tiers": fire("tiers", complete)}
    tier, tier_rules = _tier(ruleset, fired["tiers"])
    staged = {**complete, TIER_FACT: tier.value}
    for kind in STAGE_TWO:
        fired[kind] = fire(kind, staged)
    actions = [
        FiredAction(rule_id=rule.id, action=call.action, args=dict(call.args))
        for kind in ("triggers", "tiers", "roles", "sla", "exit")
        for rule in ruleset.rules[kind]
        if rule.id in fired[kind]
        for call in rule.then
    ]
    triggers = [a for a in actions if a.rule_id.startswith("TRG-")]
    sla_hours, sla_rules = _sla(actions)
    met, unmet = _exit(ruleset, fired["exit"])
    return Decisions(
        ruleset_version=ruleset.version,
        fired=sorted({a.rule_id for a in actions}, key=_order(ruleset)),
        actions=actions,
        triggers=triggers,
        open_red_case=any(a.action == "open_red_case" for a in triggers),
        needs_review=any(a.action == "queue_for_review" for a in triggers),
        csm_review=any(a.action == "flag_csm_review" for a in triggers),
        tier=tier,
        tier_rule_ids=tier_rules,
        roles=_roles(actions),
        sla_hours=sla_hours,
        sla_rule_ids=sla_rules,
        exit_ok=not unmet,
        exit_met=met,
        exit_unmet=unmet,
    )


def _order(ruleset: RuleSet) -> Callable[[str], int]:
    position = {rule_id: index for index, rule_id in enumerate(ruleset.rule_ids())}
    return lambda rule_id: position[rule_id]


def _tier(ruleset: RuleSet, fired: frozenset[str]) -> tuple[SupportTier, list[str]]:
    proposals: list[tuple[SupportTier, str]] = []
    for rule in ruleset.rules["tiers"]:
        if rule.id in fired:
            for call in rule.then:
                args = parse_args(call)
                if isinstance(args, TierArgs):
                    proposals.append((SupportTier(args.tier), rule.id))
    if not proposals:
        return DEFAULT_TIER, []
    best = max(TIER_RANK[tier.value] for tier, _ in proposals)
    winners = [rule_id for tier, rule_id in proposals if TIER_RANK[tier.value] == best]
    return next(tier for tier, _ in proposals if TIER_RANK[tier.value] == best), winners


def _roles(actions: Iterable[FiredAction]) -> list[RoleAssignment]:
    by_role: dict[Role, tuple[list[str], list[str]]] = {}
    for action in actions:
        if action.action != "assign_role":
            continue
        args = RoleArgs.model_validate(action.args)
        reasons, rule_ids = by_role.setdefault(args.role, ([], []))
        reasons.append(args.reason)
        rule_ids.append(action.rule_id)
    return [RoleAssignment(role=role, reasons=r, rule_ids=ids) for role, (r, ids) in by_role.items()]


def _sla(actions: Iterable[FiredAction]) -> tuple[dict[str, float], dict[str, list[str]]]:
    hours: dict[str, float] = {}
    rules: dict[str, list[str]] = {}
    for action in actions:
        if action.action != "set_sla":
            continue
        args = SlaArgs.model_validate(action.args)
        if args.metric not in hours or args.hours < hours[args.metric]:
            hours[args.metric], rules[args.metric] = args.hours, [action.rule_id]
        elif args.hours == hours[args.metric]:
            rules[args.metric].append(action.rule_id)
    return dict(sorted(hours.items())), dict(sorted(rules.items()))


def _exit(ruleset: RuleSet, fired: frozenset[str]) -> tuple[list[ExitCriterion], list[ExitCriterion]]:
    met: list[ExitCriterion] = []
    unmet: list[ExitCriterion] = []
    for rule in ruleset.rules["exit"]:
        for call in rule.then:
            args = parse_args(call)
            if isinstance(args, ExitArgs):
                item = ExitCriterion(rule_id=rule.id, criterion=args.criterion, description=rule.description)
                (met if rule.id in fired else unmet).append(item)
    return met, unmet


def compliance_facts(hits: Iterable[ComplianceHit]) -> dict[str, Scalar]:
    """The compliance facts of the vocabulary, computed from `match_text` hits."""
    hits = list(hits)
    categories = {hit.category for hit in hits}
    return {
        "compliance_hits": len(hits),
        "compliance_legal": "legal" in categories,
        "compliance_privacy": "privacy_gdpr" in categories,
        "compliance_security": "security" in categories,
    }
