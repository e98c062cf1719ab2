"""Which compliance hits stand, given the words around them (the `contexts` of compliance.yaml).

A term hit is found on whole tokens (rules/text.py). compliance.yaml then says, per rule, what the words
around it change:
- `qualified` terms are too common to decide alone ("court", "personal data"): a hit counts only when a
  cue of one of its `needs` contexts is near it ("take you to court", "personal data was exposed") and,
  if the group names `also_needs`, a cue of every one of those as well ("another company's" + "invoices"
  + "we can see");
- `unless` contexts drop a hit when one of their cues is near it: negation ("no data breach"),
  hearsay ("a data breach in the news"), hypotheticals ("in the event of a breach"), a reference to a
  document or page ("our GDPR page").
"Near" is counted in tokens of the normal form, inside the hit's sentence only: `before` tokens before
the hit's first token and `after` tokens after its last. A cue that overlaps the hit itself is ignored
(the term "no backup" is not negated by its own "no"). A cue written with a trailing "*" is a stem: any one token
starting with it counts ("compartilh*": compartilhado, compartilhados). A `same_clause` context also needs no clause mark
(, : ( ) or a dash) between cue and hit: "No, GDPR applies" is not "no GDPR".

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
_CLAUSE_MARK = re.compile(r"[,:()\u2013\u2014]|\s-\s")


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


class _Sentence:
    """One sentence's tokens (normal form) and each token's original (start, end) offsets."""

    def __init__(self, text: str, start: int, end: int) -> None:
        self.text = text
        norm = normalise(text[start:end])
        self.tokens: list[str] = []
        self.spans: list[tuple[int, int]] = []
        position = 1  # the normal form is padded with one leading space
        for token in norm.text.split():
            begin, stop = norm.original_span(position, position + len(token))
            self.tokens.append(token)
            self.spans.append((start + begin, start + stop))
            position += len(token) + 1

    def index_at(self, offset: int) -> int:
        """Index of the first token starting at or after the original `offset`."""
        return bisect.bisect_left([s for s, _ in self.spans], offset)

    def clause_break(self, left: int, right: int) -> bool:
        """Whether a clause mark lies between token `left` (ending first) and token `right`."""
        return bool(_CLAUSE_MARK.search(self.text, self.spans[left][1], self.spans[right][0]))


def _cue_near(sentence: _Sentence, first: int, last: int, context: Context) -> bool:
    """Whether a cue of `context` ends within `before` tokens of token `first` or starts within `after`
    tokens of token `last - 1` (first..last is the hit, end exclusive)."""
    tokens = sentence.tokens
    lo, hi = max(0, first - context.before), min(len(tokens), last + context.after)
    for cue in context.cues:
        size = len(cue)
        for at in range(max(0, lo - size + 1), hi - size + 1):
            if tuple(tokens[at : at + size]) != cue:
                continue
            end = at + size
            if first - context.before < end <= first:
                if not (context.same_clause and sentence.clause_break(end - 1, first)):
                    return True
            if last <= at < last + context.after:
                if not (context.same_clause and sentence.clause_break(last - 1, at)):
                    return True
    if context.stems:
        for at in range(lo, hi):
            if first <= at < last or not tokens[at].startswith(context.stems):
                continue
            if at < first and not (context.same_clause and sentence.clause_break(at, first)):
                return True
            if at >= last and not (context.same_clause and sentence.clause_break(last - 1, at)):
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
    cache: dict[tuple[int, int], _Sentence] = {}
    kept = []
    for hit in hits:
        term = terms[(hit.rule_id, hit.term)]
        if not term.needs and not term.unless:
            kept.append(hit)
            continue
        s0, s1 = _sentence(bounds, hit.span[0], hit.span[1], len(text))
        sentence = cache.get((s0, s1)) or cache.setdefault((s0, s1), _Sentence(text, s0, s1))
        first = sentence.index_at(hit.span[0])
        last = first + term.tokens
        if term.needs and not any(_cue_near(sentence, first, last, contexts[n]) for n in term.needs):
            continue
        if not all(_cue_near(sentence, first, last, contexts[n]) for n in term.also_needs):
            continue
        if any(_cue_near(sentence, first, last, contexts[n]) for n in term.unless):
            continue
        kept.append(hit)
    return kept
