"""Grounding checks: a model statement reaches a reviewer only when the evidence it cites supports it.

Three tests, all of which must pass:
- *anchors*: every name, number, date, product or error code and every quoted phrase in the statement
  appears in the text it rests on (the cited evidence plus the case record the model was shown);
- *coverage*: most of its content words (lightly stemmed) appear there too;
- *meaning*: its MiniLM embedding is close to the closest cited sentence (when an encoder is given).

And the checks a customer update must pass before it can be sent: no placeholders, no internal notes, no
promises of dates, credits or refunds, written from the support team's side. These run on the text the
reviewer will see (PII restored), after generation, whatever the prompt asked for.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

MIN_COVERAGE = 0.8
MIN_SIMILARITY = 0.35

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SENTENCES = re.compile(r"(?<=[.!?;])\s+|\n+")
_STOP = frozenset(
    "a an the and or but of to in on at for from by with as is are was were be been being has have had it its "
    "this that these those our your their we you they i me my he she his her them us not no so if then than "
    "there here do does did can could will would should may might just also very into over since about after "
    "before still yet any all some more most once again while when what which who how why per via".split()
)
# Words a terse note uses to say which field it fills or to link facts; they state no fact of the case.
_FRAME = frozenset(
    "customer customers support team wants want wanted asks asked asking requests requested request needs need "
    "issue issues problem problems case account status now currently ongoing pending still open unresolved "
    "reported reports report says said states raised risk escalation escalated why because due latest recent "
    "awaiting waiting follow up update updates reply replied response responded".split()
)
# Capitalised words that start a clause rather than name anything ("... patience. Thank you ...").
_COMMON = frozenset("thank thanks please sorry hello dear regards kind best apologies unfortunately meanwhile "
                    "however currently rest sure yes".split())
_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december|"
           "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
_ANCHOR_PATTERNS = (
    re.compile(r"(?<![A-Za-z0-9_])\d(?:[\d,.:/%-]*\d)?(?![A-Za-z0-9_])"),  # numbers, amounts, times, dates
    re.compile(r"\b[A-Z]{2,}[A-Z0-9]*(?:[-_][A-Za-z0-9]+)*\b|\b[A-Za-z]+[-_]?\d[\w-]*\b"),  # SSO, S3, T-1042
    re.compile(rf"\b(?:{_MONTHS})\b", re.I),
)
_QUOTED = re.compile(r"[\"“”]([^\"“”]{3,})[\"“”]|(?<!\w)'([^']{3,})'(?!\w)")
_CAPITALISED = re.compile(r"(?<![.!?:]\s)(?<!^)\b([A-Z][a-z][\w-]+(?:\s+[A-Z][\w-]+)*)")


class Encoder(Protocol):
    """Sentence embeddings, L2-normalised (agent.sentiment.embeddings.MiniLMEncoder)."""

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Verdict:
    supported: bool
    reasons: tuple[str, ...] = ()
    coverage: float = 0.0
    similarity: float | None = None


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text.lower()) if len(w) > 2 and w not in _STOP}


_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}


def _norm(text: str) -> str:
    words = re.sub(r"[^\w%:/.,-]+", " ", text.lower()).split()
    return " " + " ".join(_NUMBER_WORDS.get(w, w) for w in words) + " "


def _contains(haystack: str, anchor: str) -> bool:
    # Whole words only: "3" is not supported by "S3", nor "T-10" by "T-1042".
    needle = _norm(anchor).strip()
    return re.search(rf"(?<![\w-]){re.escape(needle)}(?![\w-])", haystack) is not None


_ENUMERATOR = re.compile(r"(?:^|(?<=\s))(?:step\s+)?\d{1,2}[.):](?=\s)", re.I)


def anchors(text: str, *, names: bool = True) -> list[str]:
    """The checkable specifics of a statement: numbers, codes, dates, quoted phrases, proper names
    (`names` False for Title Case text such as a title, where capitals mark no name)."""
    text = _ENUMERATOR.sub(".", text).lstrip(". ")  # "1. Restart ... 2. Re-run ..." numbers steps, it states no number
    found: list[str] = []
    spans: list[tuple[int, int]] = []
    for pattern in _ANCHOR_PATTERNS[1:]:
        for m in pattern.finditer(text):
            found.append(m.group(0))
            spans.append(m.span())
    # A number inside an identifier ("002" in "acc-002-t01") is checked as part of the identifier, not alone:
    # alone it is never found as a whole word, and a verbatim copy of the evidence was dropped for it.
    found = [m.group(0) for m in _ANCHOR_PATTERNS[0].finditer(text)
             if not any(a <= m.start() and m.end() <= b for a, b in spans)] + found
    found += [a or b for a, b in _QUOTED.findall(text)]
    for name in _CAPITALISED.findall(text) if names else ():
        if name.lower() not in _STOP and name.lower() not in _FRAME and name.lower() not in _COMMON:
            found.append(name)
    return list(dict.fromkeys(a.strip(" .,;:") for a in found if a.strip(" .,;:")))


def sentences(text: str) -> list[str]:
    return [s for s in (p.strip() for p in _SENTENCES.split(text)) if len(s) > 3]


@dataclass
class Grounder:
    """Checks statements against the texts they cite; `encoder` None skips the meaning test."""

    encoder: Encoder | None = None
    min_coverage: float = MIN_COVERAGE
    min_similarity: float = MIN_SIMILARITY
    _cache: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def check(self, statement: str, cited: Iterable[str], record: str = "") -> Verdict:
        """Is `statement` supported by the `cited` evidence texts (and the case `record` it was shown)?"""
        cited = [c for c in cited if c and c.strip()]
        if not cited:
            return Verdict(False, ("cites no evidence with text",))
        support = " ".join([*cited, record])
        haystack = _norm(support)
        reasons = [f"'{a}' is not in the cited evidence" for a in anchors(statement) if not _contains(haystack, a)]
        subject = _subject_name(statement)
        if subject and not _contains(haystack, subject):
            reasons.append(f"'{subject}', who the statement is about, is not in the cited evidence")
        words = content_words(statement) - {_stem(w) for w in _FRAME}
        known = content_words(support)
        coverage = len(words & known) / len(words) if words else 1.0
        if coverage < self.min_coverage:
            reasons.append(f"only {coverage:.0%} of its words are in the cited evidence")
        reasons += meaning_problems(statement, cited) + absence_problems(statement, cited)
        similarity = self._similarity(statement, cited) if self.encoder is not None else None
        if similarity is not None and similarity < self.min_similarity:
            reasons.append(f"its meaning is far from the cited evidence (similarity {similarity:.2f})")
        return Verdict(not reasons, tuple(reasons), round(coverage, 3),
                       None if similarity is None else round(similarity, 3))

    def unsupported_anchors(self, text: str, support: Iterable[str], *, names: bool = True) -> list[str]:
        """Names, numbers, dates, codes and quotes in `text` that none of `support` contains."""
        haystack = _norm(" ".join(support))
        return [f"'{a}' is not in the case" for a in anchors(text, names=names) if not _contains(haystack, a)]

    def _similarity(self, statement: str, cited: list[str]) -> float:
        assert self.encoder is not None
        parts = [s for text in cited for s in sentences(text)] or cited
        vectors = self._encode([statement, *parts])
        return float(np.max(vectors[1:] @ vectors[0]))

    def _encode(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            assert self.encoder is not None
            for text, vec in zip(missing, self.encoder.encode(missing), strict=True):
                self._cache[text] = vec
            if len(self._cache) > 4096:  # evidence repeats within a case, not across thousands of them
                self._cache.clear()
        return np.stack([self._cache[t] for t in texts])


# ---- meaning the words alone miss: negation, certainty, who speaks ----------------------------------

_NEGATOR = re.compile(r"\b(?:not|no|never|none|nothing|nobody|neither|nor|cannot|unable|without|yet to)\b|n't\b",
                      re.I)
# Words that make a sentence a suspicion rather than a fact ("what looks like unauthorized access").
_HEDGE = re.compile(r"\b(?:looks? like|seems?|seemingly|appears? to|apparently|might|may (?:be|have)|maybe|"
                    r"possibl[ey]|probabl[ey]|suspect\w*|(?:un)?likely|unconfirmed|if (?:this|it) (?:was|is|were))\b",
                    re.I)
_CLAUSE = re.compile(r"(?<=[.!?;,:])\s+|\s+(?:and|but|while|whereas|although)\s+")
_NEG_SCOPE = 4  # words after a negator that it denies ("no customer update for ...")


def _negated_words(sentence: str) -> set[str]:
    """Stems a negator in `sentence` denies: the few words after each "not", "no", "never", "n't"."""
    denied: set[str] = set()
    for clause in _CLAUSE.split(sentence):  # "Not urgent, but we'd like ..." denies "urgent" only
        tokens = re.findall(r"[A-Za-z0-9']+", clause)
        for i, token in enumerate(tokens):
            if _NEGATOR.fullmatch(token) or token.lower().endswith("n't"):
                denied |= content_words(" ".join(tokens[i + 1 : i + 1 + _NEG_SCOPE]))
    return denied


def meaning_problems(statement: str, cited: Iterable[str]) -> list[str]:
    """Each clause of `statement` against the cited sentence that carries most of its words: a clause that
    denies what that sentence does not deny (or asserts what it denies), or states as fact what it only
    suspects, is not supported however many words they share."""
    parts = [s for text in cited for s in sentences(text)]
    frame = {_stem(w) for w in _FRAME}
    problems: list[str] = []
    for clause in _CLAUSE.split(statement):
        words = content_words(clause) - frame
        if not words or not parts:
            continue
        shared, best = max(((words & content_words(p), p) for p in parts), key=lambda sp: len(sp[0]))
        if not shared or len(shared) < min(2, len(words)):
            continue
        short = " ".join(clause.split()[:8])
        if _NEGATOR.search(clause):
            if not _NEGATOR.search(best):
                problems.append(f"'{short}' denies what the cited sentence does not deny")
        elif shared & _negated_words(best):
            problems.append(f"'{short}' drops the negation of the cited sentence")
        # The hedge must qualify the clause carrying the words ("we restarted it; it might take an hour"
        # hedges the hour, not the restart).
        carrier = max(_CLAUSE.split(best), key=lambda c: len(shared & content_words(c)))
        hedge = _HEDGE.search(carrier)
        if hedge and not _HEDGE.search(clause) and not _NEGATOR.search(clause):
            problems.append(f"'{short}' states as fact what the cited sentence only suspects ({hedge.group(0)!r})")
    return problems


def _subject_name(statement: str) -> str:
    """The capitalised word a statement starts with when it reads as a name ("Julia engaged ..."): the
    anchors skip a sentence's first word, but a note's first word is who it says acted."""
    m = re.match(r"\s*([A-Z][a-z]{2,})(?:\s+[A-Z][a-z]+)?\s+(?:has|had|have|is|was|did|does|will|[a-z]+ed)\b", statement)
    if not m:
        return ""
    word = m.group(1)
    low = word.lower()
    return "" if low in _STOP or low in _FRAME or low in _COMMON or low in _PARTIES else word


_FIRST_PERSON = re.compile(r"\b(?:[Ww]e|[Ww]e're|[Ww]e've|[Oo]urs?|us|I|I'm|I've|[Mm]y|me)\b")
_PARTIES = frozenset("customer customers client clients support team agent agents engineering engineer engineers "
                     "billing security compliance the they their we our".split())
_ABSENCE = re.compile(
    r"\b(?:has|have|had|did|does|do|is|was)\s*(?:not|n't|never)\s+(?:yet\s+|been\s+)?(?:respond|repl|answer|hear|"
    r"heard|acknowledg|follow|reach|got|gotten|receiv|provid|sen[dt]|updat|comment|confirm)\w*|\b(?:no|without)\s+"
    r"(?:\w+\s+)?(?:reply|replies|response|responses|answer|answers|update|updates|word|news|feedback|"
    r"acknowledge?ment)\b|\b(?:silent|went quiet|gone quiet|unanswered|ignored|ghost\w*)\b|"
    r"\byet to (?:respond|reply|answer|hear|confirm)\w*", re.I)
# The customer as the silent party ("the customer has not replied", "no reply from the customer"), not as
# the one left without news ("the customer has had no update"): at most one word between party and verb,
# so "the customer says support has not responded" is about support.
_PARTY = r"(?:customer|client|contact)s?"
_SILENT_CUSTOMER = re.compile(
    rf"\b{_PARTY}(?:\s+\w+)?\s+(?:has|have|had|did|does|is|was)\s*(?:not|n't|never)\s+(?:yet\s+)?(?:respond|repl|"
    rf"answer|acknowledg|confirm|follow|got back|come back|reach|return)\w*|\b(?:no|without(?: a| any)?)\s+(?:reply|"
    rf"replies|response|responses|answer|acknowledge?ment|word)\s+(?:back\s+)?from\s+(?:the\s+)?{_PARTY}|"
    rf"\b{_PARTY}(?:\s+\w+)?\s+(?:is|was|has been|went|has gone)\s+(?:silent|quiet|unresponsive)|"
    rf"\b{_PARTY}(?:\s+\w+)?\s+(?:is|has)\s+yet to (?:respond|reply|answer)", re.I)


def speaker_problems(text: str, sides: Sequence[str | None]) -> list[str]:
    """Who says and who did what in a brief statement, by the sides of the messages it rests on (`sides`:
    "customer", "agent" or "internal" per cited message, None for a record). The brief speaks for the
    support team: a "we"/"our" resting on no support message is the customer's "our" copied over; a claim
    that the customer has not responded cannot rest on a message the customer wrote; a claim that someone
    has not responded must rest on a cited sentence that says so of them."""
    problems: list[str] = []
    support = [s for s in sides if s is not None and s != "customer"]
    pronoun = _FIRST_PERSON.search(_QUOTED.sub(" ", text))  # a quote keeps its speaker's "we"
    if pronoun and not support:
        problems.append(f"speaks as {pronoun.group(0)!r} but cites no support message (the customer's words)")
    if _SILENT_CUSTOMER.search(text) and "customer" in sides:
        problems.append("says the customer has not responded, citing a message the customer wrote")
    return problems


def absence_problems(text: str, cited: Iterable[str]) -> list[str]:
    """A claim that a named person has not responded needs a cited sentence that denies something of them."""
    absence = _ABSENCE.search(text)
    if not absence:
        return []
    names = [n for n in re.findall(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*", text[: absence.start()])
             if n.lower() not in _STOP and n.lower() not in _PARTIES and n.lower() not in _FRAME]
    if not names:
        return []
    denying = [p for t in cited for p in sentences(t) if _NEGATOR.search(p) or _ABSENCE.search(p)]
    name = names[-1]
    if any(_contains(_norm(p), name) for p in denying):
        return []
    return [f"says {name} has not responded; no cited sentence says that of {name}"]


def minilm_grounder() -> Grounder:
    """The product's grounder: the shipped MiniLM ONNX encoder (offline, ~22 MB, loaded once)."""
    from agent.sentiment.embeddings import MiniLMEncoder

    return Grounder(encoder=MiniLMEncoder())


