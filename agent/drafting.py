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
from agent.context import CaseContext
from agent.extractive import (
    extractive_brief,
    extractive_customer_update,
    extractive_knowledge,
    extractive_next_actions,
    first_sentence,
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
from agent.pii import Redactor
from core.models import Role
from core.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_MESSAGES = 6
MAX_EXTRA_EVIDENCE = 4
QUOTE_CHARS = 220
BRIEF_TEXT_CHARS = 90


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


def build_catalogue(ctx: CaseContext) -> Catalogue:
    lines: list[str] = []
    refs: list[str] = []
    for m in ctx.messages[-MAX_MESSAGES:]:
        refs.append(m.ref)
        lines.append(f'E{len(refs)} {m.ref} {m.side} {m.at:%Y-%m-%d}: <customer_text>{_quote(m.text)}</customer_text>')
    for ev in ctx.evidence:
        if ev.ref in refs or len(refs) >= MAX_MESSAGES + MAX_EXTRA_EVIDENCE:
            continue
        refs.append(ev.ref)
        quote = f"<customer_text>{_quote(ev.quote, 160)}</customer_text>" if ev.quote else "(record, no text)"
        lines.append(f"E{len(refs)} {ev.ref} {ev.at:%Y-%m-%d}: {quote}")
    return Catalogue(tuple(lines), tuple(refs))


def render_case(ctx: CaseContext, cat: Catalogue) -> str:
    eid = {ref: f"E{i}" for i, ref in enumerate(cat.refs, 1)}
    signals = [
        f"- {s.kind} ({s.rule_id}, {s.cause}): {_quote(s.detail, 120) or s.value} "
        f"[{', '.join(eid[e.ref] for e in s.evidence if e.ref in eid)}]"
        for s in sorted(ctx.signals, key=lambda s: s.contribution, reverse=True)[:5]
    ]
    return prompts.CASE_TEMPLATE.format(
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


@lru_cache(maxsize=64)
def brief_schema(ids: tuple[str, ...]) -> type[BaseModel]:
    claim = create_model("Claim", text=_text(BRIEF_TEXT_CHARS), refs=_refs(ids, 3))
    fields = {name: (claim, ...) for name in BRIEF_FIELDS}
    return create_model("BriefOut", __config__=_COMPACT, **fields)  # type: ignore[call-overload]


@lru_cache(maxsize=64)
def actions_schema(ids: tuple[str, ...]) -> type[BaseModel]:
    refs = _refs(ids, 3)
    role = Literal[tuple(r.value for r in Role)]  # type: ignore[valid-type]
    action = create_model("Action", action=_text(90), owner_role=(role, ...), rationale=_text(90), refs=refs)
    return create_model("ActionsOut", __config__=_COMPACT, actions=(list[action], Field(min_length=1, max_length=3)))  # type: ignore[valid-type]


@lru_cache(maxsize=64)
def update_schema(ids: tuple[str, ...]) -> type[BaseModel]:
    return create_model("UpdateOut", __config__=_COMPACT, subject=_text(80), body=_text(600), refs=_refs(ids, 4))


@lru_cache(maxsize=64)
def knowledge_schema(ids: tuple[str, ...]) -> type[BaseModel]:
    tags = (list[str], Field(max_length=5))
    return create_model(
        "KnowledgeOut", __config__=_COMPACT, title=_text(80), problem=_text(300), solution=_text(400), tags=tags, refs=_refs(ids, 4)
    )


_INLINE_REF = re.compile(r"\s*\[(?:E\d+(?:,\s*)?)+\]")


def tidy(text: str, limit: int) -> str:
    """Trim a grammar-truncated text (it stopped at `limit` characters) back to its last whole word."""
    text = " ".join(text.split())
    if len(text) < limit:
        return text
    cut = text[: text.rfind(" ")] if " " in text else text
    return cut.rstrip(" ,;:-") + "…"


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


def _prepare(ctx: CaseContext, r: Redactor | None = None) -> tuple[CaseContext, dict[str, str], Catalogue, str]:
    red, mapping = redact_context(ctx, r)
    cat = build_catalogue(red)
    return red, mapping, cat, render_case(red, cat)


# ---- public drafting functions ---------------------------------------------------------------------


def draft_brief(ctx: CaseContext, model: ModelPort | None, settings: Settings) -> Brief:
    """The 3-second brief; every statement cites refs from `ctx`, repaired from the evidence if not."""
    red, mapping, cat, case = _prepare(ctx)
    allowed = red.allowed_refs

    def convert(out: BaseModel) -> Brief | None:
        fallback = extractive_brief(red, mapping, "")
        statements: dict[str, Statement] = {}
        repaired = []
        seen: set[str] = set()
        for name in BRIEF_FIELDS:
            claim = getattr(out, name)
            refs = cat.resolve(claim.refs, allowed)
            text = tidy(_INLINE_REF.sub("", claim.text), BRIEF_TEXT_CHARS)
            # A small model repeats one claim across fields; a repeat says nothing new, so repair it.
            if refs and len(text) > 1 and text.casefold() not in seen:
                seen.add(text.casefold())
                statements[name] = Statement(text=text, citations=refs)
            else:
                statements[name] = getattr(fallback, name)
                repaired.append(name)
        if len(repaired) == len(BRIEF_FIELDS):
            return None
        note = f"repaired from evidence: {', '.join(repaired)}" if repaired else ""
        return Brief(source="model", note=note, redactions=mapping, **statements)

    prompt = Prompt("brief", prompts.BRIEF_SYSTEM, case, max_tokens=260)
    return _call(settings, model, prompt, brief_schema(cat.ids), convert,
                 lambda note: extractive_brief(red, mapping, note))


def propose_next_actions(ctx: CaseContext, model: ModelPort | None, settings: Settings) -> NextActions:
    """One to three next-best actions with owner roles; actions citing nothing valid are dropped."""
    red, mapping, cat, case = _prepare(ctx)
    allowed = red.allowed_refs

    def convert(out: BaseModel) -> NextActions | None:
        kept = [
            NextAction(action=tidy(a.action, 90), owner_role=Role(a.owner_role), rationale=tidy(a.rationale, 90),
                       citations=refs)
            for a in out.actions  # type: ignore[attr-defined]
            if (refs := cat.resolve(a.refs, allowed))
        ]
        dropped = len(out.actions) - len(kept)  # type: ignore[attr-defined]
        note = f"dropped {dropped} action(s) without valid citations" if dropped else ""
        return NextActions(source="model", note=note, redactions=mapping, actions=kept) if kept else None

    prompt = Prompt("next_actions", prompts.NEXT_ACTIONS_SYSTEM, case, max_tokens=260)
    return _call(settings, model, prompt, actions_schema(cat.ids), convert,
                 lambda note: extractive_next_actions(red, mapping, note))


def draft_customer_update(ctx: CaseContext, model: ModelPort | None, settings: Settings) -> CustomerUpdate:
    """A customer update draft for human approval (restore PII with `.restored()` for the approver)."""
    red, mapping, cat, case = _prepare(ctx)
    allowed = red.allowed_refs

    def convert(out: BaseModel) -> CustomerUpdate | None:
        refs = cat.resolve(out.refs, allowed)  # type: ignore[attr-defined]
        if not refs:
            return None
        return CustomerUpdate(source="model", redactions=mapping, subject=tidy(out.subject, 80),  # type: ignore[attr-defined]
                              body=out.body.strip(), citations=refs)  # type: ignore[attr-defined]

    prompt = Prompt("customer_update", prompts.CUSTOMER_UPDATE_SYSTEM, case, max_tokens=240)
    return _call(settings, model, prompt, update_schema(cat.ids), convert,
                 lambda note: extractive_customer_update(red, mapping, note))


def extract_knowledge(
    ctx: CaseContext, model: ModelPort | None, settings: Settings, *, resolution_note: str = ""
) -> KnowledgeDraft:
    """A knowledge article draft from a resolved case; stays redacted (articles are shared widely)."""
    redactor = Redactor()
    red, _mapping, cat, case = _prepare(ctx, redactor)
    allowed = red.allowed_refs
    note_text = redactor.redact(resolution_note) if resolution_note else ""
    if note_text:
        case += prompts.RESOLUTION_TEMPLATE.format(note=_quote(note_text, 600))

    def convert(out: BaseModel) -> KnowledgeDraft | None:
        refs = cat.resolve(out.refs, allowed)  # type: ignore[attr-defined]
        if not refs:
            return None
        tags = [t.strip().lower() for t in out.tags if t.strip()][:5]  # type: ignore[attr-defined]
        return KnowledgeDraft(source="model", title=out.title.strip(), problem=out.problem.strip(),  # type: ignore[attr-defined]
                              solution=out.solution.strip(), tags=tags, citations=refs)  # type: ignore[attr-defined]

    prompt = Prompt("knowledge", prompts.KNOWLEDGE_SYSTEM, case, max_tokens=300)
    return _call(settings, model, prompt, knowledge_schema(cat.ids), convert,
                 lambda note: extractive_knowledge(red, note_text, note))
