"""Compliance term recall and precision: planted terms (plain and adversarially disguised) vs clean text.

Positives: every term of the shipped rule set in a sentence, plus disguised variants a person still reads
as the term (case, punctuation or line breaks between words, markup, full-width letters, accents), plus
the customer messages of the generated compliance accounts. Negatives: near misses that only contain a
term inside another word, and customer messages of the other generated accounts. Matching is done by
the production matcher (rules/engine.py on durable-rules).
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from evals.scenario import AccountTruth

CONTEXTS = ("Please note: {t} regarding our account.", "{t}", "We are now considering {t} over this outage!")


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _accents(text: str) -> str:
    return "".join(c + "\u0301" if c in "aeiouAEIOU" else c for c in text)


DISGUISES: dict[str, Callable[[str], str]] = {
    "upper": str.upper,
    "title": str.title,
    "hyphenated": lambda t: t.replace(" ", "-"),
    "underscored": lambda t: t.replace(" ", "_"),
    "line_break": lambda t: t.replace(" ", "\n"),
    "extra_space": lambda t: t.replace(" ", "   "),
    "markdown_bold": lambda t: f"**{t}**",
    "html_tag": lambda t: f"<b>{t}</b>",
    "quoted": lambda t: f'"{t}"',
    "emoji_wrapped": lambda t: f"\U0001f621{t}\U0001f621",
    "fullwidth": _fullwidth,
    "accented": lambda t: unicodedata.normalize("NFC", _accents(t)),
}

NEAR_MISSES = (
    "We have an issue with the tissue order and will pursue it tomorrow.",
    "The courtyard camera feed is blurry.",
    "Thanks for the courtesy call, very reassuring.",
    "Our data protections team asked about the new dashboard colours.",
    "The suede finish on the report PDF looks great.",
    "The pseudonymised export is exactly what we needed.",
    "Our lawn service invoices are imported twice.",
    "The attorneyship module is not something we use.",
    "Damaged CSV headers after the import.",
    "Please share the security questionnaire template and the SOC 2 report when convenient.",
)


def plantable_terms(ruleset: Any) -> list[str]:
    """What the planted check plants for a loaded rule set: every plain term as written, and every
    qualified term next to the first cue of its first needed context and of each `also_needs` context
    (before the term when that context looks before it, else after; the needed cue nearest the term),
    since a qualified term alone must not fire."""
    out = []
    for term in ruleset.terms:
        if not term.needs:
            out.append(term.term)
            continue
        before: list[str] = []
        after: list[str] = []
        for name in (term.needs[0], *term.also_needs):
            context = ruleset.contexts[name]
            (before if context.before else after).append(" ".join(context.cues[0]))
        out.append(" ".join([*reversed(before), term.term, *after]))
    return out


def planted(terms: Sequence[str]) -> list[tuple[str, str, str]]:
    """(category, term, text) for every term in every context and disguise."""
    out = []
    for term in terms:
        for context in CONTEXTS:
            out.append(("plain", term, context.format(t=term)))
        for name, disguise in DISGUISES.items():
            out.append((name, term, CONTEXTS[0].format(t=disguise(term))))
    return out


def compliance_metrics(match: Callable[[str], Sequence[Any]], terms: Sequence[str],
                       truth: list[AccountTruth], customer_texts: dict[str, list[str]]) -> dict[str, Any]:
    by_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses = []
    for category, term, text in planted(terms):
        hit = bool(match(text))
        by_category[category][0] += hit
        by_category[category][1] += 1
        if not hit:
            misses.append({"category": category, "term": term, "text": text})
    # Generated accounts: every compliance account's messages together must hit; other accounts' must not.
    account_hits = {t.account_id: any(match(x) for x in customer_texts.get(t.account_id, [])) for t in truth}
    comp = [t for t in truth if t.has_compliance_terms]
    clean = [t for t in truth if not t.has_compliance_terms]
    near = [bool(match(x)) for x in NEAR_MISSES]
    clean_msgs = [x for t in clean for x in customer_texts.get(t.account_id, [])]
    clean_hits = [x for x in clean_msgs if match(x)]
    tp = sum(c[0] for c in by_category.values()) + sum(account_hits[t.account_id] for t in comp)
    fn = sum(c[1] - c[0] for c in by_category.values()) + sum(not account_hits[t.account_id] for t in comp)
    fp = sum(near) + len(clean_hits)
    negatives = len(NEAR_MISSES) + len(clean_msgs)
    return {
        "terms": len(terms),
        "planted_texts": sum(c[1] for c in by_category.values()),
        "recall": round(tp / (tp + fn), 4) if tp + fn else None,
        "precision": round(tp / (tp + fp), 4) if tp + fp else None,
        "recall_by_disguise": {k: round(v[0] / v[1], 4) for k, v in sorted(by_category.items())},
        "generated_compliance_accounts": f"{sum(account_hits[t.account_id] for t in comp)}/{len(comp)}",
        "negative_texts": negatives,
        "false_positives": fp,
        "near_miss_false_positives": [x for x, h in zip(NEAR_MISSES, near, strict=True) if h],
        "clean_message_false_positives": clean_hits[:10],
        "misses": misses[:20],
    }