# ---- customer updates -------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(
    r"\[[^\]\n]{0,40}\]?|\{[^}\n]{0,40}\}?|<[^>\n]{0,40}>|\bX{3,}\b|\b(?:TBD|TODO|N/?A)\b|_{3,}|\.{4,}", re.I)
_INTERNAL = re.compile(
    r"\b(?:weekly review|tagg(?:ed|ing) (?:it|this|the ticket)|internal(?:ly)?|jira|slack|confluence|post-?mortem|root[- ]cause analysis|our engineers? (?:think|believe"
    r"|suspect)|note to self|off the record|(?:tier|t)[123] escalation|swarm|risk score|red account|churn)\b", re.I)
_PROMISE = re.compile(
    r"\b(?:refund\w*|credit(?:s|ed)?|compensat\w+|discount\w*|free of charge|waive\w*|reimburs\w+|guarantee\w*|"
    r"promise\w*|we will (?:have|get) (?:it|this|the issue) (?:fixed|resolved)|will be (?:fixed|resolved) "
    r"(?:by|within|tomorrow|today)|(?:by|before|within|until) (?:tomorrow|tonight|today|end of (?:the )?"
    rf"(?:day|week|month)|eod|eow|\d+ (?:hours?|days?|weeks?))|(?:mon|tues|wednes|thurs|fri|satur|sun)day|"
    rf"(?:{_MONTHS}) \d{{1,2}}|\d{{1,2}} (?:{_MONTHS})|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?)\b",
    re.I)
