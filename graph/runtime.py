"""Wire the real collaborators from settings: store, rules policy, knowledge base, model, checkpointer."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime

import sqlalchemy as sa

from agent.grounding import minilm_grounder
from agent.llm import ChatModelPort, ModelPort
from agent.sentiment import load_sentiment_model
from agent.sentiment.base import SentimentModel
from core.models import RiskAssessment
from core.settings import Settings
from graph.checkpoint import Checkpointer, open_checkpointer
from graph.context import WorkflowContext, system_clock
from graph.drafts import DraftRequests
from graph.policy import CasePolicy
from graph.roster import Roster
from graph.service import CaseService
from knowledge.base import ChromaKnowledgeBase, KnowledgeBase


class CaseRuntime(AbstractContextManager["CaseRuntime"]):
    """A ready CaseService plus what must be closed with it."""

    def __init__(self, service: CaseService, checkpointer: Checkpointer):
        self.service = service
        self._checkpointer = checkpointer

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._checkpointer.close()


def default_model(settings: Settings) -> ModelPort | None:
    """The configured endpoint, or None (extractive drafting) when models are disabled."""
    return ChatModelPort.from_settings(settings) if settings.llm_enabled else None


def build_runtime(settings: Settings, engine: sa.Engine, *, policy: CasePolicy | None = None,
                  knowledge: KnowledgeBase | None = None, model: ModelPort | None = None,
                  assess: Callable[[str], RiskAssessment] | None = None,
                  sentiment: SentimentModel | None = None, drafts: DraftRequests | None = None,
                  clock: Callable[[], datetime] = system_clock) -> CaseRuntime:
    """Everything a case needs, from settings; pass collaborators to override (tests, demo, evals).

    `drafts` schedules the model-draft job (`graph.model_drafts.apply_model_draft`) on the job queue;
    without it every proposal stays extractive (the case never waits for the model either way)."""
    from graph.rules_policy import RulesPolicy

    checkpointer = open_checkpointer(settings)
    context = WorkflowContext(
        engine=engine, settings=settings, policy=policy or RulesPolicy.from_settings(settings),
        knowledge=knowledge or ChromaKnowledgeBase.from_settings(settings),
        roster=Roster.load(settings.roster_file), model=model if model is not None else default_model(settings),
        assess=assess, clock=clock, sentiment=sentiment or load_sentiment_model(settings),
        drafts=drafts, grounder=minilm_grounder() if settings.llm_enabled else None,
    )
    return CaseRuntime(CaseService(context, checkpointer.saver), checkpointer)
