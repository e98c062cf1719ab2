"""The edit contracts (issue 17): canonical changes, refusals by path, page form mapping."""

from __future__ import annotations

import json

import pytest

from core.models import ApprovalDecision, ApprovalRequest, Role
from core.models.edits import (
    EditRefused,
    check_edit,
    field_errors,
    form_fields,
    payload_from_form,
    settle_decision,
)

BRIEF = {"source": "extractive", "note": "", "redactions": {},
         **{n: {"text": f"{n} text", "citations": ["message:m-1"]}
            for n in ("intent", "tried", "results", "status", "escalation_reason")}}
PROPOSAL = {"brief": BRIEF, "tier": "T2", "owner": "Priya Raman", "swarm": [], "sla_due": {}}


def test_unchanged_whole_proposal_has_no_changes_and_settles_as_an_approval() -> None:
    assert check_edit("validate_brief", PROPOSAL, PROPOSAL) == {}
    request = ApprovalRequest(action="validate_brief", case_id="c", step="s", proposal=PROPOSAL,
                              assigned_role=Role.support_t2)
    settled = settle_decision(request, ApprovalDecision(type="edit", edited_payload=PROPOSAL, actor="a", comment="ok"))
    assert settled.type == "approve" and settled.edited_payload is None and settled.comment == "ok"


def test_text_or_object_edits_reduce_to_trimmed_changes() -> None:
    edited = {"brief": {"intent": "  new intent ", "tried": {"text": "new tried", "citations": ["message:m-1"]}}}
    assert check_edit("validate_brief", PROPOSAL, edited) == {"brief": {"intent": "new intent", "tried": "new tried"}}


def test_every_error_is_reported_with_its_path() -> None:
    edited = {"brief": {"source": "x", "intent": "", "tried": {"text": "t", "citations": ["message:zz"]},
                        "bogus": 1}, "tier": "T1"}
    with pytest.raises(EditRefused) as refused:
        check_edit("validate_brief", PROPOSAL, edited)
    paths = {".".join(map(str, e["loc"])) for e in refused.value.errors}
    assert paths == {"edited_payload.brief.source", "edited_payload.brief.intent.text",
                     "edited_payload.brief.tried.citations", "edited_payload.brief.bogus", "edited_payload.tier"}


@pytest.mark.parametrize("text", ["\ud800", "a\x00b", "\x1b[31m", 5, None])
def test_unstorable_or_mistyped_text_is_refused(text: object) -> None:
    with pytest.raises(EditRefused):
        check_edit("send_customer_update", {"subject": "s", "body": "b"}, {"body": text})


def test_an_approval_kind_without_a_contract_cannot_be_edited() -> None:
    with pytest.raises(EditRefused, match="no editable fields"):
        check_edit("something_else", {}, {"x": 1})


def test_page_form_fields_map_back_to_a_payload_and_errors_to_fields() -> None:
    proposal = {"subject": "s", "body": "b", "next_actions": [], "source": "model", "suggestions": []}
    paths = [f["path"] for f in form_fields("send_customer_update", proposal)]
    assert paths == ["subject", "body", "next_actions"]
    values = {"subject": "s2", "body": "line 1\r\nline 2", "next_actions": "[]"}
    assert payload_from_form("send_customer_update", values, json.loads) == {
        "subject": "s2", "body": "line 1\nline 2", "next_actions": []}
    with pytest.raises(EditRefused) as bad:
        payload_from_form("send_customer_update", {"next_actions": "[oops"}, json.loads)
    by_field, general = field_errors([{**e, "loc": ["body", *e["loc"]]} for e in bad.value.errors], paths)
    assert list(by_field) == ["next_actions"] and general == []
