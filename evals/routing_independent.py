"""Routing against expectations written from the seed protocol's text (evals/routing_set.yaml).

Each scenario's facts go through the production rule engine's `evaluate`; a scenario passes when every
expectation it states holds (tier, tiers it must not be, roles that must be on the case, roles that must
not, CSM review).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SET = Path(__file__).parent / "routing_set.yaml"


def routing_expectations(engine: Any, path: Path = SET) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    rows, checks, passed_checks = [], 0, 0
    for sc in data["scenarios"]:
        decisions = engine.evaluate({**data.get("base", {}), **sc["facts"]})
        roles = {str(getattr(r.role, "value", r.role)) for r in decisions.roles}
        tier = str(getattr(decisions.tier, "value", decisions.tier))
        failures = []
        if "tier" in sc and tier != sc["tier"]:
            failures.append(f"tier {tier}, expected {sc['tier']}")
        failures += [f"tier {tier}, which the seed gives no reason for" for t in sc.get("tier_exclude", []) if tier == t]
        failures += [f"missing role {r}" for r in sc.get("roles_include", []) if r not in roles]
        failures += [f"unexpected role {r}" for r in sc.get("roles_exclude", []) if r in roles]
        if "csm_review" in sc and bool(decisions.csm_review) != sc["csm_review"]:
            failures.append(f"csm_review {decisions.csm_review}, expected {sc['csm_review']}")
        n = (("tier" in sc) + len(sc.get("tier_exclude", [])) + len(sc.get("roles_include", []))
             + len(sc.get("roles_exclude", [])) + ("csm_review" in sc))
        checks += n
        passed_checks += n - len(failures)
        rows.append({"id": sc["id"], "seed": sc["seed"], "tier": tier, "roles": sorted(roles), "failures": failures})
    passed = sum(1 for r in rows if not r["failures"])
    return {"set": path.name, "scenarios": len(rows), "passed": passed,
            "scenario_accuracy": round(passed / len(rows), 4) if rows else None,
            "check_accuracy": round(passed_checks / checks, 4) if checks else None, "rows": rows}
