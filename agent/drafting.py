"""Drafting: brief, next actions, customer update, knowledge. Redact -> model (bounded retry) -> validate,
or an extractive draft from the evidence when the model is disabled, unreachable or keeps failing.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, create_model

from agent import prompts
from agent.context import CaseContext, ResolutionEvidence, UpdateFacts
from agent.extractive import (
    _SALUTATION,
    _SCORE_NOTE,
    compose_update,
    extractive_brief,
    extractive_customer_update,
    extractive_knowledge,
    extractive_next_actions,
    first_sentence,
    fixed_update_phrases,
    update_subject,
)
from agent.grounding import (
    Grounder,
    foreign_letters,
    instruction_like,
    promises,
    speaker_problems,
    update_claim_problems,
    update_problems,
)
from agent.llm import ModelError, ModelPort, ModelUnavailable, Prompt
from agent.outputs import (
    BRIEF_FIELDS,
    Brief,
    CustomerUpdate,
    KnowledgeDraft,
    NextAction,
    NextActions,
    Statement,
)
from agent.pii import Redactor, restore
from core.models import AuthorSide, Role
from core.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_MESSAGES = 6
MAX_EXTRA_EVIDENCE = 4
QUOTE_CHARS = 220
BRIEF_TEXT_CHARS = 90
BRIEF_REFS = 3
# The trimmed case block (Settings.llm_case_block, docs/models.md): quotes and brief notes are shorter, and a
# brief note cites fewer ids (0.88x output tokens).
TRIMMED_QUOTE_CHARS = 160
TRIMMED_BRIEF_TEXT_CHARS = 80
TRIMMED_BRIEF_REFS = 2
CaseBlock = Literal["full", "trimmed"]
ACTION_CHARS = 90
RATIONALE_CHARS = 120
UPDATE_CHARS = 400


# ---- redaction and the case block -------------------------------------------------------------------


def redact_context(ctx: CaseContext, r: Redactor | None = None) -> tuple[CaseContext, dict[str, str]]:
    """A copy of `ctx` with every free text redacted by one `Redactor` (consistent placeholders)."""
    r = r or Redactor()
    signals = [
        s.model_copy(update={
            "detail": r.redact(s.detail),
            "evidence": [e.model_copy(update={"quote": r.redact(e.quote)[:2000]}) for e in s.evidence],
        })
        for s in ctx.signals
    ]
    messages = [m.model_copy(update={"text": r.redact(m.text)}) for m in ctx.messages]
    return (
        ctx.model_copy(update={"signals": signals, "messages": messages,
                               "tickets_summary": r.redact(ctx.tickets_summary)}),
        r.mapping,
    )


def _quote(text: str, limit: int = QUOTE_CHARS) -> str:
    flat = " ".join(text.split())
    flat = flat if len(flat) <= limit else flat[: limit - 1] + "…"
    # Escaping keeps customer text from closing its own tag and posing as instructions.
    return flat.replace("<", "&lt;").replace(">", "&gt;")


# A letter's closing: a sign-off word, then only a name or a signature line ("Best regards, Hannah Yilmaz",
# "Thanks, Maya", "Cheers!"); and a bare signature after the last sentence ("... normal. Maya Support Engineer").
_NAME = r"(?:\[[A-Z_]+\d*\]|[A-Z][\w.'-]*)"
_CLOSING = re.compile(
    r"(?:^|(?<=[.!?]))\s*(?i:best regards|kind regards|warm regards|many thanks|thanks again|regards|best|thanks|"
    r"thank you|cheers|sincerely)\s*[,.!-]*(?:\s+" + _NAME + r"){0,4}\s*[.!]?\s*$")
_SIGNATURE = re.compile(r"(?<=[.!?])\s+" + _NAME + r"(?:\s+" + _NAME + r"){0,3}\s*$")
# A short opening thank-you ("Thanks for reaching out.", "Thanks for the details, Hannah.") says nothing of the case.
_THANKS = re.compile(r"^(?i:thanks|thank you|many thanks)(?i: so much| again)?(?i: for (?:reaching out|your patience|the "
                     r"details|the update|letting us know|getting back to us|your (?:message|reply|email)|contacting us))?"
                     r"(?:,?\s+" + _NAME + r"){0,2}\s*[.!]\s+")


def letter_body(text: str) -> str:
    """A message without its greeting and closing: what it says, not who it greets or who signs it.
    The trimmed case block shows only this (the grounding checks read the whole message)."""
    flat = " ".join(text.split())
    body = _THANKS.sub("", _THANKS.sub("", _SALUTATION.sub("", flat, count=1)))
    body = _CLOSING.sub("", body)
    body = _SIGNATURE.sub("", body).strip()
    return body or flat


@dataclasses.dataclass(frozen=True)
class Catalogue:
    """Evidence shown to the model, numbered E1..En, and the refs those ids stand for."""

    lines: tuple[str, ...]
    refs: tuple[str, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(f"E{i}" for i in range(1, len(self.refs) + 1))

    def resolve(self, cited: Sequence[str], allowed: set[str]) -> list[str]:
        """Map E-ids (or literal refs) to refs among `allowed`; drop anything else, keep order, dedupe."""
        out: list[str] = []
        for c in cited:
            c = c.strip()
            ref = self.refs[int(c[1:]) - 1] if c[:1] in "Ee" and c[1:].isdigit() and 0 < int(c[1:]) <= len(self.refs) else c
            if ref in allowed and ref not in out:
                out.append(ref)
        return out


def build_catalogue(ctx: CaseContext, block: CaseBlock = "full") -> Catalogue:
    """The evidence lines of the case block. "full": each with its raw ref and date, each quote tagged.
    "trimmed": "E1 customer: <what the message says>", no raw refs or dates (the lines are in the record's
    order), greetings and sign-offs cut, each quote at most TRIMMED_QUOTE_CHARS."""
    lines: list[str] = []
    refs: list[str] = []
    for m in ctx.messages[-MAX_MESSAGES:]:
        refs.append(m.ref)
        if block == "trimmed":
            lines.append(f"E{len(refs)} {m.side}: {_quote(letter_body(m.text), TRIMMED_QUOTE_CHARS)}")
        else:
            lines.append(f'E{len(refs)} {m.ref} {m.side} {m.at:%Y-%m-%d}: <customer_text>{_quote(m.text)}</customer_text>')
    for ev in ctx.evidence:
        if ev.ref in refs or len(refs) >= MAX_MESSAGES + MAX_EXTRA_EVIDENCE:
            continue
        refs.append(ev.ref)
        if block == "trimmed":
            kind = ev.ref.split(":", 1)[0].replace("_", " ")
            quote = _quote(ev.quote, TRIMMED_QUOTE_CHARS) if ev.quote else "(record, no text)"
            lines.append(f"E{len(refs)} {kind}: {quote}")
        else:
            quote = f"<customer_text>{_quote(ev.quote, 160)}</customer_text>" if ev.quote else "(record, no text)"
            lines.append(f"E{len(refs)} {ev.ref} {ev.at:%Y-%m-%d}: {quote}")
    return Catalogue(tuple(lines), tuple(refs))


def render_case(ctx: CaseContext, cat: Catalogue, block: CaseBlock = "full") -> str:
    """The case block: account, tickets, signals, evidence lines. "trimmed": only the signals some shown
    evidence backs, without rule ids and the scorer's weights, and the evidence inside one <customer_text> block."""
    eid = {ref: f"E{i}" for i, ref in enumerate(cat.refs, 1)}
    signals = []
    for s in sorted(ctx.signals, key=lambda s: s.contribution, reverse=True)[:5]:
        shown = [eid[e.ref] for e in s.evidence if e.ref in eid]
        if block == "full":
            signals.append(f"- {s.kind} ({s.rule_id}, {s.cause}): {_quote(s.detail, 120) or s.value} [{', '.join(shown)}]")
        elif shown:
            detail = _quote(_SCORE_NOTE.sub("", s.detail).strip(), 120) or s.value
            signals.append(f"- {s.kind} ({s.cause}): {detail} [{', '.join(shown)}]")
    template = prompts.CASE_TEMPLATE_TRIMMED if block == "trimmed" else prompts.CASE_TEMPLATE
    return template.format(
        account=ctx.account_name, tier=ctx.tier, arr=f"{ctx.arr:,.0f}",
        renewal=f", renewal in {ctx.renewal_days} days" if ctx.renewal_days is not None else "",
        risk=f", risk {ctx.band} {ctx.score:.0f}" if ctx.band and ctx.score is not None else "",
        tickets=_quote(ctx.tickets_summary, 200) or "none given",
        signals="\n".join(signals) or "- none", evidence="\n".join(cat.lines),
    )


