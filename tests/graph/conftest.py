"""A real workflow on a real SQLite store and checkpointer, with fake policy, knowledge and no model."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from core.db import open_database
from core.ingest import ingest_objects
from core.settings import Settings
from graph.checkpoint import open_checkpointer
from graph.context import WorkflowContext
from graph.roster import Roster
from graph.service import CaseService
from knowledge.fake import FakeKnowledgeBase
from tests.utils.events import account, message, ticket
from tests.utils.fakes import Clock, FakePolicy

T_START = datetime(2026, 10, 1, 12, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(T_START)


@pytest.fixture
def history(settings: Settings):  # type: ignore[no-untyped-def]
    engine = open_database(settings)
    ingest_objects(engine, [
        account(), ticket("e-t1", subject="SSO login fails for EU users since the SAML certificate rotation"),
        message("e-m1", "m-1", "This has been open for weeks. I need to speak to your manager about SSO.",
                at=T_START - timedelta(hours=2)),
        message("e-m2", "m-2", "We rotated the SAML certificate; please re-upload the metadata.", side="agent",
                at=T_START - timedelta(hours=1)),
    ])
    return engine


def make_service(settings: Settings, engine, clock: Clock, knowledge=None, policy=None):  # type: ignore[no-untyped-def]
    checkpointer = open_checkpointer(settings)
    context = WorkflowContext(engine=engine, settings=settings, policy=policy or FakePolicy(),
                              knowledge=knowledge or FakeKnowledgeBase(), roster=Roster.load(), clock=clock)
    return CaseService(context, checkpointer.saver), checkpointer


@pytest.fixture
def service(settings: Settings, history, clock: Clock) -> Iterator[CaseService]:  # type: ignore[no-untyped-def]
    svc, checkpointer = make_service(settings, history, clock)
    yield svc
    checkpointer.close()
