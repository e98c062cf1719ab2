"""Normalisation, offsets back to the original text, and token n-grams."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.text import candidate_ngrams, find_padded, normalise, token_ngrams


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("GDPR!", " gdpr "),
        ("(lawsuit)", " lawsuit "),
        ("data-breach", " data breach "),
        ("Dátá   Bréach", " data breach "),
        ("Straße", " strasse "),
        ("ﬁle", " file "),
        ("İstanbul", " istanbul "),
        ("Ｇ Ｄ Ｐ Ｒ", " g d p r "),
        ("lawsuit|attorney", " lawsuit attorney "),
        ("ΑΓΩΓΉ", " αγωγη "),
        ("", " "),
        ("?!", " "),
    ],
)
def test_normal_form(raw: str, expected: str) -> None:
    assert normalise(raw).text == expected


@given(st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_any_text_round_trips_offsets(raw: str) -> None:
    norm = normalise(raw)
    assert norm.text.startswith(" ") and norm.text.endswith(" ") and "  " not in norm.text
    assert len(norm.origin) == len(norm.text) and list(norm.origin) == sorted(norm.origin)
    for word in norm.text.split():
        start = norm.text.index(f" {word} ") + 1
        begin, end = norm.original_span(start, start + len(word))
        assert 0 <= begin < end <= len(raw)
        assert f" {word} " in normalise(raw[begin:end]).text or word in normalise(raw[begin:end]).text


def test_token_boundaries() -> None:
    text = normalise("tissue issue, sue; GDPRS gdpr").text
    assert list(find_padded(text, "sue")) == [text.index(" sue ") + 1]
    assert list(find_padded(text, "issue")) == [text.index(" issue ") + 1]
    assert len(list(find_padded(text, "gdpr"))) == 1
    assert list(find_padded(" a a a ", "a")) == [1, 3, 5]


def test_ngrams_cover_every_whole_token_occurrence() -> None:
    grams = token_ngrams(" we will take legal action now ", 3)
    assert "legal action" in grams and "take legal action" in grams and "egal action" not in grams
    assert len(grams) == len(set(grams))


def test_candidate_ngrams_keep_every_run_that_starts_like_a_term() -> None:
    text = " we will take legal action and legal steps now "
    grams = candidate_ngrams(text, {"legal": 2, "take": 4})
    # Runs starting with "legal" up to 2 tokens, with "take" up to 4; nothing else.
    assert grams == ["take", "take legal", "take legal action", "take legal action and", "legal", "legal action",
                     "legal steps"]
    assert set(grams) <= set(token_ngrams(text, 4))
    assert candidate_ngrams(" take ", {"take": 4}) == ["take"]  # a run never passes the end of the text