# ---- model-facing schemas: refs may only be the ids shown, enforced by the endpoint's grammar ----------


def _text(n: int) -> object:
    return (str, Field(min_length=2, max_length=n))


def _refs(ids: tuple[str, ...], most: int) -> object:
    # The grammar admits only the shown ids; parsing stays lenient so a port that ignores the schema
    # yields refs we can drop and repair instead of a failed call.
    ref = Annotated[str, WithJsonSchema({"type": "string", "enum": list(ids)})]
    return (list[ref], Field(min_length=1, max_length=most))  # type: ignore[valid-type]


# llguidance: compact JSON only; pretty-printing would cost a third of the output tokens.
_COMPACT = ConfigDict(json_schema_extra={"x-guidance": {"whitespace_flexible": False}})


def _brief_limits(block: CaseBlock) -> tuple[int, int]:
    """(refs, characters) per brief note."""
    return (TRIMMED_BRIEF_REFS, TRIMMED_BRIEF_TEXT_CHARS) if block == "trimmed" else (BRIEF_REFS, BRIEF_TEXT_CHARS)


@lru_cache(maxsize=64)
def brief_schema(ids: tuple[str, ...], block: CaseBlock = "full") -> type[BaseModel]:
    # refs before text: the model picks its evidence first, then writes from it (it wrote first and cited
    # after in the earlier layout, and cited evidence that did not say what it wrote).
    most, chars = _brief_limits(block)
    claim = create_model("Claim", refs=_refs(ids, most), text=_text(chars))
    fields = {name: (claim, ...) for name in BRIEF_FIELDS}
    return create_model("BriefOut", __config__=_COMPACT, **fields)  # type: ignore[call-overload]


