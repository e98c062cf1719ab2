"""Running case threads: start, decide an approval (exactly once), tick timers, recover after a crash.

The API and CLI call this; it is the only place that invokes or resumes the graph. LangGraph silently
ignores a resume value for no pending interrupt and starts afresh for an unknown thread, so every
decision is checked against the interrupt that is actually pending before anything is resumed.

Several API workers may share one database: a thread is only ever run under its case lock (an advisory
lock on PostgreSQL), and what to run is decided again once the lock is held, so a decision applied by one
worker is never applied again by another worker's recovery or tick.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from langgraph.types import Command

from core.db.locks import NamedLocks
from core.models import ApprovalDecision, ApprovalRequest, RiskAssessment, TimelineEntry
from core.models.edits import EditRefused, settle_decision
from core.store import approvals as approval_store
from core.store.approvals import DecisionFailed
from core.store.case_runs import due_cases, mark_running, mark_settled, unsettled_cases
from core.store.cases import (
    CaseNotFound,
    append_timeline,
    get_escalation,
    open_escalation,
    thread_id_of,
)
from core.store.ledger import audit, enqueue_outbound
from graph.approval import TIMER
from graph.build import build_graph
from graph.context import WorkflowContext
from graph.model_drafts import model_configured

log = logging.getLogger(__name__)


class CaseService:
    def __init__(self, context: WorkflowContext, checkpointer: Any, locks: NamedLocks | None = None):
        self.context = context
        self.graph = build_graph(checkpointer)
        self.locks = locks or NamedLocks(context.engine)

    def _case_lock(self, case_id: str):  # type: ignore[no-untyped-def]
        return self.locks.hold(f"case:{case_id}")

    # ---- reading ------------------------------------------------------------------------------------

    def _config(self, case_id: str) -> dict[str, Any]:
        return {"configurable": {"thread_id": thread_id_of(self.context.engine, case_id)}}

    def pending_interrupt(self, case_id: str) -> dict[str, Any] | None:
        """The value of the interrupt the thread is paused at, if any."""
        snapshot = self.graph.get_state(self._config(case_id))
        for task in snapshot.tasks:
            for pending in task.interrupts:
                return dict(pending.value)
        return None

    def state(self, case_id: str) -> dict[str, Any]:
        return dict(self.graph.get_state(self._config(case_id)).values)

    # ---- running ------------------------------------------------------------------------------------

    def _run(self, case_id: str, payload: Any) -> None:
        """Invoke or resume the thread; the caller holds the case lock. The case is marked not settled
        for the run (a crash leaves it so: recovery looks at it) and settled, with its next timer, once the
        run finished and its pending approval is mirrored."""
        mark_running(self.context.engine, case_id, self.context.clock())
        self.graph.invoke(payload, self._config(case_id), context=self.context, durability="sync")
        self._settle(case_id, self._record_pending(case_id))

    def _settle(self, case_id: str, pending: dict[str, Any] | None) -> None:
        """Record that the thread is at rest, waiting on `pending`; the caller holds the case lock. A timer
        whose time cannot be read is left not settled (looked at every round, as before)."""
        due = None
        if pending and pending.get("kind") == TIMER:
            try:
                due = datetime.fromisoformat(str(pending["until"]))
            except (KeyError, ValueError):
                return
            due = due if due.tzinfo else due.replace(tzinfo=UTC)
        mark_settled(self.context.engine, case_id, due, self.context.clock())

    def _record_pending(self, case_id: str) -> dict[str, Any] | None:
        """Mirror the thread's pending approval into the inbox (idempotent) and notify once; returns the
        pending interrupt's value, if any."""
        pending = self.pending_interrupt(case_id)
        if not pending or pending.get("kind") != "approval":
            return pending
        request = ApprovalRequest.model_validate(pending["request"])
        now = self.context.clock()
        approval_id, created = approval_store.request_approval(
            self.context.engine, request, thread_id_of(self.context.engine, case_id), now)
        if created and self.context.drafts is not None and model_configured(self.context):
            # The extractive proposal is approvable now; the model's draft is a job that may replace it.
            self.context.drafts.request(case_id, request.step)
        if created:
            enqueue_outbound(self.context.engine, f"notify:{approval_id}", "notification",
                             {"event": "approval_waiting", "approval_id": approval_id, "case_id": case_id,
                              "action": request.action, "assigned_to": request.assigned_to}, now, case_id=case_id)
        return pending

    def start_case(self, assessment: RiskAssessment, actor: str = "system:detect") -> tuple[str, bool]:
        """Open (or find) the account's Red case and run it to its first pause. Returns (case id, created)."""
        case, created = open_escalation(self.context.engine, assessment.account_id, self.context.clock())
        with self._case_lock(case.id):
            if self._has_checkpoint(case.id):
                # Already running, or a crash stopped its first run part-way: finish that run, never start over.
                self._continue_interrupted(case.id)
                return case.id, created
            # Not run yet: just opened, or a crash between opening the record and the first checkpoint.
            audit(self.context.engine, self.context.clock(), actor, "start_case", f"case:{case.id}", "ok",
                  {"account_id": assessment.account_id, "score": assessment.score})
            enqueue_outbound(self.context.engine, f"notify:opened:{case.id}", "notification",
                             {"event": "case_opened", "case_id": case.id, "account_id": case.account_id,
                              "score": assessment.score}, self.context.clock(), case_id=case.id)
            self._run(case.id, {"case_id": case.id, "account_id": case.account_id,
                                "assessment": assessment.model_dump(mode="json")})
        return case.id, created

    def decide(self, approval_id: str, decision: ApprovalDecision) -> approval_store.ApprovalRecord:
        """Apply one human decision. Unknown -> ApprovalNotFound; not pending -> ApprovalConflict; breaks the
        step's contract -> EditRefused (nothing recorded); could not be applied -> DecisionFailed (the
        approval is marked failed with the error and may be decided again). All outcomes are audited."""
        engine, now = self.context.engine, self.context.clock()
        target = f"approval:{approval_id}"
        try:
            record = approval_store.get_approval(engine, approval_id)
        except approval_store.ApprovalNotFound:
            audit(engine, now, decision.actor, "decide", target, "not_found", {"type": decision.type})
            raise
        pending = self.pending_interrupt(record.case_id)
        if (record.status not in approval_store.DECIDABLE or not pending or pending.get("kind") != "approval"
                or pending["request"]["step"] != record.step):
            audit(engine, now, decision.actor, "decide", target, "conflict",
                  {"type": decision.type, "status": record.status})
            raise approval_store.ApprovalConflict(f"approval {approval_id} is not pending (status {record.status})")
        try:  # validate against what the inbox shows (a later draft may have replaced the step's own proposal)
            decision = settle_decision(record.request, decision)
        except EditRefused as exc:
            audit(engine, now, decision.actor, "decide", target, "invalid", {"type": decision.type,
                                                                            "errors": exc.errors[:5]})
            raise
        try:
            claimed = approval_store.claim_decision(engine, approval_id, decision, now)
        except approval_store.ApprovalConflict:
            audit(engine, now, decision.actor, "decide", target, "conflict", {"type": decision.type})
            raise
        audit(engine, now, decision.actor, "decide", target, "ok", {"type": decision.type})
        if record.status == "failed":
            # The node logs a step's decision once; a retry after a failure is recorded here.
            append_timeline(engine, TimelineEntry(
                escalation_id=record.case_id, at=now, kind="decision_retried", actor=decision.actor,
                payload={"approval_id": approval_id, "step": record.step, "type": decision.type,
                         "edited_payload": decision.edited_payload, "previous_error": record.error}))
        self._apply(claimed)
        record = approval_store.get_approval(engine, approval_id)
        if record.status == "failed":
            (failure,) = [f for f in approval_store.list_failures(engine, case_id=record.case_id)
                          if f.approval_id == approval_id]
            raise DecisionFailed(approval_id, failure.error)
        return record

    def _apply(self, record: approval_store.ApprovalRecord) -> str:
        """Resume the thread with a claimed decision, once: re-checked under the case lock.

        Returns "applied", "skipped" (nothing left to do) or "failed": a decision the workflow could not
        apply is marked failed with its error and put on the case's timeline, never left "decided" for
        recovery to fail on forever.
        """
        with self._case_lock(record.case_id):
            record = approval_store.get_approval(self.context.engine, record.id)
            if record.status != "decided":
                return "skipped"  # another worker (or an earlier run of this one) applied it
            assert record.decision is not None
            try:
                pending = self.pending_interrupt(record.case_id)
                if pending and pending.get("kind") == "approval" and pending["request"]["step"] == record.step:
                    self._run(record.case_id, Command(resume=record.decision.model_dump(mode="json")))
                    outcome = "applied"
                else:
                    # The thread moved past this step before a crash stopped mark_applied; if the crash hit
                    # between two nodes, finish that run from its last checkpoint first.
                    self._continue_interrupted(record.case_id)
                    outcome = "skipped"
            except Exception as exc:  # noqa: BLE001 - any failure is recorded on the approval and the case
                log.exception("decision %s on approval %s of case %s could not be applied",
                              record.decision.type, record.id, record.case_id)
                self._record_failure(record, exc)
                return "failed"
            approval_store.mark_applied(self.context.engine, record.id)
        return outcome

    def _record_failure(self, record: approval_store.ApprovalRecord, exc: Exception) -> None:
        engine, now = self.context.engine, self.context.clock()
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if approval_store.mark_failed(engine, record.id, error, now):
            decision_type = record.decision.type if record.decision else "?"
            append_timeline(engine, TimelineEntry(
                escalation_id=record.case_id, at=now, kind="decision_failed", actor="system:workflow",
                payload={"approval_id": record.id, "step": record.step, "type": decision_type, "error": error}))

    def _continue_interrupted(self, case_id: str) -> bool:
        """Resume a run a crash stopped between nodes (no interrupt pending); caller holds the lock."""
        if not self._interrupted(case_id):
            return False
        self._run(case_id, None)
        return True

    def tick(self) -> list[str]:
        """Resume every case paused on a timer whose time has come. Returns the case ids resumed.

        Only the open cases whose recorded timer is due, or that are not settled, are read (`case_runs`);
        whether the thread really waits on a due timer is checked on its checkpoint, again under the lock."""
        resumed = []
        now = self.context.clock()
        for case_id in due_cases(self.context.engine, now):
            if not self._due(case_id, now.isoformat()):
                continue
            with self._case_lock(case_id):
                if self._due(case_id, now.isoformat()):
                    self._run(case_id, Command(resume={"type": "tick", "at": now.isoformat()}))
                    resumed.append(case_id)
        return resumed

    def _due(self, case_id: str, now: str) -> bool:
        pending = self.pending_interrupt(case_id)
        return bool(pending and pending.get("kind") == TIMER and pending["until"] <= now)

    def recover(self) -> dict[str, int]:
        """After a crash: apply decided-but-unapplied approvals, finish runs a crash stopped between nodes,
        and mirror pending interrupts into the inbox. A decision that cannot be applied is marked failed
        (surfaced in the inbox and on the case, decided again by a person), not retried every round.

        One case that cannot be recovered (a node that keeps failing) is logged and counted in `failed`;
        it must not keep every other case, or a worker's start-up, from recovering.

        Only open cases not settled are read (`case_runs`: a run started and did not finish, or none was
        recorded); a case found at rest is marked settled, so the next round skips it.
        """
        counts = {"applied": 0, "mirrored": 0, "resumed": 0, "failed": 0}
        for record in approval_store.list_approvals(self.context.engine, status="decided"):
            try:
                outcome = self._apply(record)
            except Exception:  # noqa: BLE001 - isolate one broken case (even recording its failure failed)
                log.exception("recovery could not apply approval %s of case %s", record.id, record.case_id)
                outcome = "failed"
            counts["applied"] += outcome == "applied"
            counts["failed"] += outcome == "failed"
        for case_id, account_id in unsettled_cases(self.context.engine):
            try:
                self._recover_case(case_id, account_id, counts)
            except Exception:  # noqa: BLE001 - same: log, count, go on with the other cases
                log.exception("recovery could not resume case %s", case_id)
                counts["failed"] += 1
        return counts

    def _recover_case(self, case_id: str, account_id: str, counts: dict[str, int]) -> None:
        if self._interrupted(case_id):
            with self._case_lock(case_id):
                counts["resumed"] += self._continue_interrupted(case_id)
        elif not self._has_checkpoint(case_id):
            counts["resumed"] += self._start_unstarted(case_id, account_id)
        before = len(approval_store.list_approvals(self.context.engine, case_id=case_id, status=None))
        with self._case_lock(case_id):
            pending = self._record_pending(case_id)
            if self._has_checkpoint(case_id) and not self._interrupted(case_id):
                self._settle(case_id, pending)
        counts["mirrored"] += len(approval_store.list_approvals(self.context.engine, case_id=case_id,
                                                                status=None)) - before

    def _start_unstarted(self, case_id: str, account_id: str) -> bool:
        """A crash between opening the case record and its first checkpoint: start it from the account's
        current (or last recorded) assessment, so no opened case is left without a thread."""
        assessment = self.context.assess(account_id) if self.context.assess else None
        if assessment is None:
            from rules.detect import latest_assessment

            assessment = latest_assessment(self.context.engine, account_id)
        if assessment is None:
            return False
        self.start_case(assessment, actor="system:recover")
        return True

    def _interrupted(self, case_id: str) -> bool:
        """The run stopped part-way: its last checkpoint still has tasks and none waits for an answer.

        `snapshot.next` is not enough: it leaves out tasks whose writes were saved, so a crash after a node
        finished but before the next checkpoint shows `next == ()` exactly like a finished thread. A finished
        thread has no tasks at all.
        """
        snapshot = self.graph.get_state(self._config(case_id))
        return bool(snapshot.tasks) and not any(task.interrupts for task in snapshot.tasks)

    def _has_checkpoint(self, case_id: str) -> bool:
        """Whether the thread was ever started (values can still be empty if it stopped in its first step)."""
        return self.graph.get_state(self._config(case_id)).created_at is not None

    def case_exists(self, case_id: str) -> bool:
        try:
            get_escalation(self.context.engine, case_id)
        except CaseNotFound:
            return False
        return True
