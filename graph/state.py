"""The typed state of one Red case thread (JSON-friendly values, so every checkpointer can store it)."""

from __future__ import annotations

from typing import Any, TypedDict


class CaseInput(TypedDict):
    """What the outside world passes to start a case thread."""

    case_id: str
    account_id: str
    assessment: dict[str, Any]


class CaseState(TypedDict, total=False):
    case_id: str
    account_id: str
    round: int  # increments when a follow-up reopens the case; part of every idempotency key
    attempt: int  # increments when a human answers "respond" and the step is redrafted
    assessment: dict[str, Any]
    brief: dict[str, Any]
    triage: dict[str, Any]  # tier, swarm, owner, owner_role, sla_due, fired rules
    owner_note: str
    suggestions: list[dict[str, Any]]
    next_actions: dict[str, Any]
    customer_update: dict[str, Any]
    resolution_note: str
    resolved_at: str
    article: dict[str, Any]
    article_draft: dict[str, Any]  # source, note, resolution evidence, solution_known
    watch_until: str
    watch_rounds: int
    fcr: str  # reopen | wait | held
    last_decision: dict[str, Any]
    outcome: str
    reason: str
