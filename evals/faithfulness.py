"""An independent judge of model statements: is what a draft says borne out by the evidence it cites?

Written separately from the drafting checker (agent/grounding.py) and importing nothing from it, nor
any embedding model (the checker uses MiniLM; this judge uses none), so a blind spot of the checker is
not repeated here by construction. Where the checker stems words and measures word coverage plus
embedding similarity, this judge aligns words by their shared beginnings, finds the cited sentence
that carries the statement, and asks four questions an annotator would ask:

1. *specifics*: every number (digits or number words), identifier (letters with digits, all-caps
   codes), capitalised name and quoted phrase of the statement occurs in the cited evidence or in the
   case header the drafter was shown (account name, tier, ARR, renewal, risk, open tickets);
2. *support*: at least `MIN_ALIGNED` of the statement's content words align with words of the cited
   evidence (generic role words such as "customer" or "support" excepted);
3. *polarity*: each clause of the statement and the cited clause that carries most of it agree on negation ("still
   not fixed" is not borne out by "fixed", nor the reverse);
4. *outcome*: a statement that something was fixed, resolved or works again needs a cited sentence
   that says so without negation.

It is lexical: it cannot see a paraphrase with no shared word (it calls that unfaithful, which errs
toward strictness) and it cannot tell who did what beyond the words. Both are stated with the figures.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from agent.context import CaseContext

MIN_ALIGNED = 0.7
MIN_SHARED = 4

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SPLIT = re.compile(r"(?<=[.!?;:])\s+|\n+")
_CLAUSE = re.compile(r"(?<=[.!?;:,])\s+|\n+|\s+(?:and|but|while|although)\s+")
_SMALL = frozenset(
    "the a an and or but of to in on at for from by with as is are was were be been being has have had do does "
    "did it its this that these those there their they them we our us you your i me my he she his her not no "
    "so if then than too very can could will would should may might must just also about into over after "
    "before again still any all some more most such only other own same what which who whom when where why "
    "how each few both per via up out off".split()
)
# Who-and-what words every field uses; they carry no fact of the case.
_ROLES = frozenset(
    "customer customers client support team agent agents engineer engineers staff account case ticket tickets "
    "issue issues problem problems request requests reports reported says said asks asked wants wanted".split()
)
_NEGATORS = frozenset("not no never cannot can't won't don't doesn't didn't isn't aren't wasn't weren't hasn't "
                      "haven't unable without nobody nothing none neither nor".split())
_OUTCOME = re.compile(r"\b(?:fixed|resolved|solved|restored|works|working again|succeeded|succeeds|"
                      r"back to normal|completed)\b", re.I)
_NUMBER_WORDS = dict(zip("zero one two three four five six seven eight nine ten eleven twelve".split(),
                         map(str, range(13)), strict=True))
_NUMBER = re.compile(r"\d+(?:[.,:/]\d+)*")
_IDENT = re.compile(r"\b(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9][A-Za-z0-9_-]*\b|\b[A-Z]{2,}\b")
_QUOTE = re.compile(r"\"([^\"]{3,})\"|“([^”]{3,})”")
_CAPS = re.compile(r"\b[A-Z][a-z]+\b")
# Openers of a message a statement may copy ("Hello, It's ..."): capitalised, but no name.
_GREETING = frozenset("hello hi hey dear thanks thank please sorry good morning afternoon evening team".split())


@dataclass(frozen=True)
class Judgement:
    faithful: bool
    reasons: tuple[str, ...] = ()
    aligned: float = 0.0


@dataclass
class Shown:
    """What the drafter was shown for one case: text per evidence ref, and the case header."""

    evidence: Mapping[str, str]
    header: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def cited(self, refs: Iterable[str]) -> str:
        return "\n".join(self.evidence.get(r, "") or self.extra.get(r, "") for r in refs)


def _words(text: str) -> list[str]:
    return [_NUMBER_WORDS.get(w, w) for w in _TOKEN.findall(text.lower())]


def _content(text: str) -> list[str]:
    return [w for w in _words(text) if len(w) > 2 and w not in _SMALL and w not in _ROLES]


def _common(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


class _Vocabulary:
    """Words of a text, aligned by shared beginnings: "failing" ~ "failed", "exports" ~ "export", but not
    "month" ~ "monitoring" (the shared beginning must reach all but the last three letters of the shorter)."""

    def __init__(self, words: Iterable[str]) -> None:
        self.by_start: dict[str, set[str]] = {}
        for w in words:
            self.by_start.setdefault(w[:3], set()).add(w)

    def has(self, word: str) -> bool:
        candidates = self.by_start.get(word[:3], ())
        if len(word) < MIN_SHARED:
            return word in candidates  # a short word ("sla", "due", "t01") only as itself
        return any(len(c) >= MIN_SHARED and _common(word, c) >= max(MIN_SHARED, min(len(word), len(c)) - 3)
                   for c in candidates)


def _flat(text: str) -> str:
    return " " + " ".join(_words(text)) + " "


def _negated(text: str) -> bool:
    words = set(_words(text))
    return bool(words & _NEGATORS) or "n't" in text.lower()


# "1. Restart ... 2. Re-run ...": list numbering at the start or after a break numbers steps, states no fact.
_STEP = re.compile(r"(?:^|(?<=[\n;:.]\s)|(?<=\n))\s*\d{1,2}[.)](?=\s)")


def _specifics(text: str) -> list[str]:
    text = _STEP.sub(" ", text)
    idents = list(_IDENT.finditer(text))
    found = [m.group(0) for m in _NUMBER.finditer(text)  # a number inside an identifier goes with it
             if not any(i.start() <= m.start() and m.end() <= i.end() and i.group(0) != m.group(0) for i in idents)]
    found += [m.group(0) for m in idents]
    found += [a or b for a, b in _QUOTE.findall(text)]
    for sentence in _SPLIT.split(text):
        words = sentence.split()
        for m in _CAPS.finditer(" ".join(words[1:])):  # the first word of a sentence is capitalised anyway
            if m.group(0).lower() not in _SMALL and m.group(0).lower() not in _GREETING:
                found.append(m.group(0))
    for word in _TOKEN.findall(text.lower()):
        if word in _NUMBER_WORDS and word != "one":  # "one" is as often a pronoun as a number
            found.append(_NUMBER_WORDS[word])  # "three" -> "3"
    return list(dict.fromkeys(f for f in found if f.strip()))


def _occurs(specific: str, haystack: str) -> bool:
    needle = _flat(specific).strip()
    return bool(needle) and f" {needle} " in haystack


def judge_statement(text: str, cited: str, header: str = "") -> Judgement:
    """Is `text` borne out by `cited` (the evidence texts it cites, as shown), given the case `header`?"""
    if not cited.strip():
        return Judgement(False, ("cites no evidence with text",))
    reasons: list[str] = []
    haystack = _flat(f"{cited}\n{header}")
    missing = [s for s in _specifics(text) if not _occurs(s, haystack)]
    reasons += [f"'{s}' is not in the cited evidence" for s in missing]
    words = _content(text)
    vocabulary = _Vocabulary([*_content(cited), *_content(header)])
    aligned = sum(vocabulary.has(w) for w in words) / len(words) if words else 1.0
    if aligned < MIN_ALIGNED:
        reasons.append(f"{aligned:.0%} of its content words align with the cited evidence")
    sentences = [s for s in _CLAUSE.split(cited) if s and s.strip()]
    vocabularies = [_Vocabulary(_content(s)) for s in sentences]
    for part in _CLAUSE.split(text):  # each clause of the statement against the cited clause carrying it
        if not part:
            continue
        said = _content(part)
        if not said or not sentences:
            continue
        carried = [sum(v.has(w) for w in said) for v in vocabularies]
        best = sentences[carried.index(max(carried))]
        if max(carried) and _negated(part) != _negated(best):
            reasons.append(f"negation differs from the cited sentence that carries it: {part[:60]!r}")
    if _OUTCOME.search(text) and not _negated(text):
        if not any(_OUTCOME.search(s) and not _negated(s) for s in sentences):
            reasons.append("says something was fixed or works; no cited sentence says so")
    return Judgement(not reasons, tuple(reasons), round(aligned, 3))


def shown_for(ctx: CaseContext) -> Shown:
    """Per evidence ref, the words the drafter was shown for it: a message's text; for a record, its quote,
    the detail and kind of the signal it backs, and the ticket-summary lines that name it."""
    texts: dict[str, list[str]] = {m.ref: [m.text] for m in ctx.messages}
    lines = [line for part in ctx.tickets_summary.split(";") for line in part.splitlines() if line.strip()]
    for signal in ctx.signals:
        for ev in signal.evidence:
            texts.setdefault(ev.ref, [])
            # As the case block lists it: kind (rule id, cause): detail [evidence ids].
            texts[ev.ref] += [ev.quote, signal.detail, signal.kind.replace("_", " "), signal.rule_id, str(signal.cause)]
    for ref, parts in texts.items():
        record_id = ref.split(":", 1)[-1]
        parts += [line for line in lines if record_id in line]
    # The case header every draft was shown above the evidence: account, tier, ARR, renewal, risk, tickets.
    score = f"{ctx.score:.0f}" if ctx.score is not None else ""
    header = (f"{ctx.account_name} {ctx.tier} {ctx.arr:,.0f} renewal {ctx.renewal_days or ''} risk {ctx.band or ''} "
              f"{score}\n{ctx.tickets_summary}")
    return Shown({ref: "\n".join(p for p in parts if p) for ref, parts in texts.items()}, header)
