"""Tier and role routing accuracy: the rules policy on the detector's assessment at case time vs truth."""

from __future__ import annotations

from collections import Counter
from typing import Any

from agent.context import CaseContext
from evals.replay import AccountRun, CaseSnapshot
from graph.rules_policy import RulesPolicy


def tickets_summary(snap: CaseSnapshot, limit: int = 5) -> str:
    """The same summary the case graph builds (graph/case_context.py), from the snapshot's open tickets."""
    return "; ".join(f"ticket:{t.id} {t.priority.value.upper()} {t.status.value} '{t.subject}'"
                     + (f" (engineering: {t.engineering_owner})" if t.engineering_owner else "")
                     for t in snap.tickets[-limit:])


def case_context(snap: CaseSnapshot) -> CaseContext:
    return CaseContext.from_records(snap.account, snap.assessment, snap.messages, now=snap.at,
                                    tickets_summary=tickets_summary(snap))


def case_text(ctx: CaseContext) -> str:
    """All the case's words, as graph/case_context.case_text assembles them."""
    return "\n".join([ctx.tickets_summary] + [m.text for m in ctx.messages]
                     + [e.quote for s in ctx.signals for e in s.evidence])


def routing(runs: list[AccountRun], policy: RulesPolicy) -> dict[str, Any]:
    """Exact tier, exact role set and per-role recall/precision over every at-risk account's case."""
    rows = []
    for run in runs:
        truth, snap = run.truth, run.case
        if not truth.at_risk or snap is None or truth.expected_tier is None:
            continue
        decision = policy.triage(snap.assessment, snap.account, case_text(case_context(snap)))
        got_roles = sorted({r.role.value for r in decision.roles})
        rows.append({"account_id": truth.account_id, "archetype": truth.archetype.value,
                     "expected_tier": truth.expected_tier.value, "tier": decision.tier.value,
                     "expected_roles": sorted(r.value for r in truth.expected_roles), "roles": got_roles})
    n = len(rows)
    role_tp, role_fp, role_fn = Counter(), Counter(), Counter()
    for row in rows:
        want, got = set(row["expected_roles"]), set(row["roles"])
        role_tp.update(want & got)
        role_fp.update(got - want)
        role_fn.update(want - got)
    per_role = {role: {"recall": round(role_tp[role] / (role_tp[role] + role_fn[role]), 4)
                       if role_tp[role] + role_fn[role] else None,
                       "precision": round(role_tp[role] / (role_tp[role] + role_fp[role]), 4)
                       if role_tp[role] + role_fp[role] else None}
                for role in sorted(set(role_tp) | set(role_fp) | set(role_fn))}
    tiers = sorted({r["expected_tier"] for r in rows} | {r["tier"] for r in rows})
    return {
        "cases": n,
        "tier_accuracy": round(sum(r["tier"] == r["expected_tier"] for r in rows) / n, 4) if n else None,
        "roles_exact_accuracy": round(sum(r["roles"] == r["expected_roles"] for r in rows) / n, 4) if n else None,
        "role_micro_recall": _micro(role_tp, role_fn),
        "role_micro_precision": _micro(role_tp, role_fp),
        "per_role": per_role,
        "tier_labels": tiers,
        "tier_confusion": [[sum(1 for r in rows if r["expected_tier"] == a and r["tier"] == b) for b in tiers]
                           for a in tiers],
        "rows": rows,
    }


def _micro(tp: Counter[str], other: Counter[str]) -> float | None:
    total = sum(tp.values()) + sum(other.values())
    return round(sum(tp.values()) / total, 4) if total else None