_WRONG_SIDE = re.compile(
    r"\b(?:(?:impact|affect|hurt|block|disrupt|delay|frustrat)\w*\s+(?:our|us)\b|our (?:users|operations|analysts|"
    r"leadership|finance|website|pipeline|etl|dpo|ciso|soc)\b|we(?:'re| are) (?:experiencing|losing|seeing)|i would "
    r"appreciate it if you|when you get a chance|the customer|your support team|your (?:engineers|engineering team) (?:are|is)|receive any updates from "
    r"(?:you|the customer)|we (?:have )?(?:reported|raised|opened|logged) (?:this|the) (?:ticket|issue|case) with "
    r"you|please (?:fix|resolve) (?:this|it|the issue)|we are (?:still )?waiting for (?:your|a) (?:fix|resolution)|"
    r"our users (?:cannot|can't|are unable)|as a customer)\b", re.I)


# "I I am ...": a model middle ending in a word the code's next sentence starts with, or a model stutter.
_DOUBLED = re.compile(r"\b([A-Za-z]+)\s+\1\b", re.I)
_DOUBLE_OK = frozenset({"that", "had"})  # "that that", "had had" can be correct English


_INSTRUCTION = re.compile(
    r"\b(?:ignor|disregard|forg[eo]t)\w*.{0,30}\b(?:instructions?|rules|prompt)\b|system prompt|you are (?:now )?"
    r"(?:dan|authori[sz]ed)|(?:bypass|skip)\w*\b.{0,20}\b(?:approval|review|inbox)|without (?:human )?(?:approval|"
    r"review)|\b(?:mark|set|flag|make)\w*.{0,30}\b(?:green|closed|resolved|healthy|saved|sent)\b|\b(?:account|case|"
    r"status)\b.{0,12}\b(?:is|was|now)\b.{0,8}\b(?:green|closed|healthy)\b|\b(?:close|end|de-?escalate)\b.{0,10}"
    r"\b(?:this|the)\b.{0,3}\b(?:case|swarm)\b|remove\b.{0,20}\bcompliance|unassign", re.I)


