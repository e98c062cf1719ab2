"""The Red case workflow, assembled: detect -> triage -> [approve] -> resolve -> [approve outreach]
-> post-resolution -> [approve article] -> FCR watch -> de-escalate."""

from __future__ import annotations

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from graph.context import WorkflowContext
from graph.nodes.approve_article import approve_article
from graph.nodes.approve_brief import approve_brief
from graph.nodes.approve_outreach import approve_outreach
from graph.nodes.deescalate import deescalate
from graph.nodes.detect import detect
from graph.nodes.dismiss import dismiss
from graph.nodes.fcr_watch import fcr_watch
from graph.nodes.post_resolution import post_resolution
from graph.nodes.resolve import resolve
from graph.nodes.triage import triage
from graph.routes import after_brief, after_deescalate, after_outreach, after_watch
from graph.state import CaseInput, CaseState


def build_graph(checkpointer: BaseCheckpointSaver | None = None) -> CompiledStateGraph:
    builder = StateGraph(CaseState, context_schema=WorkflowContext, input_schema=CaseInput)
    builder.add_node("detect", detect)
    builder.add_node("triage", triage)
    builder.add_node("approve_brief", approve_brief)
    builder.add_node("resolve", resolve)
    builder.add_node("approve_outreach", approve_outreach)
    builder.add_node("post_resolution", post_resolution)
    builder.add_node("approve_article", approve_article)
    builder.add_node("fcr_watch", fcr_watch)
    builder.add_node("deescalate", deescalate)
    builder.add_node("dismiss", dismiss)

    builder.add_edge(START, "detect")
    builder.add_edge("detect", "triage")
    builder.add_edge("triage", "approve_brief")
    builder.add_conditional_edges("approve_brief", after_brief)
    builder.add_edge("resolve", "approve_outreach")
    builder.add_conditional_edges("approve_outreach", after_outreach)
    builder.add_edge("post_resolution", "approve_article")
    builder.add_edge("approve_article", "fcr_watch")
    builder.add_conditional_edges("fcr_watch", after_watch)
    builder.add_conditional_edges("deescalate", after_deescalate)
    builder.add_edge("dismiss", END)
    return builder.compile(checkpointer=checkpointer)
