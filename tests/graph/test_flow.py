"""Whole cases through every interrupt: approvals, edits, conflicts, FCR, de-escalation, knowledge loop."""

from __future__ import annotations

import pytest

from core.models import ApprovalDecision
from core.store.approvals import ApprovalConflict, ApprovalNotFound, list_approvals
from core.store.cases import get_escalation, read_timeline
from core.store.ledger import read_measurements, read_outbox
from graph.service import CaseService
from tests.graph.conftest import make_service
from tests.utils.events import message
from tests.utils.fakes import Clock, red_assessment


def _approve(service: CaseService, actor: str = "Priya Raman", **kw) -> str:  # type: ignore[no-untyped-def]
    (pending,) = list_approvals(service.context.engine)
    service.decide(pending.id, ApprovalDecision(type=kw.pop("type", "approve"), actor=actor, **kw))
    return pending.request.action


def _close_out(service: CaseService) -> None:
    """Approve the brief, the update (saying what fixed it) and the article."""
    _approve(service)
    _approve(service, comment="Re-uploaded the SAML metadata for the EU users")
    _approve(service)


def test_a_case_runs_every_phase_with_human_decisions(service: CaseService, clock: Clock) -> None:
    case_id, created = service.start_case(red_assessment())
    assert created
    case = get_escalation(service.context.engine, case_id)
    assert case.phase.value == "triage" and case.owner and case.tier.value == "T2"
    assert {m.role.value for m in case.swarm} >= {"csm"}
    assert set(case.sla_due) == {"first_response", "next_update"}
    assert not read_outbox(service.context.engine, kind="customer_update")  # nothing sent before approval

    assert _approve(service) == "validate_brief"
    edited = {"subject": "Update on your SSO issue", "body": "We re-issued the SAML metadata; please retry."}
    assert _approve(service, type="edit", edited_payload=edited, comment="Re-uploaded metadata") \
        == "send_customer_update"
    sent = read_outbox(service.context.engine, kind="customer_update")
    assert len(sent) == 1 and sent[0]["payload"]["body"] == edited["body"]
    approved_entry = [e for e in read_timeline(service.context.engine, case_id)
                      if e.kind == "customer_update_approved"][0]
    assert approved_entry.payload["approved"]["body"] == edited["body"]
    assert approved_entry.payload["original"]["body"] != edited["body"]  # both kept

    assert _approve(service) == "publish_article"
    assert service.pending_interrupt(case_id)["kind"] == "timer"
    assert service.tick() == []  # the FCR window is still open
    clock.advance(hours=49)
    assert service.tick() == [case_id]
    case = get_escalation(service.context.engine, case_id)
    assert case.closed_at is not None and case.outcome.value in ("resolved", "saved")
    kinds = {m.kind.value for m in read_measurements(service.context.engine)}
    assert {"reviewed", "confirmed", "action_taken", "fcr"} <= kinds


def test_unknown_and_stale_decisions_fail_loudly(service: CaseService) -> None:
    service.start_case(red_assessment())
    with pytest.raises(ApprovalNotFound):
        service.decide("apr-does-not-exist", ApprovalDecision(type="approve", actor="x"))
    (pending,) = list_approvals(service.context.engine)
    service.decide(pending.id, ApprovalDecision(type="approve", actor="Priya Raman"))
    with pytest.raises(ApprovalConflict):  # double submit applies once
        service.decide(pending.id, ApprovalDecision(type="approve", actor="Priya Raman"))
    decisions = [e for e in read_timeline(service.context.engine, pending.case_id) if e.kind == "decision"]
    assert len(decisions) == 1


def test_rejecting_the_brief_closes_as_false_positive(service: CaseService) -> None:
    case_id, _ = service.start_case(red_assessment())
    _approve(service, type="reject", comment="Customer is loud but happy")
    case = get_escalation(service.context.engine, case_id)
    assert case.outcome.value == "false_positive" and case.closed_at is not None
    assert "false_positive" in {m.kind.value for m in read_measurements(service.context.engine)}


def test_respond_redrafts_the_brief_as_a_new_step(service: CaseService) -> None:
    service.start_case(red_assessment())
    _approve(service, type="respond", comment="The customer also mentioned the renewal call")
    pending = list_approvals(service.context.engine)
    assert len(pending) == 1 and pending[0].request.step.endswith("a1")


def test_followup_within_48h_reopens(service: CaseService, clock: Clock, history) -> None:  # type: ignore[no-untyped-def]
    from core.ingest import ingest_objects

    case_id, _ = service.start_case(red_assessment())
    _close_out(service)
    clock.advance(hours=5)
    ingest_objects(history, [message("e-m9", "m-9", "SSO login fails again for our EU users, same SAML error.",
                                     at=clock.now)])
    clock.advance(hours=1)
    service.tick()  # still inside the window: nothing due yet
    clock.advance(hours=50)
    service.tick()
    timeline = read_timeline(service.context.engine, case_id)
    assert "reopened" in [e.kind for e in timeline]
    (pending,) = list_approvals(service.context.engine)
    assert pending.request.action == "validate_brief" and "#r1" in pending.request.step


