"""Plain-Python evaluation of the rule YAML: the oracle the durable-rules adapter must agree with."""

from __future__ import annotations

from typing import Any

from rules.compliance_context import apply_contexts
from rules.decisions import ComplianceHit, Decisions, decide
from rules.loader import RuleSet
from rules.schema import Condition, Scalar
from rules.text import find_padded, normalise


def holds(condition: Condition, facts: dict[str, Scalar]) -> bool:
    """Whether `condition` (thresholds already resolved) holds on complete `facts`."""
    if condition.all is not None:
        return all(holds(child, facts) for child in condition.all)
    if condition.any is not None:
        return any(holds(child, facts) for child in condition.any)
    value = facts[condition.fact or ""]
    operand: Any = condition.value
    match condition.op:
        case "eq":
            return value == operand
        case "ne":
            return value != operand
        case "gt":
            return value > operand  # type: ignore[operator]
        case "gte":
            return value >= operand  # type: ignore[operator]
        case "lt":
            return value < operand  # type: ignore[operator]
        case "lte":
            return value <= operand  # type: ignore[operator]
        case "in":
            return value in operand
        case "not_in":
            return value not in operand
        case "is_true":
            return value is True
        case "is_false":
            return value is False
    raise AssertionError(f"operator {condition.op!r} passed validation but has no meaning")


class ReferenceEvaluator:
    """Same interface as `rules.engine.RuleEngine`, without durable-rules."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset

    def fire(self, kind: str, facts: dict[str, Scalar]) -> frozenset[str]:
        return frozenset(rule.id for rule in self.ruleset.rules[kind] if holds(rule.when, facts))

    def evaluate(self, facts: dict[str, Any]) -> Decisions:
        return decide(self.ruleset, facts, self.fire)

    def match_text(self, text: str) -> list[ComplianceHit]:
        norm = normalise(text)
        hits = []
        for term in self.ruleset.terms:
            for start in find_padded(norm.text, term.normalised):
                span = norm.original_span(start, start + len(term.normalised))
                hits.append(
                    ComplianceHit(
                        rule_id=term.rule_id, category=term.category, term=term.term,
                        span=span, quote=text[span[0] : span[1]],
                    )
                )
        terms = {(term.rule_id, term.term): term for term in self.ruleset.terms}
        return apply_contexts(text, sort_hits(hits), terms, self.ruleset.contexts)


def sort_hits(hits: list[ComplianceHit]) -> list[ComplianceHit]:
    """Hits in text order, ties broken by rule and term, duplicates dropped."""
    unique = {(h.span, h.rule_id, h.term): h for h in hits}
    return [unique[key] for key in sorted(unique)]
