"""The trimmed case block the model reads (issue 13, speed; `llm_case_block="trimmed"`, not the default): what it
shows, what it leaves out, and that the grounding checks still read the whole evidence. The default ("full") keeps
today's block and brief grammar, so the recorded cassettes still replay (tests/agent/test_cassettes.py)."""

from __future__ import annotations

import re

import pytest

from agent.context import CaseContext
from agent.drafting import (
    brief_schema,
    build_catalogue,
    draft_brief,
    letter_body,
    redact_context,
    render_case,
)
from agent.grammar import compact_grammar
from agent.llm import FakeModel, ModelUnavailable
from core.models import ArrTier, CauseStatus
from core.settings import Settings
from tests.agent.agent_cases import A, C, _msgs, _sig

LONG_TAIL = "the Frankfurt replica lagged by forty minutes during the nightly batch window"


@pytest.fixture
def case() -> CaseContext:
    m = _msgs("granite", [
        (C, "Good morning, URGENT: the whole app is down for us. Nobody can log in or load data. "
            "Best regards, Hannah Yilmaz"),
        (A, "Hi Hannah, thanks for reaching out. Could you share a HAR file from a slow load of search? Best, Maya"),
        (A, "Thanks for the details, Hannah. The US cluster was rebalanced and search is back to normal. "
            "Maya Support Engineer"),
        (C, "Hello, search is slow again this morning and our dispatchers are waiting on every query while "
            "they plan the routes for the day, which costs us hours; our monitoring shows that " + LONG_TAIL + "."),
    ])
    return CaseContext(
        account_id="acc-granite", account_name="Granite Logistics", tier=ArrTier.mid_market, arr=112_500,
        renewal_days=90, score=68, band="red", tickets_summary="T-85 P1 open 'App sluggish since the release'",
        messages=m,
        signals=[
            _sig("sla_breach", "SIG-OPS-SLA-BREACH", 1, 18, [("sla_event:t85-s1", "first_response SLA breached on T-85")],
                 "1 SLA breach(es) on T-85 [strong; 1.00 x 18 pts x1 context]", CauseStatus.confirmed),
            _sig("negative_sentiment", "TRG-SENT-01", 1, 20, [(m[3].ref, "search is slow again")], "Frustrated"),
            _sig("handoffs", "SIG-OPS-HANDOFF", 2, 10, [("ticket:T-85", "")], "ticket T-85 changed hands 2 times"),
        ],
    )


def block(ctx: CaseContext, kind: str = "trimmed") -> str:
    red, _ = redact_context(ctx)
    return render_case(red, build_catalogue(red, kind), kind)  # type: ignore[arg-type]


def trimmed(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path, llm_max_retries=0, llm_case_block="trimmed")


def test_evidence_lines_carry_no_raw_refs_or_dates(case) -> None:
    text = block(case)
    assert "message:" not in text and "sla_event:" not in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)
    assert "E1 customer: URGENT: the whole app is down" in text
    assert "E5 sla event: first_response SLA breached on T-85" in text
    assert "E6 ticket: (record, no text)" in text


def test_greetings_thanks_and_sign_offs_are_cut_from_quotes(case) -> None:
    text = block(case)
    for cut in ("Good morning", "Best regards", "Hannah Yilmaz", "Hi Hannah", "thanks for reaching out", "Best, Maya",
                "Maya Support Engineer", "Thanks for the details", "Hello,"):
        assert cut not in text, cut
    assert "E2 agent: Could you share a HAR file from a slow load of search?" in text
    assert "E3 agent: The US cluster was rebalanced and search is back to normal." in text


def test_quotes_are_capped_and_the_evidence_is_one_customer_text_block(case) -> None:
    text = block(case)
    assert text.count("<customer_text>") == text.count("</customer_text>") == 1
    evidence = text.split("<customer_text>\n")[1].split("\n</customer_text>")[0].splitlines()
    assert [line.split(" ", 1)[0] for line in evidence] == ["E1", "E2", "E3", "E4", "E5", "E6"]
    quotes = [line.split(": ", 1)[1] for line in evidence]
    assert max(len(q) for q in quotes) <= 160 and quotes[3].endswith("…")
    assert LONG_TAIL not in text


