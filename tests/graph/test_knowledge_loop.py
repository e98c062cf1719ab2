"""Closed-loop knowledge: an article approved on one case is found for the next similar case (real Chroma)."""

from __future__ import annotations

from core.models import ApprovalDecision
from core.store.approvals import list_approvals
from graph.checkpoint import open_checkpointer
from graph.context import WorkflowContext
from graph.roster import Roster
from graph.service import CaseService
from knowledge.base import ChromaKnowledgeBase
from tests.utils.fakes import FakePolicy, red_assessment


def test_approved_article_is_suggested_for_the_next_similar_case(settings, history, clock) -> None:  # type: ignore[no-untyped-def]
    knowledge = ChromaKnowledgeBase.from_settings(settings)
    checkpointer = open_checkpointer(settings)
    service = CaseService(WorkflowContext(engine=history, settings=settings, policy=FakePolicy(),
                                          knowledge=knowledge, roster=Roster.load(), clock=clock),
                          checkpointer.saver)
    service.start_case(red_assessment())
    for _ in range(2):
        (pending,) = list_approvals(history)
        service.decide(pending.id, ApprovalDecision(type="approve", actor="Priya Raman",
                                                    comment="Re-uploaded the rotated SAML certificate metadata"))
    (pending,) = list_approvals(history)
    assert pending.request.action == "publish_article"
    article_id = pending.request.proposal["article"]["id"]
    service.decide(pending.id, ApprovalDecision(type="approve", actor="Priya Raman"))

    # A new case with the same kind of problem: the approved article is among the suggestions, ranked first.
    results = knowledge.search("EU users cannot log in with SSO after SAML certificate rotation", k=5)
    assert results[0].id == article_id
    assert results[0].metadata.get("source_case_id") == pending.case_id
    checkpointer.close()
