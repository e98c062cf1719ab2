"""The scenario generator shares no phrase with the detector, in either direction.

Every string literal in evals/scenario/ (templates, fragments, inline sentences) is checked against the
detector's phrase lists: the escalation phrases, the escalation prototypes (matched by meaning) and the
stakeholder-note phrases of rules/thresholds.py,
and the compliance terms of rules/definitions/compliance.yaml. Compliance terms are allowed only in the
strings that tell a compliance story or mention one in a harmless context (the families named below):
a GDPR request cannot be written without the word GDPR, which is why compliance is measured on an
independent set (evals/compliance_set.yaml) and not on generated accounts.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from rules.loader import load_ruleset
from rules.reference import ReferenceEvaluator
from rules.thresholds import Thresholds

SCENARIO = Path(__file__).resolve().parents[2] / "evals" / "scenario"
COMPLIANCE_FAMILIES = {"COMPLIANCE", "COMPLIANCE_SUBJECTS", "COMPLIANCE_ACKS", "COMPLIANCE_TERMS", "LEGAL_NOTES",
                       "CONTRACT_TERMS", "HARMLESS_COMPLIANCE", "ENG_NOTES", "RCA", "INCIDENT_OPEN"}


def _norm(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9]+", " ", text.lower()) + " "


def _strings() -> list[tuple[str, str, str]]:
    """(file, owning assignment name or '', string) for every string literal in the generator."""
    out = []
    for path in sorted(SCENARIO.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, ast.Module | ast.FunctionDef | ast.ClassDef) and n.body
                      and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                name = next((t.id for t in targets if isinstance(t, ast.Name)), "")
                for sub in ast.walk(node):
                    if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and id(sub) not in docstrings:
                        out.append((path.name, name, sub.value))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for sub in ast.walk(node):
                    if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and len(sub.value.split()) >= 3:
                        out.append((path.name, "", sub.value))
    return out


def _detector_phrases() -> list[str]:
    th = Thresholds()
    return [p for p in (*th.escalation_phrases, *th.silence_note_phrases, *th.escalation_prototypes) if p.strip()]


def test_the_generator_has_strings_to_check() -> None:
    assert len(_strings()) > 300


def test_no_generator_string_contains_a_detector_phrase() -> None:
    phrases = [_norm(p) for p in _detector_phrases()]
    leaks = [(f, n, s, p.strip()) for f, n, s in _strings() for p in phrases if p in _norm(s)]
    assert leaks == []


def test_no_detector_phrase_contains_a_generator_sentence() -> None:
    sentences = {_norm(s) for _, _, s in _strings() if len(s.split()) >= 2}
    leaks = [(p, s.strip()) for p in _detector_phrases() for s in sentences if s in _norm(p)]
    assert leaks == []


def test_compliance_terms_only_in_compliance_families() -> None:
    rules = load_ruleset(None)
    # Plain terms decide alone, so they may not appear at all; a qualified term ("lost", "controller")
    # only counts with a cue near it, so it leaks only where the production matcher fires on the string.
    terms = [_norm(t.normalised) for t in rules.terms if not t.needs]
    matcher = ReferenceEvaluator(rules)
    others = [(f, n, s) for f, n, s in _strings() if n not in COMPLIANCE_FAMILIES]
    leaks = [(f, n, s, t.strip()) for f, n, s in others for t in terms if t in _norm(s)]
    leaks += [(f, n, s, h.term) for f, n, s in others for h in matcher.match_text(s)]
    assert leaks == []
