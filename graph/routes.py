"""Where a case goes next: each route returns a node name, typed."""

from __future__ import annotations

from typing import Literal

from langgraph.graph import END

from graph.state import CaseState


def after_brief(state: CaseState) -> Literal["resolve", "triage", "dismiss"]:
    decision = state["last_decision"]["type"]
    if decision in ("approve", "edit"):
        return "resolve"
    return "dismiss" if decision == "reject" else "triage"


def after_outreach(state: CaseState) -> Literal["post_resolution", "resolve"]:
    return "resolve" if state["last_decision"]["type"] == "respond" else "post_resolution"


def after_watch(state: CaseState) -> Literal["triage", "fcr_watch", "deescalate"]:
    return {"reopen": "triage", "wait": "fcr_watch"}.get(state.get("fcr", ""), "deescalate")  # type: ignore[return-value]


def after_deescalate(state: CaseState) -> Literal["fcr_watch", "__end__"]:
    return END if state.get("outcome") else "fcr_watch"
