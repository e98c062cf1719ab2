"""The registry of actions a rule may name in `then`, with the arguments each one takes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.models.cases import Role, SupportTier
from rules.schema import RuleError, RuleSchemaError, UnknownActionError, UnknownFieldError, suggest

SlaMetricName = Literal["first_response", "next_update", "resolution"]
TIER_RANK: dict[str, int] = {tier.value: rank for rank, tier in enumerate(SupportTier)}


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReasonArgs(_Args):
    reason: str = Field(min_length=1)


class ComplianceArgs(_Args):
    severity: Literal["high", "critical"]


class VisibilityArgs(_Args):
    roles: list[Role] = Field(min_length=1)


class TierArgs(_Args):
    tier: SupportTier


class RoleArgs(_Args):
    role: Role
    reason: str = Field(min_length=1)


class SlaArgs(_Args):
    metric: SlaMetricName
    hours: float = Field(gt=0, le=24 * 365)


class ExitArgs(_Args):
    criterion: str = Field(pattern=r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class ActionSpec:
    name: str
    kinds: frozenset[str]
    args: type[_Args]
    doc: str


ACTIONS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in (
        ActionSpec("open_red_case", frozenset({"triggers"}), ReasonArgs, "Open a Red case (needs approval)."),
        ActionSpec("queue_for_review", frozenset({"triggers"}), ReasonArgs, "Human review queue, no Red case."),
        ActionSpec("flag_csm_review", frozenset({"triggers"}), ReasonArgs, "Ask the CSM to review the account."),
        ActionSpec("flag_compliance", frozenset({"compliance"}), ComplianceArgs, "Compliance must look."),
        ActionSpec("restrict_visibility", frozenset({"compliance"}), VisibilityArgs, "Notes visible to roles."),
        ActionSpec("set_tier", frozenset({"tiers"}), TierArgs, "Support tier; the highest fired wins."),
        ActionSpec("assign_role", frozenset({"roles"}), RoleArgs, "Add a role to the swarm."),
        ActionSpec("set_sla", frozenset({"sla"}), SlaArgs, "Due time in hours; the tightest fired wins."),
        ActionSpec("exit_criterion", frozenset({"exit"}), ExitArgs, "A de-escalation criterion that is met."),
    )
}


def check_actions(calls: list[Any], kind: str, path: str, *, file: str, rule_id: str) -> list[RuleError]:
    """Every unknown action, misplaced action and bad argument in one rule's `then` list."""
    errors: list[RuleError] = []
    for index, call in enumerate(calls):
        where = {"file": file, "rule_id": rule_id, "path": f"{path}[{index}]"}
        spec = ACTIONS.get(call.action)
        if spec is None:
            errors.append(UnknownActionError(f"unknown action {call.action!r}", suggestions=suggest(call.action, ACTIONS), **where))
            continue
        if kind not in spec.kinds:
            allowed = sorted(name for name, s in ACTIONS.items() if kind in s.kinds)
            errors.append(UnknownActionError(f"action {call.action!r} is not allowed in {kind}.yaml; use one of {allowed}", **where))
            continue
        try:
            spec.args.model_validate(call.args)
        except ValidationError as exc:
            for err in exc.errors():
                arg_path = ".".join(str(part) for part in err["loc"])
                err_where = {**where, "path": f"{where['path']}.args.{arg_path}"}
                if err["type"] == "extra_forbidden":
                    name = str(err["loc"][-1])
                    errors.append(UnknownFieldError(f"unknown argument {name!r} of {call.action!r}", suggestions=suggest(name, spec.args.model_fields), **err_where))
                else:
                    errors.append(RuleSchemaError(err["msg"], **err_where))
    return errors


def parse_args(call: Any) -> _Args:
    """The typed arguments of a validated action call."""
    return ACTIONS[call.action].args.model_validate(call.args)
