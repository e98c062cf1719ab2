"""durable-rules (rules.engine) must decide exactly what the plain-Python reference decides."""

from __future__ import annotations

import shutil
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules.engine import RuleEngine, engine_for
from rules.loader import DEFAULT_RULES_DIR, load_ruleset
from rules.reference import ReferenceEvaluator

RULESET = load_ruleset()
ENGINE = engine_for()
REFERENCE = ReferenceEvaluator(RULESET)
EXAMPLES = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _constants() -> list[float]:
    values: set[float] = {0, 1, -1, 0.5}
    for rules in RULESET.rules.values():
        for rule in rules:
            for leaf in rule.when.leaves():
                if isinstance(leaf.value, int | float) and not isinstance(leaf.value, bool):
                    values |= {leaf.value, leaf.value - 1, leaf.value + 1, leaf.value - 0.001, leaf.value + 0.5}
    return sorted(values)


NUMBERS = st.one_of(
    st.sampled_from(_constants()),
    st.integers(-10, 10_000),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
)


def _fact_strategy(spec: Any) -> st.SearchStrategy[Any]:
    if spec.type == "number":
        return NUMBERS
    if spec.type == "bool":
        return st.booleans()
    return st.sampled_from(spec.values)


FACTS = st.fixed_dictionaries(
    {}, optional={name: _fact_strategy(spec) for name, spec in RULESET.facts.items() if not spec.derived}
)


@EXAMPLES
@given(FACTS)
def test_engine_equals_reference_on_generated_facts(facts: dict[str, Any]) -> None:
    assert ENGINE.evaluate(facts) == REFERENCE.evaluate(facts)


_TERMS = [t.term for t in RULESET.terms]
WORDS = st.one_of(
    st.sampled_from(_TERMS),
    st.sampled_from(_TERMS).map(str.upper),
    st.sampled_from(_TERMS).map(lambda t: t.replace(" ", "-")),
    st.sampled_from(["issue", "tissue", "GDPRS", "suede", "lawsuits|attorney", "lawsuit|attorney", "(lawsuit)",
                     "GDPR!", "data-breach", "dátá bréach", "Ｇ Ｄ Ｐ Ｒ", "ℌacked", "ﬁle", "İstanbul", "straße",
                     "иск", "漏洞", "παραβίαση", "دعوى", "😡", "a.b", "%", ".*", "\\b", "\u0301", "\x00", "\n"]),
    st.text(max_size=12),
)
TEXTS = st.lists(st.tuples(WORDS, st.sampled_from([" ", "", "  ", "\n", ", ", "-", "!", "/", "|"])), max_size=30).map(
    lambda parts: "".join(word + sep for word, sep in parts)
)


@EXAMPLES
@given(TEXTS)
def test_engine_equals_reference_on_generated_texts(text: str) -> None:
    expected = REFERENCE.match_text(text)
    assert ENGINE.match_text(text) == expected
    for hit in expected:
        assert text[hit.span[0] : hit.span[1]] == hit.quote


def test_text_over_64_kib_with_term_near_the_end() -> None:
    text = "lorem ipsum dolor " * 5000 + "we will take Legal-Action today"
    assert len(text.encode()) > 64 * 1024
    hits = ENGINE.match_text(text)
    assert hits == REFERENCE.match_text(text)
    assert [(h.term, h.quote) for h in hits] == [("legal action", "Legal-Action")]


@pytest.mark.parametrize("shift", range(-12, 3, 4))
def test_term_at_the_old_8_k_window_boundary(shift: int) -> None:
    # Where a regex-on-chunks design would cut (8,192 characters): n-gram matching has no windows.
    start = 8192 - 6 + shift
    filler = ("ab " * 8192)[: start - 1] + " "
    text = filler + "breach of contract" + " tail" * 14_000
    hits = ENGINE.match_text(text)
    assert hits == REFERENCE.match_text(text)
    assert [(h.term, h.span) for h in hits] == [("breach of contract", (start, start + 18))]


def test_single_huge_token_is_cut_without_false_boundaries() -> None:
    text = "x" * 70_000 + "sue" + "y" * 10 + " sue"
    hits = ENGINE.match_text(text)
    assert hits == REFERENCE.match_text(text) and [h.span for h in hits] == [(70_014, 70_017)]


@pytest.fixture(scope="module")
def non_latin_engine(tmp_path_factory: pytest.TempPathFactory) -> tuple[RuleEngine, ReferenceEvaluator]:
    directory = tmp_path_factory.mktemp("rules") / "definitions"
    shutil.copytree(DEFAULT_RULES_DIR, directory)
    path = directory / "compliance.yaml"
    data = yaml.safe_load(path.read_text())
    data["rules"][0]["terms"] += ["иск", "судебный иск", "αγωγή", "دعوى قضائية", "訴訟"]  # "Klage" is shipped
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    ruleset = load_ruleset(directory)
    return RuleEngine(ruleset), ReferenceEvaluator(ruleset)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Мы подадим судебный иск!", ["судебный иск", "иск"]),
        ("ИСК будет", ["иск"]),
        ("риск большой", []),
        ("Wir erheben KLAGE.", ["Klage"]),
        ("Θα κάνουμε ΑΓΩΓΗ", ["αγωγή"]),
        ("سنرفع دعوى قضائية", ["دعوى قضائية"]),
        ("我们将提起 訴訟。", ["訴訟"]),
        ("我们将提起訴訟", []),  # no spaces in running CJK text: no token boundary, no match (documented)
    ],
)
def test_non_latin_terms(non_latin_engine: tuple[RuleEngine, ReferenceEvaluator], text: str, expected: list[str]) -> None:
    engine, reference = non_latin_engine
    hits = engine.match_text(text)
    assert hits == reference.match_text(text)
    assert sorted(h.term for h in hits) == sorted(expected)
