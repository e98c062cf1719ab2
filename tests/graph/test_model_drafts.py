"""Issue 13: the case never waits for the model; a checked model draft replaces a proposal only while undecided."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta

import pytest

from agent.grounding import update_problems
from agent.llm import FakeModel
from core.ingest import ingest_objects
from core.models import ApprovalDecision
from core.settings import Settings
from core.store.approvals import claim_decision, get_approval, list_approvals, replace_proposal
from core.store.cases import read_timeline
from core.store.ledger import read_outbox
from graph.drafts import FakeDraftRequests
from graph.model_drafts import apply_model_draft
from graph.service import CaseService
from tests.api.conftest import store_assessment
from tests.graph.conftest import T_START, make_service
from tests.utils.events import iso
from tests.utils.fakes import Clock, red_assessment


def _grounded_brief(prompt, schema):  # type: ignore[no-untyped-def]
    # E1 is the customer's message, E2 the agent's reply (the order of the case block).
    return {"intent": {"text": "Speak to your manager about SSO", "refs": ["E1"]},
            "tried": {"text": "SAML certificate rotated; re-upload the metadata", "refs": ["E2"]},
            "results": {"text": "Open for weeks", "refs": ["E1"]},
            "status": {"text": "Metadata re-upload pending", "refs": ["E2"]},
            "escalation_reason": {"text": "Open for weeks, manager requested", "refs": ["E1"]}}


def _invented_brief(prompt, schema):  # type: ignore[no-untyped-def]
    text = {"text": "Admin fixed the webhook configuration on March 4", "refs": ["E1"]}
    return {name: text for name in ("intent", "tried", "results", "status", "escalation_reason")}


@pytest.fixture
def drafts() -> FakeDraftRequests:
    return FakeDraftRequests()


def _service(settings: Settings, history, clock: Clock, drafts: FakeDraftRequests, responder) -> Iterator[CaseService]:  # type: ignore[no-untyped-def]
    svc, checkpointer = make_service(settings, history, clock)
    svc.context = dataclasses.replace(svc.context, model=FakeModel(responder=responder), drafts=drafts,
                                      settings=settings.model_copy(update={"llm_enabled": True}))
    store_assessment(history, red_assessment())
    yield svc
    checkpointer.close()


@pytest.fixture
def grounded(settings, history, clock, drafts) -> Iterator[CaseService]:  # type: ignore[no-untyped-def]
    yield from _service(settings, history, clock, drafts, _grounded_brief)


@pytest.fixture
def inventing(settings, history, clock, drafts) -> Iterator[CaseService]:  # type: ignore[no-untyped-def]
    yield from _service(settings, history, clock, drafts, _invented_brief)


def test_the_brief_is_approvable_at_once_and_the_model_draft_is_only_requested(grounded, drafts) -> None:
    case_id, _ = grounded.start_case(red_assessment())
    (pending,) = list_approvals(grounded.context.engine)
    assert grounded.context.model.calls == []  # the step did not wait for the model
    assert pending.request.proposal["draft"]["source"] == "extractive"
    assert drafts.requested == [(case_id, pending.step)]


def test_a_checked_model_draft_replaces_the_undecided_proposal_and_is_what_gets_approved(grounded, drafts) -> None:
    case_id, _ = grounded.start_case(red_assessment())
    (pending,) = list_approvals(grounded.context.engine)
    assert apply_model_draft(grounded.context, case_id, pending.step) == "applied"
    shown = get_approval(grounded.context.engine, pending.id).request.proposal
    assert shown["draft"]["source"] == "model" and shown["brief"]["source"] == "model"
    assert "model_draft_applied" in [e.kind for e in read_timeline(grounded.context.engine, case_id)]
    grounded.decide(pending.id, ApprovalDecision(type="approve", actor="Priya Raman"))
    assert grounded.state(case_id)["brief"]["intent"]["text"] == "Speak to your manager about SSO"


def test_a_decided_approval_is_never_replaced(grounded) -> None:
    case_id, _ = grounded.start_case(red_assessment())
    (pending,) = list_approvals(grounded.context.engine)
    grounded.decide(pending.id, ApprovalDecision(type="approve", actor="Priya Raman"))
    assert apply_model_draft(grounded.context, case_id, pending.step) == "decided"
    assert get_approval(grounded.context.engine, pending.id).request.proposal["draft"]["source"] == "extractive"


def test_replacement_and_decision_race_for_one_row_and_one_wins(grounded) -> None:
    grounded.start_case(red_assessment())
    (pending,) = list_approvals(grounded.context.engine)
    claim_decision(grounded.context.engine, pending.id, ApprovalDecision(type="approve", actor="x"),
                   grounded.context.clock())
    assert replace_proposal(grounded.context.engine, pending.id, {"brief": "late"}) is False


def test_an_unsupported_model_draft_never_reaches_the_inbox(inventing) -> None:
    case_id, _ = inventing.start_case(red_assessment())
    (pending,) = list_approvals(inventing.context.engine)
    assert apply_model_draft(inventing.context, case_id, pending.step) == "rejected"
    shown = get_approval(inventing.context.engine, pending.id).request.proposal
    assert shown["draft"]["source"] == "extractive" and "webhook" not in str(shown["brief"])
    (entry,) = [e for e in read_timeline(inventing.context.engine, case_id) if e.kind == "model_draft_rejected"]
    assert "not in the cited evidence" in entry.payload["note"] or "supported" in entry.payload["note"]


def test_without_a_model_nothing_is_requested(settings, history, clock) -> None:  # type: ignore[no-untyped-def]
    svc, checkpointer = make_service(settings, history, clock)
    drafts = FakeDraftRequests()
    svc.context = dataclasses.replace(svc.context, drafts=drafts)
    svc.start_case(red_assessment())
    assert drafts.requested == []
    (pending,) = list_approvals(history)
    assert pending.request.proposal["brief"]["note"] == "extractive: model disabled"
    checkpointer.close()


def test_the_extractive_update_is_sendable_and_filled_from_the_record(grounded, history) -> None:
    ingest_objects(history, [
        {"event_id": "e-c1", "type": "contact.upserted", "occurred_at": iso(T_START - timedelta(days=3)),
         "payload": {"id": "c-1", "account_id": "acc-1", "name": "Nina Berg", "email": "nina@northwind.example"}},
        {"event_id": "e-m3", "type": "message.created", "occurred_at": iso(T_START - timedelta(minutes=30)),
         "payload": {"id": "m-3", "ticket_id": "t-1", "account_id": "acc-1", "author_side": "customer",
                     "author_id": "c-1", "text": "Any news on the SSO problem?",
                     "created_at": iso(T_START - timedelta(minutes=30))}},
    ])
    case_id, _ = grounded.start_case(red_assessment())
    (brief,) = list_approvals(grounded.context.engine)
    grounded.decide(brief.id, ApprovalDecision(type="approve", actor="Priya Raman"))
    (update,) = list_approvals(grounded.context.engine)
    body, owner = update.request.proposal["body"], update.request.assigned_to
    assert body.startswith("Hello Nina,") and f"I am {owner}" in body and body.rstrip().endswith("Engineer")
    assert "#t-1" in body and "You will hear from us again by" in body
    assert update_problems(body, allowed=[body.split("You will hear")[1].split("\n")[0]]) == []


def test_an_article_without_resolution_evidence_cannot_be_approved_as_drafted(grounded) -> None:
    case_id, _ = grounded.start_case(red_assessment())
    for _ in range(2):
        (pending,) = list_approvals(grounded.context.engine)
        grounded.decide(pending.id, ApprovalDecision(type="approve", actor="Priya Raman"))
    (article,) = list_approvals(grounded.context.engine)
    assert article.request.action == "publish_article"
    assert article.request.allowed_decisions == ["edit", "reject"]
    assert article.request.proposal["article"]["solution"].startswith("Unknown")
    grounded.decide(article.id, ApprovalDecision(type="edit", actor="Priya Raman",
                                                 edited_payload={"article": {"solution": "Re-uploaded the IdP metadata."}}))
    published = [e for e in read_timeline(grounded.context.engine, case_id) if e.kind == "article_published"]
    assert published[0].payload["published"]["solution"] == "Re-uploaded the IdP metadata."
    assert not read_outbox(grounded.context.engine, kind="customer_update") == []


def test_reviewers_edits_are_kept_as_examples_for_later_updates(grounded) -> None:
    from core.store.cases import edited_customer_updates

    grounded.start_case(red_assessment())
    (brief,) = list_approvals(grounded.context.engine)
    grounded.decide(brief.id, ApprovalDecision(type="approve", actor="Priya Raman"))
    (update,) = list_approvals(grounded.context.engine)
    edited = "Hello Nina,\n\nWe re-uploaded the SAML metadata for your EU users.\n\nKind regards,\nPriya"
    grounded.decide(update.id, ApprovalDecision(type="edit", actor="Priya Raman", edited_payload={"body": edited}))
    assert edited_customer_updates(grounded.context.engine) == [edited]