@lru_cache(maxsize=64)
def actions_schema(ids: tuple[str, ...]) -> type[BaseModel]:
    refs = _refs(ids, 3)
    role = Literal[tuple(r.value for r in Role)]  # type: ignore[valid-type]
    # Evidence first, then the words of it that call for the action, then the action: with the action
    # first and a free "rationale" after, the model wrote an evidence id ("E4") as the action in 3 of 10
    # recorded cases and rationales about the evidence ("the evidence shows that ...") in the rest, none
    # of which its cited evidence supported. The quote is the rationale the reviewer sees.
    action = create_model("Action", refs=refs, quote=_text(RATIONALE_CHARS), action=_text(ACTION_CHARS),
                          owner_role=(role, ...))
    return create_model("ActionsOut", __config__=_COMPACT, actions=(list[action], Field(min_length=1, max_length=3)))  # type: ignore[valid-type]


@lru_cache(maxsize=64)
def update_schema(ids: tuple[str, ...]) -> type[BaseModel]:
    return create_model("UpdateOut", __config__=_COMPACT, body=_text(UPDATE_CHARS), refs=_refs(ids, 3))


@lru_cache(maxsize=64)
def knowledge_schema(ids: tuple[str, ...]) -> type[BaseModel]:
    tags = (list[str], Field(max_length=5))
    return create_model(
        "KnowledgeOut", __config__=_COMPACT, title=_text(80), problem=_text(300), solution=_text(400), tags=tags, refs=_refs(ids, 4)
    )


_INLINE_REF = re.compile(r"\s*\[(?:E\d+(?:,\s*)?)+\]")
_LEAD = re.compile(r"^[\s>*#•-]+")


_DANGLING_REF = re.compile(r"\s*\[[^\]]*$")  # a bracket the length limit cut open ("[E1", "[EMAIL_")
_SIGN_OFF = re.compile(r"\s*(?:--\s*\S.*|\b(?:thanks|thank you|cheers|best|regards|best regards),\s*\w+\.?)$", re.I)


def unquote(text: str) -> str:
    """Model text with the case block's escaping undone ("-&gt;" was copied from a quote as it was shown)."""
    return text.replace("&lt;", "<").replace("&gt;", ">")


def tidy(text: str, limit: int) -> str:
    """Trim a grammar-truncated text (it stopped at `limit` characters) back to its last whole word."""
    text = " ".join(text.split())
    if len(text) < limit:
        return text
    cut = text[: text.rfind(" ")] if " " in text else text
    return cut.rstrip(" ,;:-") + "…"


