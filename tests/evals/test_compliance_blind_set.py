"""Shape checks for the blind compliance evaluation set (evals/compliance_blind.yaml).

These tests check only the file's structure, never detector results: the set is scored
separately, once, by the lead.
"""

from collections import Counter
from pathlib import Path

import pytest
import yaml

SET_PATH = Path(__file__).resolve().parents[2] / "evals" / "compliance_blind.yaml"
LANGUAGES = {"en", "de", "fr", "es", "pt", "nl", "it"}
FIELDS = {"id", "text", "expected", "category", "language"}


@pytest.fixture(scope="module")
def blind_set() -> dict:
    """The parsed YAML document."""
    with SET_PATH.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def items(blind_set: dict) -> list[dict]:
    """The list of evaluation items."""
    return blind_set["items"]


def test_top_level_shape(blind_set: dict) -> None:
    assert set(blind_set) == {"version", "items"}
    assert blind_set["version"] == 1
    assert isinstance(blind_set["items"], list)


def test_every_item_has_exactly_the_expected_fields(items: list[dict]) -> None:
    for item in items:
        assert set(item) == FIELDS, item.get("id")
        for field in FIELDS:
            assert isinstance(item[field], str), (item["id"], field)
            assert item[field].strip(), (item["id"], field)


def test_ids_are_unique_and_well_formed(items: list[dict]) -> None:
    ids = [item["id"] for item in items]
    duplicates = [i for i, n in Counter(ids).items() if n > 1]
    assert not duplicates
    assert all(i.startswith("blind-") for i in ids)


def test_texts_are_unique(items: list[dict]) -> None:
    texts = Counter(item["text"].strip().casefold() for item in items)
    assert [t for t, n in texts.items() if n > 1] == []


def test_expected_values_and_minimum_counts(items: list[dict]) -> None:
    expected = Counter(item["expected"] for item in items)
    assert set(expected) <= {"flag", "ignore"}
    assert expected["flag"] >= 60
    assert expected["ignore"] >= 40


def test_all_seven_languages_present(items: list[dict]) -> None:
    languages = Counter(item["language"] for item in items)
    assert set(languages) == LANGUAGES
    # The brief asks for at least 5 messages in each non-English language.
    for language in LANGUAGES - {"en"}:
        assert languages[language] >= 5, language
