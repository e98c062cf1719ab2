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


@pytest.mark.parametrize(("text", "term"), [
    # health data reaching someone who should not have it (CMP-008)
    ("The pregnancy status of our staff is visible in the HR dashboard to all team leads.", "pregnancy"),
    # a stem cue: "compartilh*" is compartilhado, "gestor*" is gestores
    ("O relatório com as doenças crônicas dos funcionários foi compartilhado com todos os gestores.", "doenças"),
    # a data-subject request in plain words: someone's data, a request, a right
    ("A customer asked us to send her data in a structured, machine-readable format.", "her data"),
    # a lawyer named outside contract routine still fires
    ("Our lawyers will be in touch about your failure to deliver.", "our lawyers"),
])
def test_category_hits_that_stand(text: str, term: str) -> None:
    assert term in terms(text)


@pytest.mark.parametrize("text", [
    "Our lawyer has a few comments on the MSA redline; we should be able to sign next week.",  # contract routine
    "Before we can sign, procurement needs your DPA and a link to your privacy policy.",      # paperwork request
    "Is your platform GDPR compliant, and can we choose EU hosting?",                         # a feature question
    "Can we import lab result PDFs into the patient profile?",                                # health word, no exposure
    "Please remove the test contacts I imported yesterday.",                                  # admin, not a request about a person
])
def test_category_look_alikes_dropped(text: str) -> None:
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
    named = {n for r in ENGINE.ruleset.compliance
             for n in [*r.unless, *(x for q in r.qualified for x in [*q.needs, *q.also_needs])]}
    assert named and named <= set(ENGINE.ruleset.contexts)


@pytest.mark.parametrize(("text", "term"), [
    # someone else's data in front of us: needs their data AND a word of seeing it (also_needs)
    ("This morning we could see another company's invoices in our dashboard.", "another company"),
    ("The payroll report went to the wrong email address.", "wrong email address"),
    ("The export link works without logging in and it has all our contacts.", "without logging in"),
    ("A stranger was able to log in to our workspace.", "a stranger"),
    ("Our API keys ended up in a public GitHub repository.", "API keys"),
    ("Your screenshot in the ticket shows the customer's card number.", "card number"),
    ("I numeri completi delle carte compaiono nei log.", "carte"),
    ("Our nightly backups have been failing for a week.", "backups"),
    ("Half of our customer records are missing.", "missing"),
    ("Someone got into our admin account from abroad last night and exported the whole client database.", "someone got into"),
])
def test_plain_words_hits_that_stand(text: str, term: str) -> None:
    assert term in terms(text)


@pytest.mark.parametrize("text", [
    "Similar report from another tenant last week, see API-4666.",     # their report, nobody sees their data
    "We want to integrate with another company's CRM.",              # no data of theirs near
    "Please update the card number on file, the old card expired.",  # card data where it belongs
    "Our API key expired, how do I generate a new one?",             # a secret, not exposed
    "I lost my password again, can you send a reset link?",
    "The restore from yesterday's backup worked, thanks!",           # no failure
    "My backup codes do not work for 2FA.",                          # a backup that is not data
    "Transaction refund missing from my statement.",                 # missing, but not at scale
    "After we edited the role, people lost access to the reports folder.",  # lost access, not data
    "I thought our data was missing but it was a filter; all the records are there.",  # taken back
    "Een onbekende fout bij het inloggen.",                          # an unknown error, not a stranger
    "Abbiamo cancellato noi i vecchi contatti, la lista ora è corretta.",  # they did it themselves
    "Please note provided card number next page activated.",         # 'note' is not a place card data sits
    "How do I report a stolen card?",                                # a person's card, not our data
])
def test_plain_words_look_alikes_dropped(text: str) -> None:
    assert terms(text) == []


def test_also_needs_requires_every_listed_context(rules_dir: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["rules"][0]["qualified"].append({"needs": ["legal_step"], "also_needs": ["data_object"], "terms": ["zorblax"]})
    edit(rules_dir, change)
    engine = ReferenceEvaluator(load_ruleset(rules_dir))
    assert [h.term for h in engine.match_text("We file a zorblax about the records.")] == ["zorblax"]
    assert [h.term for h in engine.match_text("We file a zorblax today.")] == []     # no `data_object` cue
    assert [h.term for h in engine.match_text("A zorblax about the records.")] == []  # no `legal_step` cue


def test_unknown_also_needed_context_is_refused(rules_dir: Path) -> None:
    edit(rules_dir, lambda d: d["rules"][0]["qualified"][0].update(also_needs=["threat"]))
    error = only_error(rules_dir)
    assert isinstance(error, UnknownContextError) and error.path == "rules[0].qualified[0].also_needs[0]"


def test_term_rules_are_sharded_below_the_durable_rules_limit() -> None:
    from rules.engine import TEXT_RULES_PER_SET, text_shards

    shards, count = text_shards(ENGINE.ruleset.terms)
    sizes = [sum(1 for t in ENGINE.ruleset.terms if shards[t.normalised.split(" ")[0]] == i) for i in range(count)]
    assert count >= 2 and sum(sizes) == len(ENGINE.ruleset.terms) and max(sizes) <= TEXT_RULES_PER_SET
    # a term of every shard is found by the engine exactly as by the reference evaluator
    for i in range(count):
        term = next(t for t in ENGINE.ruleset.terms if shards[t.normalised.split(" ")[0]] == i and not t.needs)
        text = f"Note: {term.normalised}."
        assert term.term in terms(text)


def test_a_group_without_needs_has_its_own_unless(rules_dir: Path) -> None:
    # "our lawyer" decides alone; the group's own `unless` drops it next to contract routine, the rule's
    # other terms ("lawsuit") are not touched by it.
    ruleset = load_ruleset(rules_dir)
    lawyer = next(t for t in ruleset.terms if t.term == "our lawyer")
    lawsuit = next(t for t in ruleset.terms if t.term == "lawsuit")
    assert lawyer.needs == () and "contract_routine" in lawyer.unless and "contract_routine" not in lawsuit.unless
    assert terms("We will sign the lawsuit settlement next week.") == ["lawsuit"]


def test_a_group_with_neither_needs_nor_unless_is_refused(rules_dir: Path) -> None:
    edit(rules_dir, lambda d: d["rules"][0]["qualified"].append({"terms": ["tribunal arbitral"]}))
    error = only_error(rules_dir)
    assert isinstance(error, RuleSchemaError) and "needs `needs` or `unless`" in str(error)


def test_a_short_stem_cue_is_refused(rules_dir: Path) -> None:
    edit(rules_dir, lambda d: d["contexts"]["negation"]["cues"].append("ab*"))
    error = only_error(rules_dir)
    assert isinstance(error, BadTermError) and "at least 4 letters" in str(error)


def test_a_stem_cue_matches_any_token_starting_with_it(rules_dir: Path) -> None:
    # Without the stem the inflected form is not a cue; with it, it is (and both evaluators agree).
    text = "The diagnosis of a patient was emailed to the wrongest address."
    assert "diagnosis" not in terms(text)
    edit(rules_dir, lambda d: d["contexts"]["wrong_party"]["cues"].append("wrong*"))
    engine = engine_for(str(rules_dir))
    hits = engine.match_text(text)
    assert [h.term for h in hits] == ["diagnosis"] and hits == ReferenceEvaluator(engine.ruleset).match_text(text)
