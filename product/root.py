"""The composition root: the product built once from Settings, handed to the API, CLI, workers and evals.

Every path (serve, every CLI command, workers, evals) takes the same sentiment reader, rule engine,
case policy, knowledge base, model client and case service from here; nothing falls back to a weaker
collaborator. A rule file that fails validation stops the build with its error.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from agent.llm import ModelPort
from agent.sentiment import load_sentiment_model
from agent.sentiment.base import SentimentModel
from core.db import open_database
from core.models import RiskAssessment
from core.settings import Settings
from core.store.detection import latest_assessment
from graph.drafts import DraftRequests
from graph.rules_policy import RulesPolicy
from graph.runtime import CaseRuntime, build_runtime, default_model
from graph.service import CaseService
from knowledge.base import ChromaKnowledgeBase, KnowledgeBase
from product.clock import Clock
from product.draft_jobs import QueuedDrafts
from product.jobs import JobQueue, make_huey
from product.notify import Notifier
from rules.detect import Detection
from rules.engine import RuleEngine, engine_for
from rules.thresholds import thresholds_from_settings

log = logging.getLogger("redaccount.product")


@dataclass
class Product:
    """Everything the product runs on; `close()` releases it."""

    settings: Settings
    engine: sa.Engine
    clock: Clock
    sentiment: SentimentModel
    sentiment_version: str
    rules: RuleEngine
    policy: RulesPolicy
    knowledge: KnowledgeBase
    model: ModelPort | None
    detection: Detection
    runtime: CaseRuntime
    notifier: Notifier
    jobs: JobQueue
    _detect_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def cases(self) -> CaseService:
        return self.runtime.service

    @contextmanager
    def detecting(self) -> Iterator[None]:
        """SQLite is one process: serialise detection here (PostgreSQL locks each account in the database)."""
        if self.engine.dialect.name == "postgresql":
            yield
            return
        with self._detect_lock:
            yield

    def enqueue(self, job: Any, **kwargs: Any) -> None:
        """Run a registered job as soon as a worker is free (see product/jobs.py)."""
        self.jobs.enqueue(job, **kwargs)

    def schedule_at(self, when: Any, job: Any, **kwargs: Any) -> None:
        """Run a registered job at `when`, a moment on the product's clock."""
        self.jobs.schedule_at(self.clock.to_wall(when), job, **kwargs)

    def close(self) -> None:
        self.jobs.close()
        self.notifier.stop()
        self.runtime.close()
        self.engine.dispose()


def escalation_meaning(settings: Settings) -> Any:
    """The escalation-by-meaning port when `REDACCOUNT_ESCALATION_MEANING` is on (off by default: MiniLM
    costs about 45 times the rest of the detector per customer message; docs/deployment.md has the figure)."""
    if not settings.escalation_meaning:
        return None
    from knowledge.escalation_meaning import EscalationMeaning

    return EscalationMeaning(thresholds_from_settings(settings).escalation_prototypes)


def compliance_meaning(settings: Settings) -> Any:
    """The compliance-by-meaning review stage when `REDACCOUNT_COMPLIANCE_MEANING` is on (off by default: see
    docs/evaluation.md for its false-fire rate on real support text and its cost per message)."""
    if not settings.compliance_meaning:
        return None
    from knowledge.compliance_meaning import ComplianceMeaning

    return ComplianceMeaning()


def build_product(settings: Settings, *, clock: Clock | None = None, knowledge: KnowledgeBase | None = None,
                  model: ModelPort | None = None, sentiment: SentimentModel | None = None,
                  immediate_jobs: bool = False, notify_client: Any = None,
                  drafts: DraftRequests | None = None) -> Product:
    """Build the product once. Overrides are for tests, the demo and evals (a fake model, an accelerated
    clock, jobs run inside `enqueue`, model drafts requested elsewhere than on the job queue)."""
    engine = open_database(settings)
    rules = engine_for(str(settings.rules_dir) if settings.rules_dir else None,
                       str(settings.thresholds_file) if settings.thresholds_file else None)
    reader = sentiment if sentiment is not None else load_sentiment_model(settings)
    version = str(getattr(reader, "version", "lexicon"))  # the one place the reader's version is read
    clock = clock or Clock.from_settings(settings)
    detection = Detection.from_settings(settings, reader, rules, meaning=escalation_meaning(settings),
                                        compliance_meaning=compliance_meaning(settings))
    detection.rebuild_if_stale(engine)
    policy = RulesPolicy(rules)
    knowledge = knowledge or ChromaKnowledgeBase.from_settings(settings)
    model = model if model is not None else default_model(settings)

    built: list[Product] = []

    def assess(account_id: str) -> RiskAssessment | None:
        # The workflow's fresh look at an account (exit criteria, recovery): fold what arrived, assess now.
        from product.assess import run_assessment

        outcome, _ = run_assessment(built[0], account_id)
        return outcome.assessment if outcome else latest_assessment(engine, account_id)

    jobs = JobQueue(make_huey(settings, immediate=immediate_jobs))
    # The model's drafts are jobs; without a model every proposal stays extractive (nothing to queue).
    if model is None or not settings.llm_enabled:
        drafts = None
    elif drafts is None:
        drafts = QueuedDrafts(jobs)
    runtime = build_runtime(settings, engine, policy=policy, knowledge=knowledge, model=model, assess=assess,
                            sentiment=reader, clock=clock, drafts=drafts)
    notifier = Notifier(engine, settings.notify_urls, settings.notify_allowed_hosts, client=notify_client)
    product = Product(settings=settings, engine=engine, clock=clock, sentiment=reader, sentiment_version=version,
                      rules=rules, policy=policy, knowledge=knowledge, model=model, detection=detection,
                      runtime=runtime, notifier=notifier, jobs=jobs)
    built.append(product)
    jobs.bind(product)
    log.info("product built", extra={**detection.config(), "database": engine.dialect.name})
    return product
