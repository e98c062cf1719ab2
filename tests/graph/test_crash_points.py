"""A process dying between a node's saved writes and the next checkpoint must not strand the case.

LangGraph saves each finished task's writes, then the step's checkpoint. A SIGKILL between the two leaves
a thread whose `get_state().next` is empty, exactly like a finished thread, although the run is not over.
Here the death is simulated deterministically: the saver raises instead of writing the checkpoint of one
chosen step, then a fresh service (a restarted worker) must carry the case on from where it stood.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from typing import Any

import pytest
from langgraph.checkpoint.sqlite import SqliteSaver

from core.models import ApprovalDecision
from core.settings import Settings
from core.store.approvals import list_approvals
from core.store.cases import read_timeline
from graph.context import WorkflowContext
from graph.roster import Roster
from graph.service import CaseService
from knowledge.fake import FakeKnowledgeBase
from tests.graph.conftest import make_service
from tests.utils.fakes import Clock, FakePolicy, red_assessment


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs, and nothing catches it as an ordinary error."""


class DyingSaver(SqliteSaver):
    """Raises instead of saving the checkpoint of step `die_at` (the task writes before it are saved)."""

    def __init__(self, connection: sqlite3.Connection, die_at: int):
        super().__init__(connection)
        self.die_at = die_at

    def put(self, config: Any, checkpoint: Any, metadata: Any, new_versions: Any) -> Any:
        if metadata.get("step") == self.die_at:
            raise Killed(f"died before the checkpoint of step {self.die_at}")
        return super().put(config, checkpoint, metadata, new_versions)


def _dying_service(settings: Settings, engine: Any, clock: Clock, die_at: int) -> tuple[CaseService, Any]:
    connection = sqlite3.connect(str(settings.checkpoint_path), check_same_thread=False, timeout=30)
    saver = DyingSaver(connection, die_at)
    saver.setup()
    context = WorkflowContext(engine=engine, settings=settings, policy=FakePolicy(),
                              knowledge=FakeKnowledgeBase(), roster=Roster.load(), clock=clock)
    return CaseService(context, saver), connection


def _pending_actions(engine: Any) -> list[str]:
    return [a.request.action for a in list_approvals(engine)]


# Steps: 0 = after START wrote the input, 1 = after detect, 2 = after triage (the brief approval is
# asked at step 2), 3 = after the brief was approved.
@pytest.mark.parametrize("die_at", [0, 1, 2])
@pytest.mark.parametrize("healed_by", ["recover", "start_again"])
def test_a_first_run_cut_between_nodes_is_finished_not_lost(settings: Settings, history: Any, clock: Clock,
                                                            die_at: int, healed_by: str) -> None:
    dying, connection = _dying_service(settings, history, clock, die_at)
    with pytest.raises(Killed):
        dying.start_case(red_assessment())
    connection.close()
    assert _pending_actions(history) == []

    service, checkpointer = make_service(settings, history, clock)
    try:
        if healed_by == "recover":
            assert service.recover()["resumed"] == 1
        else:  # the caller retries POST /cases after a lost answer
            service.start_case(red_assessment())
        assert _pending_actions(history) == ["validate_brief"]
        (case_id,) = {a.case_id for a in list_approvals(history)}
        assert Counter(e.kind for e in read_timeline(history, case_id))["opened"] == 1  # detect ran once
        assert service.recover() == {"applied": 0, "mirrored": 0, "resumed": 0, "failed": 0}
    finally:
        checkpointer.close()


def test_an_approval_whose_run_died_after_the_node_finished_is_carried_on(settings: Settings, history: Any,
                                                                           clock: Clock) -> None:
    service, checkpointer = make_service(settings, history, clock)
    case_id, _ = service.start_case(red_assessment())
    (brief,) = list_approvals(history)
    checkpointer.close()

    dying, connection = _dying_service(settings, history, clock, die_at=3)
    with pytest.raises(Killed):
        dying.decide(brief.id, ApprovalDecision(type="approve", actor="Priya Raman"))
    snapshot = dying.graph.get_state(dying._config(case_id))
    assert snapshot.next == () and not snapshot.interrupts  # looks finished: no next node, nothing pending
    connection.close()

    service, checkpointer = make_service(settings, history, clock)
    try:
        counts = service.recover()
        assert counts["applied"] == 0 and counts["failed"] == 0  # the thread had consumed the decision...
        assert _pending_actions(history) == ["send_customer_update"]  # ...and now runs on to the next step
        statuses = {a.request.action: a.status for a in list_approvals(history, status=None)}
        assert statuses == {"validate_brief": "applied", "send_customer_update": "pending"}
        decisions = [e for e in read_timeline(history, case_id) if e.kind == "decision"]
        assert len(decisions) == 1  # the decision is on the timeline once
    finally:
        checkpointer.close()