def _whole_sentences(text: str) -> str:
    """A model letter cut back to its last whole sentence ('' when it has none): the grammar or the token
    limit can stop it mid-sentence, and a cut-off "... working on a root" followed by the code's
    "I am <owner>" read as one broken sentence ("and I I am" in another)."""
    text = " ".join(text.split())
    if not text or text[-1] in ".!?":
        return text
    ends = [m.end() for m in re.finditer(r"[.!?](?=\s)", text)]
    return text[: ends[-1]] if ends else ""


# ---- the call loop ---------------------------------------------------------------------------------


def _call(
    settings: Settings,
    model: ModelPort | None,
    prompt: Prompt,
    schema: type[BaseModel],
    convert: Callable[[BaseModel], T | None],
    fallback: Callable[[str], T],
) -> T:
    if not settings.llm_enabled or model is None:
        return fallback("extractive: model disabled")
    error = ""
    attempts = settings.llm_max_retries + 1
    for attempt in range(attempts):
        # A retry at temperature 0 would repeat itself; loosen sampling and give a cut-off JSON more room.
        p = prompt if attempt == 0 else dataclasses.replace(
            prompt, temperature=0.3, max_tokens=int(prompt.max_tokens * 1.5)
        )
        try:
            result = convert(model.generate(p, schema))
        except ModelUnavailable as exc:
            log.warning("%s: %s", prompt.name, exc)
            return fallback(f"extractive: model unavailable ({first_sentence(str(exc), 160)})")
        except ModelError as exc:
            error = str(exc)
            continue
        except Exception as exc:  # noqa: BLE001 - any failure of the model path must end in a fallback
            log.exception("%s: unexpected model failure", prompt.name)
            return fallback(f"extractive: model call failed ({type(exc).__name__})")
        if result is not None:
            return result
        error = "no claim cited the given evidence"
    log.warning("%s: invalid output after %d attempt(s): %s", prompt.name, attempts, error[:300])
    return fallback(f"extractive: model output invalid after {attempts} attempt(s)")


def _prepare(ctx: CaseContext, r: Redactor | None = None,
             block: CaseBlock = "full") -> tuple[CaseContext, dict[str, str], Catalogue, str]:
    red, mapping = redact_context(ctx, r)
    cat = build_catalogue(red, block)
    return red, mapping, cat, render_case(red, cat, block)


# ---- grounding ------------------------------------------------------------------------------------


def evidence_texts(ctx: CaseContext) -> dict[str, str]:
    """Each evidence ref -> the text the model was shown for it (message, quote, the kind, rule id and detail
    of the signal it backs, ticket line)."""
    texts: dict[str, list[str]] = {m.ref: [m.text] for m in ctx.messages}
    for signal in ctx.signals:
        for ev in signal.evidence:
            # The case block shows each signal's kind, rule id and detail next to its evidence ids.
            texts.setdefault(ev.ref, []).extend([ev.quote, signal.detail, signal.kind.replace("_", " "),
                                                 signal.rule_id])
    tickets = ctx.tickets_summary.split(";")
    for ref, parts in texts.items():
        record_id = ref.split(":", 1)[-1]
        parts.extend(t for t in tickets if record_id and record_id in t)
    return {ref: " ".join(p for p in parts if p) for ref, parts in texts.items()}


def _record(ctx: CaseContext) -> str:
    # Names the model is shown in the case header may be used without citing a message.
    return f"{ctx.account_name} {ctx.tier}"


def _grounded(grounder: Grounder, text: str, refs: Sequence[str], texts: dict[str, str], record: str) -> str:
    """'' when `text` is supported by the texts of `refs`; else why not."""
    injected = instruction_like(text)
    if injected:
        return "; ".join(injected)
    verdict = grounder.check(text, [texts.get(r, "") for r in refs], record)
    return "" if verdict.supported else "; ".join(verdict.reasons)


# Whose words a brief field reports: what the customer asks for, what support did. A small model swaps
# them ("we sent the explanation" citing the customer's demand for one); the cited side catches that.
_FIELD_SIDE = {"intent": AuthorSide.customer, "tried": AuthorSide.agent}


def _wrong_side(field: str, refs: Sequence[str], sides: dict[str, AuthorSide]) -> str:
    want = _FIELD_SIDE.get(field)
    if want is None or want not in sides.values():
        return ""
    cited = [sides[r] for r in refs if r in sides]
    if not cited or want in cited:
        return ""  # a record (ticket, SLA event) or a message of the right side
    return f"{field} cites only {cited[0].value} messages"