def instruction_like(text: str) -> list[str]:
    """Text that repeats or obeys an instruction smuggled into the case ("mark this account green"): a
    statement can be lexically 'grounded' in an injected message, so this is checked on its own."""
    flat = unicodedata.normalize("NFKC", text).replace("\u200b", " ")
    return [f"repeats an instruction {m.group(0)!r}" for m in _INSTRUCTION.finditer(flat)]


def foreign_letters(text: str, support: Iterable[str]) -> list[str]:
    """Letters beyond Latin script that the case never uses (a small model drifting into another script)."""
    known = set("".join(support))
    odd = sorted({c for c in text if c.isalpha() and ord(c) > 0x24F and c not in known})
    return [f"letters the case never uses: {''.join(odd[:8])!r}"] if odd else []


def promises(text: str) -> list[str]:
    """Promises of dates, credits or refunds in `text` (an action, a rationale, an update)."""
    return [f"promise {m.group(0)!r}" for m in _PROMISE.finditer(text)]


def _shingles(text: str, n: int = 6) -> set[str]:
    words = _WORD.findall(text.lower())
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


def update_problems(text: str, *, allowed: Sequence[str] = (), internal_texts: Sequence[str] = ()) -> list[str]:
    """Why an update cannot be sent as written ([] when it can). `allowed` phrases (the greeting, the
    signature, the next-update time the code itself wrote) are exempt; `internal_texts` must not leak."""
    for phrase in allowed:
        text = text.replace(phrase, " ")
    problems = [f"placeholder {m.group(0)!r}" for m in _PLACEHOLDER.finditer(text)]
    problems += [f"internal detail {m.group(0)!r}" for m in _INTERNAL.finditer(text)]
    problems += [f"promise {m.group(0)!r}" for m in _PROMISE.finditer(text)]
    problems += [f"wrong side {m.group(0)!r}" for m in _WRONG_SIDE.finditer(text)]
    problems += [f"doubled word {m.group(0)!r}" for m in _DOUBLED.finditer(text)
                 if m.group(1).lower() not in _DOUBLE_OK]
    leaked = _shingles(text) & set().union(*(_shingles(t) for t in internal_texts)) if internal_texts else set()
    problems += [f"quotes an internal note: {s!r}" for s in sorted(leaked)[:1]]
    return problems


