"""Issue 17: every approval kind applies an edit exactly as edited, refuses a bad one before claiming it,
and a decision that fails to apply is surfaced and retryable (no case left stuck)."""

from __future__ import annotations

import pytest

from core.models import ApprovalDecision, KnowledgeArticle
from core.models.edits import EditRefused
from core.store.approvals import get_approval, list_approvals, list_failures
from core.store.articles import list_articles
from core.store.cases import read_timeline
from core.store.ledger import read_outbox
from graph.service import CaseService, DecisionFailed
from knowledge.fake import FakeKnowledgeBase
from tests.graph.conftest import make_service
from tests.utils.fakes import Clock, red_assessment

OWNER = "Priya Raman"


def _pending(service: CaseService):  # type: ignore[no-untyped-def]
    (pending,) = list_approvals(service.context.engine)
    return pending


def _decide(service: CaseService, kind: str = "approve", **kw):  # type: ignore[no-untyped-def]
    pending = _pending(service)
    return service.decide(pending.id, ApprovalDecision(type=kind, actor=OWNER, **kw))


def test_issue_17_prefilled_brief_sent_back_unchanged_is_an_approval(service: CaseService) -> None:
    case_id, _ = service.start_case(red_assessment())
    pending = _pending(service)
    decided = _decide(service, "edit", edited_payload=pending.request.proposal)
    assert decided.status == "applied" and decided.decision.type == "approve"
    assert _pending(service).request.action == "send_customer_update"
    assert not [e for e in read_timeline(service.context.engine, case_id) if e.kind == "brief_edited"]


def test_issue_17_brief_source_string_is_refused_not_a_type_error(service: CaseService) -> None:
    service.start_case(red_assessment())
    pending = _pending(service)
    with pytest.raises(EditRefused) as refused:
        _decide(service, "edit", edited_payload={"brief": {"source": "x"}})
    assert refused.value.errors[0]["loc"] == ["edited_payload", "brief", "source"]
    assert get_approval(service.context.engine, pending.id).status == "pending"  # nothing claimed
    assert _decide(service).status == "applied"  # and the case still moves on


@pytest.mark.parametrize("shape", ["object", "string"])
def test_issue_17_brief_text_edit_is_applied_in_either_shape(service: CaseService, shape: str) -> None:
    case_id, _ = service.start_case(red_assessment())
    brief = _pending(service).request.proposal["brief"]
    new_intent = "Customer wants SSO fixed before the renewal call"
    value = {**brief["intent"], "text": new_intent} if shape == "object" else new_intent
    decided = _decide(service, "edit", edited_payload={"brief": {**brief, "intent": value}})
    assert decided.decision.edited_payload == {"brief": {"intent": new_intent}}
    assert service.state(case_id)["brief"]["intent"] == {**brief["intent"], "text": new_intent}
    (edited,) = [e for e in read_timeline(service.context.engine, case_id) if e.kind == "brief_edited"]
    assert edited.payload["original"]["intent"]["text"] == brief["intent"]["text"]
    assert edited.payload["edited"]["intent"]["text"] == new_intent


def test_outreach_edit_applies_subject_body_and_action_list(service: CaseService) -> None:
    case_id, _ = service.start_case(red_assessment())
    _decide(service)
    proposal = _pending(service).request.proposal
    actions = [{"action": "Call the customer's IT lead", "owner_role": "support_t2", "rationale": "", "citations": []}]
    _decide(service, "edit", edited_payload={**proposal, "body": "  Fixed.  ", "next_actions": actions})
    (sent,) = read_outbox(service.context.engine, kind="customer_update")
    assert sent["payload"]["body"] == "Fixed." and sent["payload"]["subject"] == proposal["subject"]
    assert service.state(case_id)["next_actions"]["actions"] == actions
    kinds = [e.kind for e in read_timeline(service.context.engine, case_id)]
    assert "next_actions_edited" in kinds and "customer_update_approved" in kinds


def test_article_edit_is_published_as_edited(service: CaseService) -> None:
    service.start_case(red_assessment())
    _decide(service)
    _decide(service)
    proposal = _pending(service).request.proposal
    article = {**proposal["article"], "title": "Re-upload SAML metadata after a rotation", "tags": ["sso", "saml"],
               "solution": "Re-upload the SAML metadata in the identity provider."}
    _decide(service, "edit", edited_payload={"article": article})
    (stored,) = [a for a in list_articles(service.context.engine) if a.id == proposal["article"]["id"]]
    assert stored.title == article["title"] and stored.tags == ["sso", "saml"] and stored.status.value == "approved"
    assert stored.solution == article["solution"]


class FailingOnce(FakeKnowledgeBase):
    def __init__(self) -> None:
        super().__init__()
        self.failures = 1

    def capture_article(self, article: KnowledgeArticle):  # type: ignore[no-untyped-def]
        if self.failures:
            self.failures -= 1
            raise ConnectionError("vector store unreachable")
        return super().capture_article(article)


def test_issue_17_a_decision_that_fails_to_apply_is_surfaced_and_retryable(settings, history, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    service, checkpointer = make_service(settings, history, clock, knowledge=FailingOnce())
    try:
        case_id, _ = service.start_case(red_assessment())
        _decide(service)
        _decide(service)
        pending = _pending(service)
        publish = {"kind": "edit", "edited_payload": {"article": {"solution": "Re-upload the SAML metadata."}}}
        with pytest.raises(DecisionFailed, match="vector store unreachable"):
            _decide(service, **publish)
        assert get_approval(service.context.engine, pending.id).status == "failed"
        (failure,) = list_failures(service.context.engine, case_id=case_id)
        assert failure.approval_id == pending.id and "ConnectionError" in failure.error
        assert "decision_failed" in [e.kind for e in read_timeline(service.context.engine, case_id)]
        assert service.recover()["failed"] == 0  # recovery does not spin on it
        retried = service.decide(pending.id, ApprovalDecision(type="edit", actor=OWNER,
                                                              edited_payload=publish["edited_payload"]))
        assert retried.status == "applied"
        (retry,) = [e for e in read_timeline(service.context.engine, case_id) if e.kind == "decision_retried"]
        assert "vector store unreachable" in retry.payload["previous_error"]
        assert service.pending_interrupt(case_id)["kind"] == "timer"
        assert list_failures(service.context.engine) == []
    finally:
        checkpointer.close()


def test_issue_17_a_stored_bad_decision_is_marked_failed_by_recovery_not_retried_forever(
        service: CaseService) -> None:
    from core.store.approvals import claim_decision

    service.start_case(red_assessment())
    pending = _pending(service)
    # What the old page form stored before the contract: a claimed edit the node cannot apply.
    bad = ApprovalDecision(type="edit", actor=OWNER, edited_payload={"brief": {"source": "x"}})
    claim_decision(service.context.engine, pending.id, bad, service.context.clock())
    assert service.recover()["failed"] == 1
    assert get_approval(service.context.engine, pending.id).status == "failed"
    assert service.recover()["failed"] == 0
    assert service.decide(pending.id, ApprovalDecision(type="approve", actor=OWNER)).status == "applied"