def _sided(field: str, refs: Sequence[str], sides: dict[str, AuthorSide]) -> list[str]:
    """The refs a field's statement must rest on: for intent the customer's messages, for tried support's
    replies (records count for both). Citing one right-side message next to others must not let the
    statement rest on the other side's words ("intent" copied from a support reply)."""
    want = _FIELD_SIDE.get(field)
    kept = [r for r in refs if want is None or r not in sides or sides[r] == want]
    return kept or list(refs)


def _fallback_note(dropped: dict[str, str]) -> str:
    return "; ".join(f"{name}: extractive (model text unsupported: {why})" for name, why in dropped.items())


# ---- public drafting functions ---------------------------------------------------------------------


def _prompt(name: str, case: str, task: str, max_tokens: int) -> Prompt:
    # Case block first, task last: the drafts of one case share the cached prefix system + case.
    return Prompt(name, prompts.SYSTEM, f"{case}\n{task}", max_tokens=max_tokens)


def draft_brief(ctx: CaseContext, model: ModelPort | None, settings: Settings, *,
                grounder: Grounder | None = None, note: str = "") -> Brief:
    """The 3-second brief. Model statements that their cited evidence does not support are replaced by
    the extractive statement for that field, and the note says which."""
    red, mapping, cat, case = _prepare(ctx, block=settings.llm_case_block)
    if model is None or not settings.llm_enabled:
        return extractive_brief(red, mapping, note or "extractive: model disabled")
    grounder = grounder or Grounder()
    allowed, texts, record = red.allowed_refs, evidence_texts(red), _record(red)
    fallback = extractive_brief(red, mapping, "")
    sides = {m.ref: m.side for m in red.messages}
    chars = _brief_limits(settings.llm_case_block)[1]

    def convert(out: BaseModel) -> Brief | None:
        statements: dict[str, Statement] = {}
        dropped: dict[str, str] = {}
        seen: set[str] = set()
        for name in BRIEF_FIELDS:
            claim = getattr(out, name)
            refs = cat.resolve(claim.refs, allowed)
            # A note, not a letter: a copied greeting or sign-off, or a cut-off "[E1" citation, is no content.
            text = tidy(_SCORE_NOTE.sub("", _INLINE_REF.sub("", unquote(claim.text))), chars)
            cut = text.endswith("…")
            text = _SIGN_OFF.sub("", _SALUTATION.sub("", _DANGLING_REF.sub("", text.removesuffix("…")))).strip()
            text = text + "…" if cut and text else text
            # A small model repeats one claim across fields; a repeat says nothing new.
            why = ("no valid citation" if not refs or len(text) < 2 else
                   "repeats another field" if text.casefold() in seen else
                   _wrong_side(name, refs, sides)
                   or "; ".join(speaker_problems(text, [sides[r].value if r in sides else None for r in refs]))
                   or _grounded(grounder, text, _sided(name, refs, sides), texts, record))
            if why:
                statements[name] = getattr(fallback, name)
                dropped[name] = why
            else:
                seen.add(text.casefold())
                statements[name] = Statement(text=text, citations=_sided(name, refs, sides))
        if len(dropped) == len(BRIEF_FIELDS):
            return fallback.model_copy(update={"note": "extractive: no model statement was supported by its "
                                                       "evidence", "fallbacks": list(BRIEF_FIELDS)})
        return Brief(source="model", note=_fallback_note(dropped), redactions=mapping, fallbacks=list(dropped),
                     **statements)

    prompt = _prompt("brief", case, prompts.BRIEF_TASK, max_tokens=220)
    return _call(settings, model, prompt, brief_schema(cat.ids, settings.llm_case_block), convert,
                 lambda why: extractive_brief(red, mapping, why))


