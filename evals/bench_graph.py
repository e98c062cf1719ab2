"""Case-graph benchmark: run+resume cycles/s of the real case workflow vs a bare one-node LangGraph graph.

One cycle of the real graph: `CaseService.start_case` (detect -> triage with an extractive brief ->
pause at the brief approval, checkpointed) and one approval decision (resume -> resolve -> pause at
the outreach approval). Collaborators: a SQLite store and checkpointer (as `serve` uses by default),
a fixed triage policy, the in-memory fake knowledge base and no model. The baseline, measured in the
same run on the same kind of checkpointer: a graph with one node that calls `interrupt()`, invoked
and then resumed. The ratio says what the workflow costs over LangGraph's own floor.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypedDict

from core.events import AccountUpserted, MessageCreated
from core.models import (
    Account,
    ApprovalDecision,
    ArrTier,
    AuthorSide,
    Band,
    Channel,
    Evidence,
    Message,
    RiskAssessment,
    RiskSignal,
    Role,
    SupportTier,
)
from core.settings import Settings

T0 = datetime(2026, 10, 1, 9, tzinfo=UTC)


class _FixedPolicy:
    """Triage without the rule engine, so the graph's own cost is what is measured."""

    def triage(self, assessment: RiskAssessment, account: Account, case_text: str) -> Any:
        from graph.policy import RoleAssignment, TriageDecision

        return TriageDecision(tier=SupportTier.t2, tier_rule="BENCH", fired=["BENCH"],
                              roles=[RoleAssignment(role=Role.csm, reason="bench", rule_id="BENCH")],
                              sla_hours={"first_response": 1, "next_update": 4})

    def exit(self, assessment: RiskAssessment, account: Account, followed_up: bool, hours: float) -> Any:
        from graph.policy import ExitDecision

        return ExitDecision(ok=True, unmet=[], fired=[])


def _events(n: int) -> list[Any]:
    out: list[Any] = []
    for i in range(n):
        acc = Account(id=f"bench-{i}", name=f"Bench {i} Ltd", arr=120_000, tier=ArrTier.enterprise)
        msg = Message(id=f"bench-{i}-m1", ticket_id=f"bench-{i}-t1", account_id=acc.id, author_side=AuthorSide.customer,
                      author_id="c", channel=Channel.email, created_at=T0,
                      text="This has been open for weeks. I need to speak to your manager about the export.")
        out.append(AccountUpserted(event_id=f"a:{acc.id}", type="account.upserted", occurred_at=T0, payload=acc))
        out.append(MessageCreated(event_id=f"m:{msg.id}", type="message.created", occurred_at=T0, payload=msg))
    return out


def _assessment(i: int) -> RiskAssessment:
    signal = RiskSignal(kind="escalation_language", value=1.0, weight=80.0, confidence=0.9, rule_id="SIG-TXT-ESCALATION",
                        evidence=[Evidence(record_type="message", record_id=f"bench-{i}-m1",
                                           quote="I need to speak to your manager", at=T0)])
    return RiskAssessment(account_id=f"bench-{i}", score=80.0, band=Band.red, confidence=0.9, needs_review=False,
                          signals=[signal], triggered_rules=["TRG-001"], ruleset_version="bench", assessed_at=T0)


def _real_cycles(settings: Settings, cycles: int) -> float:
    from core.db import open_database
    from core.ingest import write_events
    from core.store.approvals import list_approvals
    from graph.checkpoint import open_checkpointer
    from graph.context import WorkflowContext
    from graph.roster import Roster
    from graph.service import CaseService
    from knowledge.fake import FakeKnowledgeBase

    engine = open_database(settings)
    write_events(engine, _events(cycles + 1))
    checkpointer = open_checkpointer(settings)
    clock = lambda: T0 + timedelta(hours=1)  # noqa: E731
    context = WorkflowContext(engine=engine, settings=settings, policy=_FixedPolicy(), knowledge=FakeKnowledgeBase(),
                              roster=Roster.load(), clock=clock)
    service = CaseService(context, checkpointer.saver)
    try:
        def cycle(i: int) -> None:
            case_id, _ = service.start_case(_assessment(i))
            (pending,) = list_approvals(engine, case_id=case_id)
            service.decide(pending.id, ApprovalDecision(type="approve", actor="Bench Reviewer"))

        cycle(cycles)  # warm-up: imports, first checkpoint tables
        start = time.perf_counter()
        for i in range(cycles):
            cycle(i)
        return cycles / (time.perf_counter() - start)
    finally:
        checkpointer.close()
        engine.dispose()


class _S(TypedDict, total=False):
    n: int
    answer: str


def _bare_cycles(settings: Settings, cycles: int) -> float:
    from langgraph.graph import END, START, StateGraph
    from langgraph.types import Command, interrupt

    from graph.checkpoint import open_checkpointer

    def ask(state: _S) -> _S:
        return {"answer": str(interrupt({"kind": "approval"}))}

    builder = StateGraph(_S)
    builder.add_node("ask", ask)
    builder.add_edge(START, "ask")
    builder.add_edge("ask", END)
    checkpointer = open_checkpointer(settings)
    graph = builder.compile(checkpointer=checkpointer.saver)
    try:
        def cycle(i: int) -> None:
            config = {"configurable": {"thread_id": f"bare-{i}"}}
            graph.invoke({"n": i}, config, durability="sync")
            graph.invoke(Command(resume="approve"), config, durability="sync")

        cycle(-1)
        start = time.perf_counter()
        for i in range(cycles):
            cycle(i)
        return cycles / (time.perf_counter() - start)
    finally:
        checkpointer.close()


@dataclass
class GraphBench:
    cycles: int
    real_cycles_per_s: float
    bare_cycles_per_s: float

    @property
    def ratio(self) -> float:
        return self.real_cycles_per_s / self.bare_cycles_per_s

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": round(self.ratio, 3)}


def run_graph_bench(cycles: int = 30) -> GraphBench:
    with tempfile.TemporaryDirectory(prefix="redaccount-bench-graph-") as tmp:
        real = _real_cycles(Settings(data_dir=Path(tmp) / "real", llm_enabled=False), cycles)
        bare = _bare_cycles(Settings(data_dir=Path(tmp) / "bare", llm_enabled=False), cycles)
    return GraphBench(cycles, round(real, 2), round(bare, 2))
