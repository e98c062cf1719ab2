"""The demo's reviewer answers every step: an article with no resolution evidence gets a written solution."""

from __future__ import annotations

from api.cli.demo_case import article_decision
from core.models import ApprovalDecision
from core.store.approvals import list_approvals
from core.store.cases import read_timeline
from graph.service import CaseService
from tests.graph.conftest import clock, history, service  # noqa: F401 - fixtures
from tests.utils.fakes import red_assessment


def _decide(svc: CaseService, case_id: str, decision: dict) -> str:  # type: ignore[type-arg]
    (pending,) = list_approvals(svc.context.engine, case_id=case_id)
    svc.decide(pending.id, ApprovalDecision(actor="demo reviewer", **decision))
    return pending.request.action


def test_an_article_without_resolution_evidence_is_edited_with_the_cases_solution(service: CaseService) -> None:  # noqa: F811
    case_id, _ = service.start_case(red_assessment())
    assert _decide(service, case_id, {"type": "approve"}) == "validate_brief"
    assert _decide(service, case_id, {"type": "approve"}) == "send_customer_update"  # no resolution note
    (pending,) = list_approvals(service.context.engine, case_id=case_id)
    assert pending.request.action == "publish_article" and "approve" not in pending.request.allowed_decisions
    decision = article_decision(service, case_id)
    assert decision["type"] == "edit"
    _decide(service, case_id, decision)
    (published,) = [e for e in read_timeline(service.context.engine, case_id) if e.kind == "article_published"]
    assert published.payload["published"]["solution"] == decision["edited_payload"]["article"]["solution"]
