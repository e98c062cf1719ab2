"""Same-issue judgement by text: bottom-k MinHash sketches of character shingles (bounded, deterministic)."""

from __future__ import annotations

import re
import unicodedata
import zlib

_NON_WORD = re.compile(r"[^\w]+")
SHINGLE = 5
MAX_CHARS = 600  # subject + the start of the first message say what the issue is
# Words that say nothing about which issue it is: greetings, sign-offs, politeness.
_STOP = frozenset(
    "hi hello hey team thanks thank you regards best please kind the a an to of and or is are we our us i my me "
    "on in for it this that with be have has had was were can could would will just again still any".split())


def normalise(text: str) -> str:
    """Lower case, accents folded, punctuation to spaces, filler words dropped."""
    folded = text.casefold()
    if not folded.isascii():
        folded = "".join(ch for ch in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(ch))
    words = [w for w in _NON_WORD.sub(" ", folded).split() if w not in _STOP]
    return " ".join(words)


def sketch(text: str, size: int = 48) -> list[int]:
    """The `size` smallest CRC32 hashes of the text's character shingles (sorted)."""
    norm = normalise(text)[:MAX_CHARS]
    if len(norm) < SHINGLE:
        return [zlib.crc32(norm.encode())] if norm else []
    hashes = {zlib.crc32(norm[i : i + SHINGLE].encode()) for i in range(len(norm) - SHINGLE + 1)}
    return sorted(hashes)[:size]


def similarity(a: list[int], b: list[int], size: int = 48) -> float:
    """Bottom-k estimate of the Jaccard similarity of the two shingle sets."""
    if not a or not b:
        return 0.0
    union = sorted(set(a) | set(b))[:size]
    both = set(a) & set(b)
    return sum(1 for h in union if h in both) / len(union)
