"""Model drafts on the real job engine: a case opens with an extractive proposal at once, the model's draft
arrives from a huey worker thread (SQLite storage) and replaces it only while nobody has decided."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.llm import FakeModel
from core.ingest import ingest_objects
from core.models import ApprovalDecision
from core.settings import Settings
from core.store.approvals import ApprovalRecord, get_approval, list_approvals
from core.store.cases import read_timeline
from product import Product, build_product
from product.clock import FixedClock
from product.draft_jobs import QueuedDrafts
from tests.api.conftest import store_assessment
from tests.graph.conftest import T_START
from tests.graph.test_model_drafts import _grounded_brief
from tests.utils.events import account, message, ticket
from tests.utils.fakes import red_assessment


def _history() -> list[dict[str, Any]]:
    from datetime import timedelta

    return [account(), ticket("e-t1", subject="SSO login fails for EU users since the SAML certificate rotation"),
            message("e-m1", "m-1", "This has been open for weeks. I need to speak to your manager about SSO.",
                    at=T_START - timedelta(hours=2)),
            message("e-m2", "m-2", "We rotated the SAML certificate; please re-upload the metadata.", side="agent",
                    at=T_START - timedelta(hours=1))]


def _build(tmp_path: Path, model: FakeModel, **settings: Any) -> Product:
    product = build_product(Settings(data_dir=tmp_path / "d", llm_enabled=True, **settings),
                            clock=FixedClock(T_START), model=model)
    ingest_objects(product.engine, _history())
    store_assessment(product.engine, red_assessment())
    return product


@pytest.fixture
def model() -> FakeModel:
    return FakeModel(responder=_grounded_brief)


@pytest.fixture
def product(tmp_path: Path, model: FakeModel) -> Iterator[Product]:
    built = _build(tmp_path, model, jobs_url="")
    yield built
    built.close()


def _opened(product: Product) -> tuple[str, ApprovalRecord]:
    case_id, _ = product.cases.start_case(red_assessment())
    (pending,) = list_approvals(product.engine, case_id=case_id)
    return case_id, pending


def _wait(until: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, "timed out waiting for the model-draft job"
        time.sleep(0.05)


def _source(product: Product, approval_id: str) -> str:
    return str(get_approval(product.engine, approval_id).request.proposal["draft"]["source"])


def test_the_case_opens_extractive_and_the_model_draft_replaces_it_from_a_worker(product, model) -> None:
    assert isinstance(product.cases.context.drafts, QueuedDrafts)
    case_id, pending = _opened(product)  # no consumer yet: the job waits in the queue, the case does not
    assert pending.request.proposal["draft"]["source"] == "extractive" and model.calls == []
    assert product.jobs.pending() == 1

    product.jobs.start(workers=1)
    _wait(lambda: _source(product, pending.id) == "model")
    shown = get_approval(product.engine, pending.id)
    assert shown.status == "pending" and shown.request.proposal["brief"]["source"] == "model"
    (entry,) = [e for e in read_timeline(product.engine, case_id) if e.kind == "model_draft_applied"]
    assert entry.payload["source"] == "model" and entry.payload["step"] == pending.step
    product.cases.decide(pending.id, ApprovalDecision(type="approve", actor="Priya Raman"))
    assert product.cases.state(case_id)["brief"]["intent"]["text"] == "Speak to your manager about SSO"


def test_a_reviewer_who_decides_first_keeps_their_decision(product, model) -> None:
    case_id, pending = _opened(product)
    product.cases.decide(pending.id, ApprovalDecision(type="approve", actor="Priya Raman"))
    product.jobs.start(workers=1)
    _wait(lambda: product.jobs.pending() == 0)
    product.jobs.stop()  # graceful: the job taken from the queue has finished
    decided = get_approval(product.engine, pending.id)
    assert decided.status != "pending" and decided.request.proposal["draft"]["source"] == "extractive"
    drafted = [e.payload["step"] for e in read_timeline(product.engine, case_id) if e.kind.startswith("model_draft")]
    assert pending.step not in drafted
    # The job saw the decision and never asked the model for the brief (the next step's draft is its own job).
    assert "brief" not in {prompt.name for prompt, _ in model.calls}


def test_a_failing_job_leaves_the_extractive_proposal(product, model, monkeypatch) -> None:
    ran: list[str] = []

    def broken(context, case_id, step):  # type: ignore[no-untyped-def]
        ran.append(step)
        raise RuntimeError("model draft job crashed")

    monkeypatch.setattr("product.draft_jobs.apply_model_draft", broken)
    case_id, pending = _opened(product)
    product.jobs.start(workers=1)
    _wait(lambda: bool(ran) and product.jobs.pending() == 0)
    product.jobs.stop()
    assert _source(product, pending.id) == "extractive"
    assert get_approval(product.engine, pending.id).status == "pending"
    product.cases.decide(pending.id, ApprovalDecision(type="approve", actor="Priya Raman"))
    assert product.cases.state(case_id)["brief"]["source"] == "extractive"


def test_a_job_engine_that_is_down_leaves_the_extractive_proposal(tmp_path: Path, model) -> None:
    product = _build(tmp_path, model, jobs_url="redis://127.0.0.1:1/0")
    try:
        case_id, pending = _opened(product)
        assert _source(product, pending.id) == "extractive" and model.calls == []
        product.cases.decide(pending.id, ApprovalDecision(type="approve", actor="Priya Raman"))
        assert product.cases.state(case_id)["brief"]["source"] == "extractive"
    finally:
        product.close()


def test_without_a_model_no_draft_is_queued(tmp_path: Path) -> None:
    product = build_product(Settings(data_dir=tmp_path / "d", llm_enabled=False, jobs_url=""),
                            clock=FixedClock(T_START))
    try:
        assert product.cases.context.drafts is None
    finally:
        product.close()


def test_the_new_proposal_and_its_timeline_entry_land_together_or_not_at_all(product) -> None:
    from datetime import UTC, datetime

    from core.models import TimelineEntry
    from core.store.approvals import claim_decision, replace_proposal

    case_id, pending = _opened(product)
    entry = TimelineEntry(escalation_id=case_id, at=datetime(2026, 3, 2, 9, tzinfo=UTC), kind="model_draft_applied",
                          actor="system:model", payload={"step": pending.step, "source": "model"})
    proposal = {**pending.request.proposal, "marker": 1}
    assert replace_proposal(product.engine, pending.id, proposal, timeline=entry, idem_key=f"{case_id}:k")
    kinds = [e.kind for e in read_timeline(product.engine, case_id)]
    assert kinds.count("model_draft_applied") == 1 and get_approval(product.engine, pending.id).request.proposal["marker"] == 1
    # The same keyed entry is written once, however often the job runs.
    assert replace_proposal(product.engine, pending.id, {**proposal, "marker": 2}, timeline=entry, idem_key=f"{case_id}:k")
    assert [e.kind for e in read_timeline(product.engine, case_id)].count("model_draft_applied") == 1
    # Once decided, neither the proposal nor the timeline changes.
    assert claim_decision(product.engine, pending.id, ApprovalDecision(type="approve", actor="Priya Raman"),
                          datetime(2026, 3, 2, 10, tzinfo=UTC))
    before = read_timeline(product.engine, case_id)
    assert not replace_proposal(product.engine, pending.id, {**proposal, "marker": 3}, timeline=entry, idem_key="other")
    assert read_timeline(product.engine, case_id) == before
    assert get_approval(product.engine, pending.id).request.proposal["marker"] == 2