def propose_next_actions(ctx: CaseContext, model: ModelPort | None, settings: Settings, *,
                         grounder: Grounder | None = None, note: str = "") -> NextActions:
    """One to three next-best actions with owner roles. The rationale is the model's quote of the evidence
    that calls for the action; actions whose quote its cited evidence does not support, that name anything
    the case does not, or that promise anything, are dropped."""
    red, mapping, cat, case = _prepare(ctx, block=settings.llm_case_block)
    if model is None or not settings.llm_enabled:
        return extractive_next_actions(red, mapping, note or "extractive: model disabled")
    grounder = grounder or Grounder()
    allowed, texts, record = red.allowed_refs, evidence_texts(red), _record(red)

    def convert(out: BaseModel) -> NextActions | None:
        kept, dropped = [], []
        for a in out.actions:  # type: ignore[attr-defined]
            refs = cat.resolve(a.refs, allowed)
            # A leading ">> " or "- " is list markup the model adds, not part of the action.
            action = tidy(_LEAD.sub("", unquote(a.action)), ACTION_CHARS)
            quote = _SCORE_NOTE.sub("", _LEAD.sub("", unquote(a.quote)))  # the scorer's weights are no evidence
            rationale = tidy(_DANGLING_REF.sub("", quote).strip(' "'), RATIONALE_CHARS)
            # A small model sometimes writes an evidence id ("E4") where the action belongs.
            why = ("no valid citation" if not refs else
                   "not an action" if len(_INLINE_REF.sub("", action).split()) < 3 else
                   "; ".join(promises(action) + instruction_like(action)
                             + grounder.unsupported_anchors(action, [*texts.values(), record, red.tickets_summary]))
                   or _grounded(grounder, rationale, refs, texts, record))
            if not why and action.casefold() in {k.action.casefold() for k in kept}:
                why = "repeats another action"
            if why:
                dropped.append(f"'{action}' ({why})")
            else:
                kept.append(NextAction(action=action, owner_role=Role(a.owner_role), rationale=rationale,
                                       citations=refs))
        if not kept:
            return extractive_next_actions(red, mapping, "extractive: no model action was supported by its "
                                                         f"evidence: {'; '.join(dropped)[:300]}")
        why_dropped = f"dropped {len(dropped)} action(s): {'; '.join(dropped)[:300]}" if dropped else ""
        return NextActions(source="model", note=why_dropped, redactions=mapping, actions=kept,
                           fallbacks=["actions"] if dropped else [])

    prompt = _prompt("next_actions", case, prompts.NEXT_ACTIONS_TASK, max_tokens=300)
    return _call(settings, model, prompt, actions_schema(cat.ids), convert,
                 lambda why: extractive_next_actions(red, mapping, why))


def draft_customer_update(ctx: CaseContext, model: ModelPort | None, settings: Settings, *,
                          facts: UpdateFacts | None = None, examples: Sequence[str] = (),
                          grounder: Grounder | None = None, note: str = "") -> CustomerUpdate:
    """A sendable customer update for human approval: greeting, owner, tickets, next-update time and
    signature come from the record; the model writes only the middle, which must pass `update_problems`
    and may name nothing the case does not. A failing middle falls back to the extractive update."""
    facts = facts or UpdateFacts()
    red, mapping, cat, case = _prepare(ctx, block=settings.llm_case_block)

    def fallback(why: str) -> CustomerUpdate:
        return extractive_customer_update(red, mapping, why, facts)

    if model is None or not settings.llm_enabled:
        return fallback(note or "extractive: model disabled")
    grounder = grounder or Grounder()
    allowed, texts = red.allowed_refs, evidence_texts(red)
    internal = [m.text for m in ctx.messages if m.side == AuthorSide.internal]
    # What the update may claim happened: the customer's words, and support's replies after the latest of them.
    customer = [m.text for m in ctx.messages if m.side == AuthorSide.customer]
    last_customer = max((m.at for m in ctx.messages if m.side == AuthorSide.customer), default=None)
    replies = [m.text for m in ctx.messages if m.side == AuthorSide.agent and (last_customer is None or m.at > last_customer)]
    kinds = [s.kind for s in ctx.signals]

    def convert(out: BaseModel) -> CustomerUpdate | None:
        refs = cat.resolve(out.refs, allowed)  # type: ignore[attr-defined]
        # The code writes the greeting; a second one from the model ("Dear Acme GmbH,") goes.
        raw = unquote(out.body)  # type: ignore[attr-defined]
        middle = restore(_whole_sentences(_SALUTATION.sub("", raw)), mapping)
        # Drift into another script is judged on all the model wrote, also the part cut off above.
        problems = (update_problems(middle, internal_texts=internal) + foreign_letters(raw, texts.values())
                    + instruction_like(middle))
        problems += update_claim_problems(middle, customer=customer, support=replies, signals=kinds)
        problems += grounder.unsupported_anchors(middle, [*texts.values(), restore(" ".join(texts.values()), mapping),
                                                          _record(red), facts.topic])
        if not refs:
            problems.append("no valid citation")
        if len(middle) < 20:
            problems.append("no whole sentence")
        if problems:
            return fallback(f"extractive: the model's update failed the checks ({'; '.join(problems)[:300]})")
        body = compose_update(facts, middle)
        # The whole text is checked again: what the code added must not reintroduce a problem either.
        final = update_problems(body, allowed=fixed_update_phrases(facts), internal_texts=internal)
        if final:
            return fallback(f"extractive: the composed update failed the checks ({'; '.join(final)[:300]})")
        return CustomerUpdate(source="model", subject=update_subject(facts), body=body, citations=refs)

    task = prompts.CUSTOMER_UPDATE_TASK.format(topic=facts.topic or "their open request")
    if examples:
        task += "\n" + prompts.UPDATE_EXAMPLES.format(examples="\n".join(f"- {_quote(e, 400)}" for e in examples[:3]))
    prompt = _prompt("customer_update", case, task, max_tokens=150)
    return _call(settings, model, prompt, update_schema(cat.ids), convert, fallback)