# ---- what an update claims happened -------------------------------------------------------------------

# "has been resolved", "we've fixed it", "implemented a fix", "works again": something is done.
_DONE = re.compile(
    r"\b(?:(?:has|have|had|is|are|was|were|been)|(?<=\w)'(?:ve|s))\s+(?:now\s+|already\s+|been\s+|successfully\s+|"
    r"finally\s+|fully\s+)*(?:resolv|fix|solv|restor|complet|remov|refund|revers|void|reissu|deploy|implement|"
    r"correct|clos|sort)(?!\w*(?:ing|ly)\b)\w*|\b(?:implemented|deployed|shipped|applied|rolled out|found) (?:a|the) (?:fix|solution)\b|"
    r"\b(?:is|are) (?:now )?(?:working (?:again|normally|fine|properly)|back to normal|back up)\b|"
    r"\bworks (?:again|now)\b", re.I)
# "once it is fixed", "to confirm that it has been resolved": a goal or a condition, not a claim.
_NOT_YET = re.compile(r"\b(?:will|once|as soon as|until|ensure|ensuring|working to|to confirm|confirm that|if|when|"
                      r"whether|expect|hope|aim)\b", re.I)
# "great to hear that you've resolved it": the letter answers good news from the customer.
_GOOD_NEWS = re.compile(r"\b(?:great|glad|good|happy|pleased|nice|relieved) to (?:hear|see|know|learn)\b|"
                        r"congratulat\w*|\byou(?:'ve| have)?\s+(?:been able to\s+|managed to\s+|successfully\s+)?"
                        r"(?:resolv|fix|solv|sort)\w*", re.I)
