"""Which compliance hits stand, given the words around them (the `contexts` of compliance.yaml).

A term hit is found on whole tokens (rules/text.py). compliance.yaml then says, per rule, what the words
around it change:
- `qualified` terms are too common to decide alone ("court", "personal data"): a hit counts only when a
  cue of one of its `needs` contexts is near it ("take you to court", "personal data was exposed");
- `unless` contexts drop a hit when one of their cues is near it: negation ("no data breach"),
  hearsay ("a data breach in the news"), hypotheticals ("in the event of a breach"), a reference to a
  document or page ("our GDPR page").
"Near" is counted in tokens of the normal form, inside the hit's sentence only: `before` tokens before
the hit's first token and `after` tokens after its last. A cue that overlaps the hit itself is ignored
(the term "no backup" is not negated by its own "no").

Both evaluators (the durable-rules adapter and the plain-Python reference) pass their raw hits through
`apply_contexts`, so what stands is decided by the YAML alone and identically in both.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping, Sequence

from rules.decisions import ComplianceHit
from rules.schema import Context, Term
from rules.text import normalise

# A sentence ends at . ! ? ; followed by white space, or at a blank line. A single line break does not
# end one (mail wraps lines mid-sentence), nor does a colon: it usually introduces what the sentence is
# about ("Data loss: the records are gone").
_SENTENCE_END = re.compile(r"[.!?;]+\s+|\n\s*\n\s*")


def sentence_bounds(text: str) -> list[int]:
    """Offsets where a new sentence starts (after its predecessor's end mark and white space)."""
    return [m.end() for m in _SENTENCE_END.finditer(text)]


def _sentence(bounds: list[int], start: int, end: int, length: int) -> tuple[int, int]:
    """The sentence span holding text[start:end]; a boundary inside the hit (a line break between the
    words of one term) does not cut it."""
    i = bisect.bisect_right(bounds, start)
    first = bounds[i - 1] if i else 0
    j = bisect.bisect_left(bounds, end)
    last = bounds[j] if j < len(bounds) else length
    return first, last


def _cue_near(tokens: list[str], first: int, last: int, context: Context) -> bool:
    """Whether a cue of `context` ends within `before` tokens of tokens[first] or starts within `after`
    tokens of tokens[last - 1] (first..last is the hit, end exclusive)."""
    lo, hi = max(0, first - context.before), min(len(tokens), last + context.after)
    for cue in context.cues:
        size = len(cue)
        for at in range(max(0, lo - size + 1), hi - size + 1):
            if tuple(tokens[at : at + size]) != cue:
                continue
            end = at + size
            if end <= first and end > first - context.before:
                return True
            if at >= last and at < last + context.after:
                return True
    return False


def apply_contexts(text: str, hits: Sequence[ComplianceHit], terms: Mapping[tuple[str, str], Term],
                   contexts: Mapping[str, Context]) -> list[ComplianceHit]:
    """The hits that stand: qualified ones with a needed cue near, none with an `unless` cue near.

    `terms` maps (rule id, term as written) to the loaded Term; hits keep their order.
    """
    if not contexts or not hits:
        return list(hits)
    bounds = sentence_bounds(text)
    cache: dict[tuple[int, int], list[str]] = {}
    kept = []
    for hit in hits:
        term = terms[(hit.rule_id, hit.term)]
        if not term.needs and not term.unless:
            kept.append(hit)
            continue
        s0, s1 = _sentence(bounds, hit.span[0], hit.span[1], len(text))
        tokens = cache.setdefault((s0, s1), normalise(text[s0:s1]).text.split())
        first = len(normalise(text[s0 : hit.span[0]]).text.split())
        last = first + term.tokens
        if term.needs and not any(_cue_near(tokens, first, last, contexts[n]) for n in term.needs):
            continue
        if any(_cue_near(tokens, first, last, contexts[n]) for n in term.unless):
            continue
        kept.append(hit)
    return kept
