"""Text normalisation for keyword matching: one canonical form for rule terms and customer text.

Both the durable-rules adapter and the plain-Python reference evaluator match on this form, so a
keyword is found on token boundaries whatever the accents, case, punctuation or length of the text.

Normal form: each character is NFKD-decomposed, combining marks are dropped (accents), the rest is
case-folded; every character that is not a letter or a digit (Unicode categories L* and N*) becomes a
space; runs of spaces collapse to one; the result is padded with one space on each side. A term of the
same form, padded too, can then only match whole tokens: " issue " is not inside " tissue ".

Non-Latin scripts survive unchanged apart from the same folding (Greek tonos and final sigma, Arabic
harakat and Cyrillic breve are removed or folded, so "й" matches "и"). Scripts written without spaces
(Chinese, Japanese, Thai) only match a term that the text sets off by spaces or punctuation: a CJK term
inside running CJK text does NOT match, by design of token-boundary matching.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NormalisedText:
    """Normalised text plus, for every normalised character, the offset of its original character."""

    text: str
    origin: tuple[int, ...]
    source_length: int

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Original (start, end) offsets of the normalised slice text[start:end] (end exclusive)."""
        return self.origin[start], self.origin[end - 1] + 1


def _fold_char(char: str) -> str:
    folded = []
    for part in unicodedata.normalize("NFKD", char):
        if unicodedata.combining(part):
            continue
        # casefold can re-introduce marks (e.g. "İ" -> "i" + dot above), so decompose again.
        for sub in unicodedata.normalize("NFKD", part.casefold()):
            if not unicodedata.combining(sub):
                folded.append(sub)
    return "".join(folded)


def _is_word_char(char: str) -> bool:
    return unicodedata.category(char)[0] in "LN"


def normalise(text: str) -> NormalisedText:
    """Normalise `text` and keep the mapping back to original character offsets."""
    chars: list[str] = [" "]
    origin: list[int] = [0]
    for index, char in enumerate(text):
        for out in _fold_char(char):
            if _is_word_char(out):
                chars.append(out)
                origin.append(index)
            elif chars[-1] != " ":
                chars.append(" ")
                origin.append(index)
    if chars[-1] != " ":
        chars.append(" ")
        origin.append(len(text))
    return NormalisedText("".join(chars), tuple(origin), len(text))


def normalise_term(term: str) -> str:
    """The normal form of a rule term without padding; empty if nothing word-like remains."""
    return normalise(term).text.strip()


def find_padded(haystack: str, term: str) -> Iterator[int]:
    """Start offsets (in `haystack`) of whole-token occurrences of the normalised `term`."""
    needle = f" {term} "
    position = haystack.find(needle)
    while position != -1:
        yield position + 1
        # Step one character only: adjacent occurrences share their separating space.
        position = haystack.find(needle, position + 1)


def token_ngrams(normalised: str, max_tokens: int) -> list[str]:
    """Distinct runs of 1..max_tokens consecutive tokens of normalised text, in first-seen order.

    A term of k tokens occurs on token boundaries exactly when it equals one of these k-grams.
    """
    tokens = normalised.split()
    seen: dict[str, None] = {}
    for size in range(1, max_tokens + 1):
        for start in range(len(tokens) - size + 1):
            seen.setdefault(" ".join(tokens[start : start + size]), None)
    return list(seen)


def candidate_ngrams(normalised: str, starts: dict[str, int]) -> list[str]:
    """Distinct token runs that could equal a term: those beginning with a term's first token, up to the
    longest term that begins with it (`starts`: first token -> that length), in first-seen order.

    Every whole-token occurrence of a term is among them, so handing only these to the matcher loses
    nothing; it only skips runs no term can equal (most of a long message).
    """
    tokens = normalised.split()
    seen: dict[str, None] = {}
    for start, token in enumerate(tokens):
        longest = starts.get(token, 0)
        for size in range(1, min(longest, len(tokens) - start) + 1):
            seen.setdefault(" ".join(tokens[start : start + size]), None)
    return list(seen)
