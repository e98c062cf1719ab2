"""Compliance contexts: qualified terms need a cue, `unless` cues drop a hit, both evaluators agree,
and a badly written context fails to load with a message that names it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from rules.engine import engine_for
from rules.loader import DEFAULT_RULES_DIR, load_ruleset
from rules.reference import ReferenceEvaluator
from rules.schema import (
    BadTermError,
    RuleSchemaError,
    RuleValidationError,
    UnknownContextError,
    UnknownFieldError,
)

ENGINE = engine_for()
REFERENCE = ReferenceEvaluator(ENGINE.ruleset)


def terms(text: str) -> list[str]:
    hits = ENGINE.match_text(text)
    assert hits == REFERENCE.match_text(text)
    return [h.term for h in hits]


@pytest.mark.parametrize(("text", "term"), [
    ("If this is not fixed we will take you to court.", "court"),
    ("Expect a letter from our lawyers about the invoices.", "our lawyers"),
    ("The export put personal data of 300 patients in a public folder.", "personal data"),
    ("All our invoices from 2023 were deleted by the sync.", "deleted"),
    ("Wir haben einen Datenleck festgestellt.", "Datenleck"),
    ("Nous avons reçu une mise en demeure de notre client à cause de vous.", "mise en demeure"),
    ("Houve um vazamento de dados no servidor.", "vazamento de dados"),
    ("We have no BAA with you and PHI is already in the system.", "BAA"),
    # A single line break (mail wrapping) does not end the sentence between cue and term.
    ("We will take you\nto court over this.", "court"),
])
def test_hits_that_stand(text: str, term: str) -> None:
    assert term in terms(text)


@pytest.mark.parametrize("text", [
    "Our tennis court bookings doubled.",                         # qualified, no legal step near
    "Can we hide personal data columns in the export?",           # qualified, nothing happened to the data
    "There was no data breach, we mistyped the password.",        # negation right before
    "We read about a data breach in the news at a bank.",         # hearsay
    "In the event of a security incident, how do you notify us?",  # hypothetical
    "Our GDPR page links to your help centre.",                    # a reference to a page
    "We deleted the test records ourselves.",                     # deliberate
    "The transaction has not gone through yet.",                  # 'gone' with no data object... and negated
])
def test_hits_dropped_by_context(text: str) -> None:
    assert terms(text) == []


def test_a_cue_in_another_sentence_does_not_count() -> None:
    assert terms("We saw it in the news. Today we had a data breach ourselves!") == ["data breach"]
    assert terms("Take a look at the booking page. The court is red.") == []


def test_a_cue_inside_the_term_is_ignored() -> None:
    # "no backup" contains the negation cue "no"; the term itself must still stand.
    assert "no backup" in terms("The records are gone and there is no backup.")


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    target = tmp_path / "definitions"
    shutil.copytree(DEFAULT_RULES_DIR, target)
    return target


def edit(directory: Path, change: Any) -> None:
    path = directory / "compliance.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def only_error(directory: Path) -> Any:
    errors = pytest.raises(RuleValidationError, load_ruleset, directory).value.errors
    assert len(errors) == 1, errors
    return errors[0]


def test_unknown_context_name_is_refused_with_a_suggestion(rules_dir: Path) -> None:
    edit(rules_dir, lambda d: d["rules"][0]["unless"].append("negaton"))
    error = only_error(rules_dir)
    assert isinstance(error, UnknownContextError) and error.rule_id == "CMP-001"
    assert "did you mean 'negation'?" in str(error) and error.path.startswith("rules[0].unless")


def test_unknown_needed_context_is_refused(rules_dir: Path) -> None:
    edit(rules_dir, lambda d: d["rules"][0]["qualified"][0]["needs"].append("threat"))
    error = only_error(rules_dir)
    assert isinstance(error, UnknownContextError) and error.path == "rules[0].qualified[0].needs[1]"


@pytest.mark.parametrize(("cue", "message"), [("?!", "has no letters or digits"), ("NOT", "already a cue of 'negation'")])
def test_bad_cues(rules_dir: Path, cue: str, message: str) -> None:
    edit(rules_dir, lambda d: d["contexts"]["negation"]["cues"].append(cue))
    error = only_error(rules_dir)
    assert isinstance(error, BadTermError) and message in str(error) and "contexts.negation.cues" in str(error)


def test_yaml_boolean_cue_is_a_clear_error(rules_dir: Path) -> None:
    # Unquoted `no` in YAML is the boolean false, not the word.
    edit(rules_dir, lambda d: d["contexts"]["negation"]["cues"].append(False))
    error = only_error(rules_dir)
    assert isinstance(error, RuleSchemaError) and "contexts.negation.cues" in str(error)


def test_a_context_that_looks_nowhere_is_refused(rules_dir: Path) -> None:
    edit(rules_dir, lambda d: d["contexts"]["negation"].update(before=0))
    error = only_error(rules_dir)
    assert isinstance(error, RuleSchemaError) and "can never see a cue" in str(error)


def test_unknown_field_in_a_context(rules_dir: Path) -> None:
    edit(rules_dir, lambda d: d["contexts"]["negation"].update(befor=2))
    error = only_error(rules_dir)
    assert isinstance(error, UnknownFieldError) and "did you mean 'before'?" in str(error)


def test_a_term_cannot_be_both_plain_and_qualified(rules_dir: Path) -> None:
    edit(rules_dir, lambda d: d["rules"][0]["qualified"][0]["terms"].append("lawsuit"))
    error = only_error(rules_dir)
    assert isinstance(error, BadTermError) and "already a term of CMP-001" in str(error)


def test_the_shipped_set_has_every_context_it_names() -> None:
    named = {n for r in ENGINE.ruleset.compliance for n in [*r.unless, *(x for q in r.qualified for x in q.needs)]}
    assert named and named <= set(ENGINE.ruleset.contexts)
