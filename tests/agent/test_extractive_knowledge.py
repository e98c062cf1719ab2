"""The extractive knowledge draft: titled by the ticket, problem from the customer's substance, not greetings."""

from __future__ import annotations

from datetime import UTC, datetime

from agent.context import CaseContext, CaseMessage, ResolutionEvidence
from agent.extractive import content_sentence, extractive_knowledge
from core.models import ArrTier, AuthorSide

AT = datetime(2026, 11, 1, tzinfo=UTC)


def test_salutations_are_not_content() -> None:
    assert content_sentence("Hi Nina, the export times out after 30 seconds. Please help.", 200) == \
        "the export times out after 30 seconds."


def test_article_title_is_the_ticket_subject_and_problem_the_customer_substance() -> None:
    ctx = CaseContext(
        account_id="a", account_name="Acme", tier=ArrTier.enterprise, arr=1.0,
        tickets_summary="ticket:t-1 P1 open 'Data sync from BigQuery stalls'",
        messages=[
            CaseMessage(ref="message:m-1", side=AuthorSide.customer, at=AT,
                        text="Hello Nina, our nightly BigQuery sync has stalled for three days and dashboards are empty."),
            CaseMessage(ref="message:m-2", side=AuthorSide.customer, at=AT, text="Hi, any update?"),
            CaseMessage(ref="message:m-3", side=AuthorSide.agent, at=AT, text="We restarted the connector."),
        ],
    )
    fix = ResolutionEvidence(ref="approval:apr-1", text="Rotated the service-account key and re-ran the sync.")
    draft = extractive_knowledge(ctx, [fix], "")
    assert draft.title == "Data sync from BigQuery stalls"
    assert draft.problem.startswith("our nightly BigQuery sync has stalled")
    assert draft.solution.startswith("Rotated the service-account key")
    assert draft.citations == ["message:m-1", "approval:apr-1"]


def test_without_resolution_evidence_the_solution_is_unknown_not_guessed() -> None:
    ctx = CaseContext(account_id="a", account_name="Acme", tier=ArrTier.enterprise, arr=1.0, messages=[
        CaseMessage(ref="message:m-1", side=AuthorSide.customer, at=AT, text="Webhooks stopped arriving."),
        CaseMessage(ref="message:m-2", side=AuthorSide.agent, at=AT, text="We are looking into it."),
    ])
    draft = extractive_knowledge(ctx, [], "")
    assert draft.solution.startswith("Unknown") and "webhook configuration" not in draft.solution
    assert draft.citations == ["message:m-1"]
