"""Collaborators handed to every node through LangGraph's runtime context (nothing built at import)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from agent.grounding import Grounder
from agent.llm import ModelPort
from agent.sentiment.base import SentimentModel
from core.models import RiskAssessment
from core.settings import Settings
from graph.drafts import DraftRequests
from graph.policy import CasePolicy
from graph.roster import Roster
from knowledge.base import KnowledgeBase


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class WorkflowContext:
    engine: sa.Engine
    settings: Settings
    policy: CasePolicy
    knowledge: KnowledgeBase
    roster: Roster
    assess: Callable[[str], RiskAssessment] | None = None  # fresh assessment of an account (exit criteria)
    model: ModelPort | None = None  # used only by model-draft jobs (and on-demand briefs), never inside a step
    drafts: DraftRequests | None = None  # schedules the model's draft of an opened approval (None: extractive only)
    grounder: Grounder | None = None  # checks model statements against their evidence (None: lexical checks only)
    sentiment: SentimentModel | None = None  # a positive confirmation is not a same-issue follow-up
    clock: Callable[[], datetime] = system_clock
    fcr_window_hours: float = 48.0
    max_watch_rounds: int = 3