def test_signals_show_no_rule_ids_no_score_notes_and_only_shown_evidence(case, monkeypatch) -> None:
    # Room for the four messages and one more: the handoffs' ticket is not shown.
    monkeypatch.setattr("agent.drafting.MAX_MESSAGES", 4)
    monkeypatch.setattr("agent.drafting.MAX_EXTRA_EVIDENCE", 1)
    signals = block(case).split("Signals:\n")[1].split("\nEvidence:")[0].splitlines()
    assert signals == ["- negative_sentiment (suspected): Frustrated [E4]",
                       "- sla_breach (confirmed): 1 SLA breach(es) on T-85 [E5]"]


@pytest.mark.parametrize(("text", "body"), [
    ("Thanks for fixing the export, it works now. One more question.", "Thanks for fixing the export, it works now. "
                                                                        "One more question."),
    ("It works best.", "It works best."),
    ("Please advise. Thanks, we appreciate it.", "Please advise. Thanks, we appreciate it."),
    ("Cheers", "Cheers"),
    ("Hi team, thanks for your patience. Thanks for letting us know. Billing will review it. Thanks, Maya",
     "Billing will review it."),
])
def test_letter_body_keeps_what_a_message_says(text, body) -> None:
    assert letter_body(text) == body


def test_grounding_still_reads_the_whole_message(case, tmp_path) -> None:
    # The statement rests on words the case block cut off (past 160 characters): the check reads the full
    # message, so it is supported; a statement the message does not make still falls back.
    answer = {
        "intent": {"refs": ["E4"], "text": "Frankfurt replica lagged by forty minutes during the nightly batch"},
        "tried": {"refs": ["E2"], "text": "Asked for a HAR file from a slow load of search"},
        "results": {"refs": ["E3"], "text": "US cluster rebalanced, search back to normal"},
        "status": {"refs": ["E4"], "text": "Search is slow again this morning"},
        "escalation_reason": {"refs": ["E5"], "text": "Customer demands a refund for the outage"},
    }
    fake = FakeModel(canned={"BriefOut": [answer]})
    brief = draft_brief(case, fake, trimmed(tmp_path))
    assert LONG_TAIL not in fake.calls[0][0].user
    assert brief.source == "model"
    assert brief.intent.text.startswith("Frankfurt replica lagged") and brief.intent.citations == [case.messages[3].ref]
    assert "escalation_reason" in brief.fallbacks and "intent" not in brief.fallbacks


def test_a_failing_model_still_sends_the_trimmed_block(case, tmp_path) -> None:
    fake = FakeModel(canned={"BriefOut": [ModelUnavailable("x")]})
    brief = draft_brief(case, fake, trimmed(tmp_path))
    assert brief.source == "extractive" and "Best regards" not in fake.calls[0][0].user


def test_trimmed_brief_grammar_admits_two_refs_and_80_characters() -> None:
    rules = dict(line.split(" ::= ", 1)
                 for line in compact_grammar(brief_schema(("E1", "E2"), "trimmed").model_json_schema()).splitlines())
    assert rules["def-claim-text"] == '"\\"" char{2,80} "\\""'
    assert rules["def-claim-refs"] == '"[" def-claim-refs-item ("," def-claim-refs-item){0,1} "]"'


def test_the_default_full_block_is_todays(case, tmp_path) -> None:
    # The default sends the block the cassettes were recorded with: raw refs, dates, rule ids, one tag per quote,
    # the whole message; test_cassettes.py replays them byte for byte, test_llm.py checks its 3-ref/90-char grammar.
    fake = FakeModel(canned={"BriefOut": [ModelUnavailable("x")]})
    draft_brief(case, fake, Settings(data_dir=tmp_path, llm_max_retries=0))
    user = fake.calls[0][0].user
    assert Settings(data_dir=tmp_path).llm_case_block == "full"
    assert user.startswith(block(case, "full")) and block(case, "full") != block(case)
    first = case.messages[0]
    assert f"E1 {first.ref} customer {first.at:%Y-%m-%d}: <customer_text>Good morning, URGENT" in user
    assert "Best regards, Hannah Yilmaz</customer_text>" in user
    assert "- sla_breach (SIG-OPS-SLA-BREACH, confirmed): 1 SLA breach(es) on T-85 [strong; 1.00 x 18 pts x1" in user
    assert user.count("<customer_text>") == 5  # the ticket (E6) has no text