def test_resume_in_a_new_service_instance(settings, history, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    first, cp1 = make_service(settings, history, clock)
    case_id, _ = first.start_case(red_assessment())
    cp1.close()
    second, cp2 = make_service(settings, history, clock)
    (pending,) = list_approvals(history)
    second.decide(pending.id, ApprovalDecision(type="approve", actor="Priya Raman"))
    assert second.pending_interrupt(case_id)["request"]["action"] == "send_customer_update"
    cp2.close()


def test_a_thank_you_on_the_same_ticket_does_not_reopen(settings, history, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    from agent.sentiment.lexicon import LexiconSentiment
    from core.ingest import ingest_objects
    from graph.context import WorkflowContext

    service, checkpointer = make_service(settings, history, clock)
    service.context = WorkflowContext(**{**service.context.__dict__, "sentiment": LexiconSentiment()})
    case_id, _ = service.start_case(red_assessment())
    _close_out(service)
    clock.advance(hours=2)
    ingest_objects(history, [message("e-m8", "m-8", "Thank you so much, SSO works perfectly now. Great job!",
                                     at=clock.now)])
    clock.advance(hours=50)
    service.tick()
    kinds = [e.kind for e in read_timeline(history, case_id)]
    assert "reopened" not in kinds and "closed" in kinds
    checkpointer.close()


def test_recover_starts_a_case_opened_before_a_crash_stopped_its_first_run(service: CaseService) -> None:
    from core.store.cases import open_escalation
    from tests.api.conftest import store_assessment

    assessment = red_assessment()
    store_assessment(service.context.engine, assessment)
    case, _ = open_escalation(service.context.engine, assessment.account_id, service.context.clock())
    assert service.pending_interrupt(case.id) is None  # opened, then the process died
    assert service.recover()["resumed"] == 1
    (pending,) = list_approvals(service.context.engine, case_id=case.id)
    assert pending.request.action == "validate_brief"


def _counting_checkpoint_reads(service: CaseService) -> list[str]:
    """Count the service's checkpoint reads (each `get_state` is one read of a case's thread)."""
    reads: list[str] = []
    real = service.graph.get_state

    def get_state(config, *args, **kwargs):  # type: ignore[no-untyped-def]
        reads.append(config["configurable"]["thread_id"])
        return real(config, *args, **kwargs)

    service.graph.get_state = get_state  # type: ignore[method-assign]
    return reads


def test_the_minute_round_reads_only_cases_that_need_it(service: CaseService, clock: Clock) -> None:
    """Recovery reads only cases whose last run did not finish; the timer round only cases whose timer
    is due. A settled case costs no checkpoint read; a timer still fires when its time comes."""
    from core.db import schema as t
    from core.store.case_runs import due_cases, unsettled_cases

    case_id, _ = service.start_case(red_assessment())
    assert unsettled_cases(service.context.engine) == []  # ran to its first approval: settled
    reads = _counting_checkpoint_reads(service)
    assert service.recover() == {"applied": 0, "mirrored": 0, "resumed": 0, "failed": 0}
    assert service.tick() == []
    assert reads == []

    _close_out(service)  # brief, update, article: now paused on the FCR timer
    until = service.pending_interrupt(case_id)["until"]
    with service.context.engine.connect() as c:
        (row,) = c.execute(t.case_runs.select()).mappings()
    assert row["settled"] and row["next_due_at"].isoformat() == until
    reads.clear()
    assert service.tick() == [] and reads == []  # the window is open: no checkpoint read
    clock.advance(hours=49)
    assert due_cases(service.context.engine, clock()) == [case_id]
    assert service.tick() == [case_id]
    assert get_escalation(service.context.engine, case_id).closed_at is not None


def test_a_case_not_marked_settled_is_recovered_and_then_settled(service: CaseService) -> None:
    """An open case with no record of its run (opened before this record existed, or a crash during a
    run) is looked at by recovery, which mirrors its approval and marks it settled."""
    from core.db import schema as t
    from core.store.case_runs import unsettled_cases

    case_id, _ = service.start_case(red_assessment())
    with service.context.engine.begin() as c:
        c.execute(t.case_runs.delete())
        c.execute(t.approvals.delete())  # as if the run died after its checkpoint, before the mirror
    assert unsettled_cases(service.context.engine) == [(case_id, red_assessment().account_id)]
    assert service.recover()["mirrored"] == 1
    assert [a.request.action for a in list_approvals(service.context.engine)] == ["validate_brief"]
    assert unsettled_cases(service.context.engine) == []