def extract_knowledge(ctx: CaseContext, model: ModelPort | None, settings: Settings, *,
                      resolution: Sequence[ResolutionEvidence] = (), grounder: Grounder | None = None,
                      note: str = "") -> KnowledgeDraft:
    """A knowledge article draft from a resolved case; stays redacted (articles are shared widely).

    Its solution comes only from `resolution` (the reply or event that solved the case); without any,
    the article says the solution is unknown and the model is not asked to invent one."""
    redactor = Redactor()
    red, _mapping, cat, case = _prepare(ctx, redactor, settings.llm_case_block)
    solved = [r.model_copy(update={"text": redactor.redact(r.text)}) for r in resolution]
    if not solved:
        return extractive_knowledge(red, [], "extractive: no resolution evidence, the solution is unknown")
    if model is None or not settings.llm_enabled:
        return extractive_knowledge(red, solved, note or "extractive: model disabled")
    grounder = grounder or Grounder()
    allowed, texts, record = red.allowed_refs, evidence_texts(red), _record(red)
    fallback = extractive_knowledge(red, solved, "")

    def convert(out: BaseModel) -> KnowledgeDraft | None:
        refs = cat.resolve(out.refs, allowed)  # type: ignore[attr-defined]
        fields = {"title": tidy(unquote(out.title), 80), "problem": " ".join(unquote(out.problem).split()),  # type: ignore[attr-defined]
                  "solution": " ".join(unquote(out.solution).split())}  # type: ignore[attr-defined]
        dropped: dict[str, str] = {}
        why = "no valid citation" if not refs else _grounded(grounder, fields["problem"], refs, texts, record)
        if why:
            dropped["problem"] = why
        verdict = grounder.check(fields["solution"], [r.text for r in solved])
        if not verdict.supported or instruction_like(fields["solution"]):
            dropped["solution"] = "; ".join([*verdict.reasons, *instruction_like(fields["solution"])])
        title_problems = grounder.unsupported_anchors(fields["title"], [*texts.values(), *(r.text for r in solved),
                                                                          record, red.tickets_summary], names=False)
        if title_problems:
            dropped["title"] = "; ".join(title_problems)
        if len(dropped) == 3:
            return fallback.model_copy(update={"note": f"extractive: {_fallback_note(dropped)}",
                                               "fallbacks": list(dropped)})
        for name in dropped:
            fields[name] = getattr(fallback, name)
        tags = [t.strip().lower() for t in out.tags if t.strip()][:5]  # type: ignore[attr-defined]
        citations = list(dict.fromkeys([*refs, *(r.ref for r in solved)])) or fallback.citations
        return KnowledgeDraft(source="model", note=_fallback_note(dropped), fallbacks=list(dropped),
                              tags=tags, citations=citations, **fields)

    task = prompts.KNOWLEDGE_TASK.format(resolution=_quote(" ".join(r.text for r in solved), 600))
    prompt = _prompt("knowledge", case, task, max_tokens=260)
    return _call(settings, model, prompt, knowledge_schema(cat.ids), convert,
                 lambda why: extractive_knowledge(red, solved, why))