_OUTCOME = re.compile(r"\b(?:works?|working|fixed|resolved|solved|sorted|all good|back to normal|did the trick)\b",
                      re.I)
_FIX = re.compile(r"\b(?:fix(?:ed)?|resolved|solved|restored|deployed|rolled (?:out|back)|corrected|reissued|voided|"
                  r"refunded|re-?enabled|replaced|patched|released|recovered|merged|mapped|re-?ran|added|changed)\b",
                  re.I)


def _reports(text: str, pattern: re.Pattern[str]) -> bool:
    """Does some sentence of `text` say `pattern` without denying it?"""
    return any(pattern.search(p) and not _NEGATOR.search(p) for p in sentences(text))


def update_claim_problems(text: str, *, customer: Sequence[str], support: Sequence[str],
                          signals: Sequence[str] = ()) -> list[str]:
    """What a customer update claims that the record does not support ([] when nothing).

    `customer` and `support`: the texts of the case's customer messages and support replies, oldest first
    (only the replies after the customer's latest message can report a fix the customer has not since
    contradicted); `signals`: the risk signals' kinds, which are the team's own assessment, not news for
    the customer. A claim that something is resolved, fixed or done needs such a reply that says so
    and shares its words; good news from the customer ("great to hear you resolved it") needs the
    customer's latest message to report it; a signal's name is an internal detail."""
    problems: list[str] = []
    latest_customer = customer[-1] if customer else ""
    for sentence in sentences(text):
        if _GOOD_NEWS.search(sentence) and not _reports(latest_customer, _OUTCOME):
            problems.append(f"answers good news the customer never reported: {sentence[:80]!r}")
            continue
        done = _DONE.search(sentence)
        if done and not _NOT_YET.search(sentence[: done.end()]) and not _NEGATOR.search(sentence):
            words = content_words(sentence) - {_stem(w) for w in _FRAME}
            # The customer confirming it ("the export works now") supports it as well as a reply reporting it.
            sources = [r for r in support if _reports(r, _FIX)] + ([latest_customer] if _reports(latest_customer,
                                                                                                   _OUTCOME) else [])
            if not any(len(words & content_words(source)) >= 2 for source in sources):
                problems.append(f"claims {done.group(0)!r}; no support reply since the customer's last message "
                                "reports it")
    for kind in signals:
        words = [w for w in kind.lower().replace("_", " ").split() if len(w) > 2]
        if not words:
            continue
        for sentence in sentences(text):
            found = content_words(sentence)
            if all(_stem(w) in found for w in words):
                problems.append(f"internal risk signal {kind.replace('_', ' ')!r}")
                break
    return problems
