"""Role policy as data: which role may call which function, see which sensitive field, decide for whom.

Pure data and predicates, no web framework: api/ enforces it, tests and docs/security.md read it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from core.models import Role


class Capability(StrEnum):
    """Function-level permissions."""

    read_accounts = "read_accounts"        # risk list, one account, risk history
    start_case = "start_case"
    read_all_cases = "read_all_cases"      # object-level bypass: every case, not only one's own
    refresh_brief = "refresh_brief"
    read_kpis = "read_kpis"
    view_legal_notes = "view_legal_notes"
    view_contract_terms = "view_contract_terms"
    view_compliance = "view_compliance"    # CMP-* signals, compliance timeline entries and proposals
    override_decision = "override_decision"  # decide an approval assigned to another role


_SUPPORT = {Capability.read_accounts, Capability.refresh_brief}

POLICY: dict[Role, frozenset[Capability]] = {
    Role.support_t1: frozenset(_SUPPORT),
    Role.support_t2: frozenset(_SUPPORT | {Capability.start_case}),
    Role.support_t3: frozenset(_SUPPORT | {Capability.start_case}),
    # Engineering works the cases it is swarmed into; it does not browse the account book.
    Role.engineering: frozenset({Capability.refresh_brief}),
    Role.csm: frozenset(_SUPPORT | {Capability.start_case, Capability.read_kpis}),
    Role.ae: frozenset(_SUPPORT | {Capability.start_case, Capability.read_kpis, Capability.view_contract_terms}),
    Role.compliance: frozenset({Capability.read_accounts, Capability.read_all_cases, Capability.view_legal_notes,
                                Capability.view_contract_terms, Capability.view_compliance}),
    Role.manager: frozenset(set(Capability)),
    # Admin operates the system and sees everything, but does not make business decisions for other roles.
    Role.admin: frozenset(set(Capability) - {Capability.override_decision}),
}

# Approvals assigned to these roles can only be decided by that role (separation of duties): a manager's
# override does not reach a compliance sign-off.
NO_OVERRIDE_ROLES = frozenset({Role.compliance})

COMPLIANCE_RULE_PREFIX = "CMP-"
_COMPLIANCE_WORDS = ("compliance", "legal")


def can(role: Role, capability: Capability) -> bool:
    return capability in POLICY[role]


def roles_with(capability: Capability) -> list[Role]:
    return [role for role in Role if can(role, capability)]


def may_decide(role: Role, actor: str, assigned_role: Role, assigned_to: str | None) -> tuple[bool, bool]:
    """(allowed, is_override): the assignee role (and person, if named) decides; a manager may override."""
    if role == assigned_role and (assigned_to is None or assigned_to == actor):
        return True, False
    if can(role, Capability.override_decision) and assigned_role not in NO_OVERRIDE_ROLES:
        return True, True
    return False, False


def may_see_case(role: Role, actor: str, *, owner: str | None, swarm: list[str],
                 account_people: list[str | None], holds_approval: bool) -> bool:
    """Object-level rule for one case.

    Org-wide roles see every case; everyone else sees the cases they own, are swarmed into (and have not
    left), hold a pending approval on (they need its evidence to decide), or (CSM/AE) whose account they
    manage.
    """
    if can(role, Capability.read_all_cases):
        return True
    if actor == owner or actor in swarm or holds_approval:
        return True
    return role in (Role.csm, Role.ae) and actor in account_people


def is_compliance_marked(value: Any) -> bool:
    """Does this (nested) value cite a compliance rule or read as a compliance/legal record?"""
    if isinstance(value, str):
        return value.startswith(COMPLIANCE_RULE_PREFIX)
    if isinstance(value, dict):
        return any(is_compliance_marked(k) or is_compliance_marked(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(is_compliance_marked(v) for v in value)
    return False


def is_compliance_kind(kind: str) -> bool:
    return any(word in kind.lower() for word in _COMPLIANCE_WORDS)
