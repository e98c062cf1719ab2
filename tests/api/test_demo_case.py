"""The demo's reviewer: it waits for the model's draft of the step it decides, and an article with no
resolution evidence gets a written solution."""

from __future__ import annotations

import dataclasses

from agent.llm import FakeModel
from api.cli.demo_case import InlineDrafts, article_decision
from api.cli.demo_case import _decide as demo_decide
from core.models import ApprovalDecision
from core.store.approvals import list_approvals
from core.store.cases import read_timeline
from graph.service import CaseService
from tests.api.conftest import store_assessment
from tests.graph.conftest import clock, history, service  # noqa: F401 - fixtures
from tests.graph.test_model_drafts import _grounded_brief
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


def test_the_demo_drafts_the_step_it_decides_with_the_model_first(service: CaseService) -> None:  # noqa: F811
    service.context = dataclasses.replace(service.context, model=FakeModel(responder=_grounded_brief),
                                          drafts=InlineDrafts(),
                                          settings=service.context.settings.model_copy(update={"llm_enabled": True}))
    store_assessment(service.context.engine, red_assessment())
    case_id, _ = service.start_case(red_assessment())
    assert service.context.model.calls == []  # opening the case did not wait for the model
    action, proposal = demo_decide(service, case_id, {"type": "approve"})
    assert action == "validate_brief" and proposal["draft"]["source"] == "model"
    assert service.state(case_id)["brief"]["intent"]["text"] == "Speak to your manager about SSO"
