"""Idempotency keys: every side effect after an interrupt is keyed by case, step, round and attempt."""

from __future__ import annotations

from graph.state import CaseState


def step_id(state: CaseState, step: str) -> str:
    return f"{step}#r{state.get('round', 0)}a{state.get('attempt', 0)}"


def effect_key(state: CaseState, step: str, effect: str) -> str:
    return f"{state['case_id']}:{step_id(state, step)}:{effect}"
