"""Issue 15: the extractive brief quotes the ticket that drives the risk and sentences with content."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agent.brief_select import best_sentence, clip, content, driving_ticket, is_noise
from agent.context import CaseContext, CaseMessage, CaseTicket
from agent.extractive import extractive_brief
from core.models import AuthorSide, Evidence, RiskSignal
from tests.agent.agent_cases import case_contexts

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
GREETING = "Hello Thea, Martin Keller here, I lead the support team."


def _msg(ref: str, side: AuthorSide, text: str, hours: int, ticket: str) -> CaseMessage:
    return CaseMessage(ref=f"message:{ref}", side=side, text=text, at=T0 + timedelta(hours=hours), ticket_id=ticket)


def _signal(kind: str, rule: str, weight: float, ref: str, quote: str) -> RiskSignal:
    kind_, record = ref.split(":")
    return RiskSignal(kind=kind, value=1, weight=weight, confidence=0.9, rule_id=rule, detail="",
                      evidence=[Evidence(record_type=kind_, record_id=record, quote=quote, at=T0)])


def issue_case() -> CaseContext:
    """A P1 security ticket that drives the risk, and a minor P4 question asked more recently."""
    messages = [
        _msg("sec-1", AuthorSide.customer, "Hi team, we found customer API keys in the CSV export that anyone in "
             "the org can download. Please revoke the exposed keys and confirm by Friday who accessed the file.",
             1, "t-sec"),
        _msg("sec-2", AuthorSide.agent, f"{GREETING} You're right that this took far too long. Can we schedule a "
             "call tomorrow morning with engineering on the line?", 5, "t-sec"),
        _msg("sec-3", AuthorSide.customer, "Thanks. The export still shows the keys this morning and our CISO "
             "needs a written incident report today.", 9, "t-sec"),
        _msg("min-1", AuthorSide.customer, "Hello, how do I change the logo on the login page? Thanks!", 10, "t-min"),
    ]
    signals = [
        _signal("security_exposure", "TRG-SECURITY", 45, "message:sec-1", "customer API keys in the CSV export"),
        _signal("negative_sentiment", "TRG-SENTIMENT", 20, "message:sec-3", "still shows the keys"),
        _signal("open_tickets", "TRG-BACKLOG", 10, "ticket:t-min", "change the logo"),
    ]
    return CaseContext(account_id="acc-1", account_name="Northwind", tier="enterprise", arr=250000, renewal_days=40,
                       score=75, band="red", signals=signals, messages=messages,
                       tickets=[CaseTicket(id="t-sec", priority="p1"), CaseTicket(id="t-min", priority="p4")],
                       tickets_summary="ticket:t-sec P1 open 'API keys exposed in CSV export'; "
                                       "ticket:t-min P4 open 'Change login logo'")


def test_the_greeting_is_never_chosen() -> None:
    assert is_noise(GREETING)
    assert content("Hi Nina, the export times out after 30 seconds.") == "The export times out after 30 seconds."
    for noise in ("Kind regards, Martin", "Thanks, Martin Keller", "I'm Olivia Grant, support manager.",
                  "Hope you are well.", "Best,"):
        assert is_noise(noise), noise
    assert not is_noise("Thanks for the fix, but the export fails again since Monday.")
    brief = extractive_brief(issue_case(), {}, "")
    assert "Martin Keller" not in " ".join(st.text for st in brief.statements().values())


def test_the_p1_security_ticket_beats_a_minor_one() -> None:
    case = issue_case()
    assert driving_ticket(case) == "t-sec"
    brief = extractive_brief(case, {}, "")
    assert brief.intent.citations == ["message:sec-1"] and "revoke the exposed keys" in brief.intent.text
    assert "logo" not in brief.intent.text
    assert brief.tried.citations == ["message:sec-2"] and "call tomorrow morning" in brief.tried.text
    assert brief.results.citations == ["message:sec-3"] and "incident report today" in brief.results.text
    assert "P1" in brief.status.text and "API keys" in brief.status.text


def test_priority_decides_between_tickets_of_equal_evidence() -> None:
    case = issue_case().model_copy(update={"signals": [
        _signal("negative_sentiment", "TRG-SENTIMENT", 20, "message:min-1", "change the logo"),
        _signal("negative_sentiment", "TRG-SENTIMENT", 20, "message:sec-3", "still shows the keys")]})
    assert driving_ticket(case) == "t-sec"


@pytest.mark.parametrize("case", [issue_case(), *case_contexts()], ids=lambda c: c.account_id)
def test_every_field_reads_in_three_seconds(case: CaseContext) -> None:
    brief = extractive_brief(case, {}, "")
    for name, statement in brief.statements().items():
        assert len(statement.text.split()) <= 21, (name, statement.text)
        assert statement.citations and set(statement.citations) <= case.allowed_refs


def test_requests_errors_and_dates_outrank_pleasantries() -> None:
    found = best_sentence([_msg("x", AuthorSide.customer, "Thank you for your help so far. It was nice to meet "
                                "you last week. The invoice sync fails with error 500 since Tuesday.", 1, "t")])
    assert found and found[0] == "The invoice sync fails with error 500 since Tuesday."
    assert clip("one two three four", 3) == "one two three…"
