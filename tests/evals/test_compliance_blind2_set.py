"""Shape checks for the second blind compliance set (evals/compliance_blind2.yaml).

Structure only, never detector results: the set is scored by `redaccount eval`, and nothing is tuned on it.
"""

from collections import Counter

import pytest

from evals.compliance_independent import BLIND2, load_set

LANGUAGES = {"en", "de", "fr", "es", "pt", "nl", "it"}


@pytest.fixture(scope="module")
def items() -> list[dict]:
    return load_set(BLIND2)


def test_it_reads_as_the_other_sets_with_unique_ids_and_texts(items: list[dict]) -> None:
    assert len({i["id"] for i in items}) == len(items)
    texts = Counter(i["text"].strip().casefold() for i in items)
    assert [t for t, n in texts.items() if n > 1] == []
    assert {i["lang"] for i in items} == LANGUAGES


def test_both_sides_are_large_enough_and_every_flag_category_has_a_dozen(items: list[dict]) -> None:
    flags = Counter(i["category"] for i in items if i["expect"])
    harmless = [i for i in items if not i["expect"]]
    assert sum(flags.values()) >= 100 and len(harmless) >= 70
    assert min(flags.values()) >= 12, flags
    assert all(i["category"].startswith("lookalike_") for i in harmless)


def test_its_header_says_the_author_never_saw_the_detector() -> None:
    header = [line for line in BLIND2.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    assert any("never saw the detector" in line for line in header)
