"""Hypothesis strategies for decisions on each approval kind: valid, partially valid and hostile edits.

Each strategy yields a `Case`: the decision body, how it is sent, and what must happen (`expect`):
"apply" (200, applied exactly as `applied` says), or "refuse" (a 4xx, nothing changes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from core.models.edits import (
    BRIEF_FIELDS,
    MAX_ARTICLE_TEXT,
    MAX_ARTICLE_TITLE,
    MAX_BODY,
    MAX_BRIEF_TEXT,
    MAX_SUBJECT,
    MAX_TAG,
    MAX_TAGS,
)

# Text people type, with the unicode that breaks naive code: astral (paired surrogates), combining marks,
# right-to-left, zero-width joiners, NBSP, CJK, escaped-looking text and markup.
EDGE_SNIPPETS = ["😀", "👩🏽‍💻", "e\u0301", "\u202eevil", "\u200d", "\u00a0", "日本語", "\\ud800", "<script>x</script>",
                 "{{ 7*7 }}", "' OR 1=1 --", "\U0010fffd", "ﷺ", "\t", "\n"]
_CHARS = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029")
_TYPED = st.text(_CHARS, min_size=1, max_size=60) | st.sampled_from(EDGE_SNIPPETS)
LONE_SURROGATES = st.sampled_from(["\ud800", "\udfff", "a\udc00b", "\ud83d"])
CONTROL = st.sampled_from(["\x00", "a\x00b", "\x07", "x\x1by", "\x7f"])


@dataclass
class Decision:
    body: dict[str, Any]
    expect: str  # "apply" | "refuse"
    label: str
    applied: dict[str, Any] = field(default_factory=dict)  # the changes that must be applied (canonical)


def texts(max_size: int) -> st.SearchStrategy[str]:
    """Valid text for a field: non-blank after trimming, within the limit (often right at it)."""
    body = st.lists(_TYPED, min_size=1, max_size=6).map("".join)
    at_limit = st.just(None).map(lambda _: "x" * max_size)
    return (body | at_limit).map(lambda s: s[:max_size]).filter(lambda s: bool(s.strip()))


def bad_texts(max_size: int) -> st.SearchStrategy[Any]:
    """What a text field must refuse: too long, blank, control characters, lone surrogates, wrong types."""
    return st.one_of(
        st.just("y" * (max_size + 1)), st.sampled_from(["", "   ", "\n\t "]), CONTROL, LONE_SURROGATES,
        st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False), st.booleans(), st.none(),
        st.lists(st.text(max_size=3), max_size=2), st.just({"text": 1}), st.just({"nested": {"x": "y"}}),
    )


def deep(levels: int) -> Any:
    value: Any = "x"
    for _ in range(levels):
        value = {"d": value}
    return value


def hostile_payloads() -> st.SearchStrategy[Any]:
    """Edited payloads no contract accepts: wrong top-level types, deep nesting, unknown keys."""
    return st.one_of(
        st.sampled_from([[], "edit", 7, True, [{"brief": {}}]]),
        st.integers(34, 60).map(deep), st.just({"unknown": "x"}),
        st.dictionaries(st.text(_CHARS, min_size=1, max_size=8).filter(
            lambda k: k not in ("brief", "article", "subject", "body", "next_actions", "tier", "owner", "swarm",
                                "sla_due", "source", "suggestions")), st.text(max_size=5), min_size=1, max_size=3),
    )


def _brief(proposal: dict[str, Any]) -> st.SearchStrategy[Decision]:
    brief = proposal["brief"]

    @st.composite
    def valid(draw: st.DrawFn) -> Decision:
        names = draw(st.lists(st.sampled_from(BRIEF_FIELDS), min_size=1, max_size=5, unique=True))
        new = {n: draw(texts(MAX_BRIEF_TEXT)) for n in names}
        shape = draw(st.sampled_from(["string", "object", "whole"]))
        if shape == "string":
            edited: dict[str, Any] = {"brief": dict(new)}
        else:
            fields = {n: {**brief[n], "text": t} for n, t in new.items()}
            edited = {"brief": fields} if shape == "object" else {**proposal, "brief": {**brief, **fields}}
        changes = {n: t.strip() for n, t in new.items() if t.strip() != brief[n]["text"]}
        return Decision({"type": "edit", "edited_payload": edited}, "apply", f"brief {shape}",
                        {"brief": changes} if changes else {})

    @st.composite
    def partial(draw: st.DrawFn) -> Decision:
        good, bad = draw(st.lists(st.sampled_from(BRIEF_FIELDS), min_size=2, max_size=2, unique=True))
        breaking = draw(st.sampled_from(["text", "citations", "read_only", "unknown"]))
        edited: dict[str, Any] = {"brief": {good: draw(texts(MAX_BRIEF_TEXT))}}
        if breaking == "text":
            edited["brief"][bad] = draw(bad_texts(MAX_BRIEF_TEXT))
        elif breaking == "citations":
            edited["brief"][bad] = {"text": "ok", "citations": ["message:not-cited"]}
        elif breaking == "read_only":
            key = draw(st.sampled_from(["tier", "owner", "swarm", "sla_due"]))
            edited[key] = draw(st.sampled_from(["T1", None, [], "someone else"]))
        else:
            edited["brief"]["source"] = "x"  # the probe of issue 17
        return Decision({"type": "edit", "edited_payload": edited}, "refuse", f"brief partial {breaking}")

    unchanged = st.sampled_from([{"brief": brief}, proposal, {"brief": {n: brief[n]["text"] for n in BRIEF_FIELDS}}])
    return st.one_of(valid(), partial(), unchanged.map(
        lambda e: Decision({"type": "edit", "edited_payload": e}, "apply", "brief unchanged")))


def _outreach(proposal: dict[str, Any]) -> st.SearchStrategy[Decision]:
    action = st.fixed_dictionaries({"action": texts(300), "owner_role": st.sampled_from(["csm", "support_t2", "ae"]),
                                    "rationale": st.just(""), "citations": st.just([])})

    @st.composite
    def valid(draw: st.DrawFn) -> Decision:
        edited: dict[str, Any] = {}
        if draw(st.booleans()):
            edited["subject"] = draw(texts(MAX_SUBJECT))
        if draw(st.booleans()) or not edited:
            edited["body"] = draw(texts(MAX_BODY))
        if draw(st.booleans()):
            edited["next_actions"] = draw(st.lists(action, min_size=1, max_size=3))
        whole = draw(st.booleans())
        changes = {k: (v.strip() if isinstance(v, str) else [{**a, "action": a["action"].strip()} for a in v])
                   for k, v in edited.items()}
        changes = {k: v for k, v in changes.items() if v != proposal.get(k)}
        return Decision({"type": "edit", "edited_payload": {**proposal, **edited} if whole else edited}, "apply",
                        "outreach" + (" whole" if whole else ""), changes)

    @st.composite
    def partial(draw: st.DrawFn) -> Decision:
        breaking = draw(st.sampled_from(["subject", "body", "actions", "read_only"]))
        edited: dict[str, Any] = {"body": draw(texts(MAX_BODY))}
        if breaking == "subject":
            edited["subject"] = draw(bad_texts(MAX_SUBJECT))
        elif breaking == "body":
            edited = {"subject": draw(texts(MAX_SUBJECT)), "body": draw(bad_texts(MAX_BODY))}
        elif breaking == "actions":
            edited["next_actions"] = draw(st.sampled_from([[], [{"action": "x"}], [{"action": "x", "owner_role": "ceo"}],
                                                           "call them", [{"action": "", "owner_role": "csm"}]]))
        else:
            edited["source"] = "model"
        return Decision({"type": "edit", "edited_payload": edited}, "refuse", f"outreach partial {breaking}")

    return st.one_of(valid(), partial(), st.just(Decision({"type": "edit", "edited_payload": proposal}, "apply",
                                                          "outreach unchanged")))


def _article(proposal: dict[str, Any]) -> st.SearchStrategy[Decision]:
    article = proposal["article"]
    limits = {"title": MAX_ARTICLE_TITLE, "problem": MAX_ARTICLE_TEXT, "solution": MAX_ARTICLE_TEXT}

    @st.composite
    def valid(draw: st.DrawFn) -> Decision:
        names = draw(st.lists(st.sampled_from([*limits, "tags"]), min_size=1, max_size=4, unique=True))
        new: dict[str, Any] = {}
        for n in names:
            new[n] = (draw(st.lists(texts(MAX_TAG), max_size=MAX_TAGS)) if n == "tags" else draw(texts(limits[n])))
        whole = draw(st.booleans())
        changes = {k: ([t.strip() for t in v] if k == "tags" else v.strip()) for k, v in new.items()}
        changes = {k: v for k, v in changes.items() if v != article.get(k)}
        edited = {"article": {**article, **new} if whole else new}
        return Decision({"type": "edit", "edited_payload": edited}, "apply", "article" + (" whole" if whole else ""),
                        {"article": changes} if changes else {})

    @st.composite
    def partial(draw: st.DrawFn) -> Decision:
        breaking = draw(st.sampled_from(["title", "tags", "read_only", "flat"]))
        edited: dict[str, Any] = {"article": {"problem": draw(texts(MAX_ARTICLE_TEXT))}}
        if breaking == "title":
            edited["article"]["title"] = draw(bad_texts(MAX_ARTICLE_TITLE))
        elif breaking == "tags":
            edited["article"]["tags"] = draw(st.sampled_from([["t"] * (MAX_TAGS + 1), ["x" * (MAX_TAG + 1)], "a,b", [1]]))
        elif breaking == "read_only":
            edited["article"][draw(st.sampled_from(["id", "status", "provenance"]))] = "changed"
        else:
            edited = {"title": "flat shape is not the contract"}
        return Decision({"type": "edit", "edited_payload": edited}, "refuse", f"article partial {breaking}")

    return st.one_of(valid(), partial(), st.just(Decision({"type": "edit", "edited_payload": proposal}, "apply",
                                                          "article unchanged")))


EDITS = {"validate_brief": _brief, "send_customer_update": _outreach, "publish_article": _article}


def decisions(action: str, proposal: dict[str, Any], allowed: list[str]) -> st.SearchStrategy[Decision]:
    """Every kind of decision on one approval, valid or not."""
    comment = texts(2000)
    simple = st.one_of(
        st.just(Decision({"type": "approve"}, "apply", "approve")),
        comment.map(lambda c: Decision({"type": "approve", "comment": c}, "apply", "approve+comment")),
        comment.map(lambda c: Decision({"type": "reject", "comment": c}, "apply", "reject")),
        comment.map(lambda c: Decision({"type": "respond", "comment": c}, "apply", "respond")),
    )
    refused = st.one_of(
        st.just(Decision({"type": "respond"}, "refuse", "respond without comment")),
        st.just(Decision({"type": "edit"}, "refuse", "edit without payload")),
        st.sampled_from(["maybe", "", None, 1]).map(lambda t: Decision({"type": t}, "refuse", "unknown type")),
        st.one_of(LONE_SURROGATES, CONTROL, st.just("z" * 20_001)).map(
            lambda c: Decision({"type": "reject", "comment": c}, "refuse", "hostile comment")),
        hostile_payloads().map(lambda p: Decision({"type": "edit", "edited_payload": p}, "refuse", "hostile payload")),
        st.just(Decision({"type": "approve", "actor": "someone else"}, "refuse", "actor in body")),
    )
    strategy = st.one_of(simple, refused, EDITS[action](proposal), EDITS[action](proposal))

    def allowed_only(decision: Decision) -> Decision:
        if decision.expect == "apply" and decision.body["type"] not in allowed:
            return Decision(decision.body, "refuse", decision.label + " (not allowed here)")
        return decision

    return strategy.map(allowed_only)
