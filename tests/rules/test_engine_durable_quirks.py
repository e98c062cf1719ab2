"""Pins durable-rules 2.0.28 regex behaviour that made keyword matching move from regex to n-gram equality.

If one of these starts failing after an upgrade, the regex path may have become trustworthy again.
"""

from __future__ import annotations

from rules.engine import escape_regex, regex_matches


def test_trailing_dotstar_fails_when_the_literal_restarts_after_a_match() -> None:
    # Found by the differential test: the whole-string match `.* X .*` misses a full occurrence of X
    # whenever the rest of the text begins X again (" data ...").
    pattern = ".* data protection officer .*"
    texts = [" data protection officer ", " data protection officer data protection ", " data protection officer dat "]
    assert regex_matches(pattern, texts) == [True, False, False]


def test_regex_never_matches_at_64_kib() -> None:
    long_text = "x" * 70_000 + " gdpr "
    assert regex_matches(".* gdpr .*", [" gdpr ", long_text]) == [True, False]


def test_percent_escapes_make_metacharacters_literal() -> None:
    assert regex_matches(".*" + escape_regex("a.b|(c)") + ".*", ["a.b|(c)", "axb|(c)", "a.b"]) == [True, False, False]
