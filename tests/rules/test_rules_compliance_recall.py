"""Compliance recall must be 1.00 on an adversarial list, with no hits inside other words."""

from __future__ import annotations

import pytest

from rules.engine import engine_for, match_stdin_text
from rules.reference import ReferenceEvaluator

ENGINE = engine_for()
REFERENCE = ReferenceEvaluator(ENGINE.ruleset)

MUST_HIT: list[tuple[str, str, str]] = [
    ("We are preparing a LAWSUIT against you.", "lawsuit", "LAWSUIT"),
    ("(lawsuit)", "lawsuit", "lawsuit"),
    ("lawsuit|attorney", "attorney", "attorney"),
    ("lawsuit|attorney", "lawsuit", "lawsuit"),
    ("Our attorney: expect a call.", "our attorney", "Our attorney"),
    ("we'll take legal-action", "legal action", "legal-action"),
    ("Legal\nAction is next", "legal action", "Legal\nAction"),
    ("This is a breach of contract!!!", "breach of contract", "breach of contract"),
    ("GDPR!", "GDPR", "GDPR"),
    ("g.d.p.r? no: GDPR.", "GDPR", "GDPR"),
    ("Ｇｄｐｒ in full width", "GDPR", "Ｇｄｐｒ"),
    ("file a data subject request", "data subject request", "data subject request"),
    ("Data-Subject-Request pending", "data subject request", "Data-Subject-Request"),
    ("I invoke my right to be forgotten", "right to be forgotten", "right to be forgotten"),
    ("sign the DPA", "DPA", "DPA"),
    ("a data-breach happened", "data breach", "data-breach"),
    ("DATA   BREACH", "data breach", "DATA   BREACH"),
    ("security breach; call us", "security breach", "security breach"),
    ("critical vulnerability found", "vulnerability", "vulnerability"),
    ("unauthorized access to prod", "unauthorized access", "unauthorized access"),
    ("unauthorised access to prod", "unauthorised access", "unauthorised access"),
    ("RANSOMWARE encrypted our files", "ransomware", "RANSOMWARE"),
    ("we will sue.", "sue", "sue"),
    ("the lawsuit" + " filler" * 12_000 + " then ransomware at the end", "ransomware", "ransomware"),
    ("Wé wíll súe", "sue", "súe"),
    ("«lawsuit»", "lawsuit", "lawsuit"),
    ("😡lawsuit😡", "lawsuit", "lawsuit"),
    ("court-ordered subpoena", "subpoena", "subpoena"),
    ("data protection officer data protection", "data protection officer", "data protection officer"),
    ("data protection officer data protection", "data protection", "data protection"),
]

MUST_NOT_HIT = ["tissue", "issue", "pursue the issue", "GDPRS", "suede shoes", "courtesy", "DPAs", "exploitation"]


@pytest.mark.parametrize(("text", "term", "quote"), MUST_HIT)
def test_recall_is_total(text: str, term: str, quote: str) -> None:
    hits = ENGINE.match_text(text)
    assert hits == REFERENCE.match_text(text)
    assert (term, quote) in [(h.term, h.quote) for h in hits]


def test_recall_summary_is_one() -> None:
    found = sum(any(h.term == term for h in ENGINE.match_text(text)) for text, term, _ in MUST_HIT)
    assert found / len(MUST_HIT) == 1.0


@pytest.mark.parametrize("text", MUST_NOT_HIT)
def test_no_hits_inside_other_words(text: str) -> None:
    assert ENGINE.match_text(text) == [] == REFERENCE.match_text(text)


def test_match_stdin_text_is_json_ready() -> None:
    (hit,) = match_stdin_text("Our lawyer called.")
    assert hit == {
        "rule_id": "CMP-001", "category": "legal", "term": "our lawyer", "span": [0, 10], "quote": "Our lawyer",
        "ruleset_version": ENGINE.ruleset.version,
    }
