"""Edit contracts: what a person may change in each kind of approval, validated field by field.

An edited payload has the proposal's own shape, so the review page can pre-fill the whole proposal and
send it back. Editable fields may change; every other field may be sent back unchanged or left out, and
changing it is an error at that field's path. Omitted fields keep their proposed value. A brief field is
either its new text or the `{"text": ..., "citations": [...]}` object the proposal holds (citations are
evidence, not editable: they must be sent back as proposed).

`check_edit` returns only what changed (`{}` means the edit changes nothing: an approval); the workflow
applies exactly that with `apply_*`. The same contract serves the API, the page form and the CLI.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictStr, ValidationError

from core.models.cases import ApprovalDecision, ApprovalRequest, Role
from core.models.records import storable_text

BRIEF_FIELDS = ("intent", "tried", "results", "status", "escalation_reason")
ARTICLE_FIELDS = ("title", "problem", "solution", "tags")
MAX_BRIEF_TEXT = 1000
MAX_SUBJECT = 200
MAX_BODY = 4000
MAX_ACTION = 300
MAX_RATIONALE = 500
MAX_ACTIONS = 10
MAX_ARTICLE_TITLE = 200
MAX_ARTICLE_TEXT = 4000
MAX_TAGS = 8
MAX_TAG = 50
MAX_REFS = 50
MAX_REF = 200


class EditRefused(ValueError):
    """The edited payload breaks the contract; `errors` name each field's path (FastAPI's 422 shape)."""

    def __init__(self, errors: list[dict[str, Any]]):
        self.errors = errors
        super().__init__("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors))


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def _text(max_length: int) -> Any:
    return Annotated[StrictStr, Field(min_length=1, max_length=max_length), AfterValidator(storable_text),
                     AfterValidator(_not_blank)]


Ref = Annotated[StrictStr, Field(min_length=1, max_length=MAX_REF), AfterValidator(storable_text)]


class _Edit(BaseModel):
    # Surrounding whitespace is trimmed, so what is stored as the edit is exactly what is applied.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _statement(value: Any) -> Any:
    return {"text": value} if isinstance(value, str) else value


class StatementEdit(_Edit):
    text: _text(MAX_BRIEF_TEXT)  # type: ignore[valid-type]
    citations: list[Ref] | None = Field(default=None, max_length=MAX_REFS)


Statement = Annotated[StatementEdit, BeforeValidator(_statement)]


class BriefTexts(_Edit):
    intent: Statement | None = None
    tried: Statement | None = None
    results: Statement | None = None
    status: Statement | None = None
    escalation_reason: Statement | None = None


class ActionEdit(_Edit):
    action: _text(MAX_ACTION)  # type: ignore[valid-type]
    owner_role: Role
    rationale: Annotated[StrictStr, Field(max_length=MAX_RATIONALE), AfterValidator(storable_text)] = ""
    citations: list[Ref] = Field(default_factory=list, max_length=MAX_REFS)


class OutreachEdit(_Edit):
    subject: _text(MAX_SUBJECT) | None = None  # type: ignore[valid-type]
    body: _text(MAX_BODY) | None = None  # type: ignore[valid-type]
    next_actions: list[ActionEdit] | None = Field(default=None, min_length=1, max_length=MAX_ACTIONS)


class ArticleTexts(_Edit):
    title: _text(MAX_ARTICLE_TITLE) | None = None  # type: ignore[valid-type]
    problem: _text(MAX_ARTICLE_TEXT) | None = None  # type: ignore[valid-type]
    solution: _text(MAX_ARTICLE_TEXT) | None = None  # type: ignore[valid-type]
    tags: list[_text(MAX_TAG)] | None = Field(default=None, max_length=MAX_TAGS)  # type: ignore[valid-type]


@dataclass(frozen=True)
class Contract:
    """One approval kind: its editable part (a model), where it sits, and the read-only keys around it."""

    model: type[_Edit]
    nest: str | None  # the proposal key holding the editable fields (None: they sit at the top level)
    read_only: frozenset[str]  # keys that may be sent back unchanged, beside the editable ones
    nested_read_only: frozenset[str] = frozenset()  # read-only keys inside `nest`


CONTRACTS: dict[str, Contract] = {
    "validate_brief": Contract(BriefTexts, "brief", frozenset({"tier", "owner", "swarm", "sla_due", "draft"}),
                               frozenset({"source", "note", "redactions"})),
    "send_customer_update": Contract(OutreachEdit, None, frozenset({"source", "suggestions", "draft"})),
    "publish_article": Contract(ArticleTexts, "article", frozenset({"draft"}),
                                frozenset({"id", "status", "source_case_id", "provenance"})),
}


def _error(loc: list[Any], msg: str, kind: str = "value_error") -> dict[str, Any]:
    return {"loc": ["edited_payload", *loc], "msg": msg, "type": kind}


def _split(value: Any, loc: list[Any], editable: set[str], read_only: frozenset[str], proposal: Any,
           errors: list[dict[str, Any]]) -> dict[str, Any]:
    """The editable keys of `value`; read-only keys must equal the proposal's, anything else is unknown."""
    if not isinstance(value, dict):
        errors.append(_error(loc, "must be an object", "dict_type"))
        return {}
    proposal = proposal if isinstance(proposal, dict) else {}
    # Every proposed key that is not editable is read-only, whichever step added it.
    read_only = read_only | (frozenset(proposal) - editable)
    for key, item in value.items():
        if key in read_only and item != proposal.get(key):
            errors.append(_error([*loc, key], "is not editable: send it back unchanged or leave it out"))
        elif key not in read_only and key not in editable:
            errors.append(_error([*loc, key], "unknown field", "extra_forbidden"))
        elif key in editable and item is None:
            errors.append(_error([*loc, key], "must not be null: leave the field out to keep it", "none_forbidden"))
    return {k: v for k, v in value.items() if k in editable and v is not None}


def _check_citations(inner: dict[str, Any], proposal: dict[str, Any], loc: list[Any],
                     errors: list[dict[str, Any]]) -> None:
    for name, value in inner.items():
        if isinstance(value, dict) and "citations" in value:
            original = proposal.get(name) if isinstance(proposal.get(name), dict) else {}
            if value["citations"] != original.get("citations"):
                errors.append(_error([*loc, name, "citations"], "citations are evidence and cannot be edited"))


def _changes(action: str, edit: _Edit, proposal: dict[str, Any]) -> dict[str, Any]:
    given = edit.model_dump(exclude_none=True, mode="json")
    if action == "validate_brief":
        return {name: statement["text"] for name, statement in given.items()
                if statement["text"] != (proposal.get(name) or {}).get("text")}
    return {k: v for k, v in given.items() if v != proposal.get(k)}


def check_edit(action: str, proposal: dict[str, Any], payload: Any) -> dict[str, Any]:
    """The edit's changes in canonical shape (`{}` if nothing changed), or `EditRefused` naming each field."""
    contract = CONTRACTS.get(action)
    if contract is None:
        raise EditRefused([_error([], f"a {action!r} approval has no editable fields", "not_editable")])
    errors: list[dict[str, Any]] = []
    editable = set(contract.model.model_fields)
    if contract.nest:
        top = _split(payload, [], {contract.nest}, contract.read_only, proposal, errors)
        inner_proposal = proposal.get(contract.nest) or {}
        inner = (_split(top[contract.nest], [contract.nest], editable, contract.nested_read_only,
                        inner_proposal, errors) if contract.nest in top else {})
        loc: list[Any] = [contract.nest]
    else:
        inner, inner_proposal, loc = _split(payload, [], editable, contract.read_only, proposal, errors), proposal, []
    if action == "validate_brief":
        _check_citations(inner, inner_proposal, loc, errors)
    edit = None
    try:
        edit = contract.model.model_validate(inner)
    except ValidationError as exc:
        errors.extend(_error([*loc, *e["loc"]], e["msg"], e["type"]) for e in exc.errors())
    changes = _changes(action, edit, inner_proposal) if edit is not None else {}
    if errors:
        raise EditRefused(errors)
    return {contract.nest: changes} if contract.nest and changes else changes


def apply_brief(brief: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The brief with the edited texts (citations stay as proposed)."""
    edited = dict(brief)
    for name, text in changes.get("brief", {}).items():
        edited[name] = {**brief[name], "text": text}
    return edited


def apply_flat(original: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Top-level fields replaced by their edited values (customer update, article fields)."""
    return {**original, **changes}


def form_fields(action: str, proposal: dict[str, Any]) -> list[dict[str, Any]]:
    """The editable fields of one approval as plain form inputs: path, label, current text, kind."""
    if action == "validate_brief":
        brief = proposal.get("brief") or {}
        return [{"path": f"brief.{n}", "label": n.replace("_", " "), "kind": "text",
                 "value": (brief.get(n) or {}).get("text", "")} for n in BRIEF_FIELDS]
    if action == "send_customer_update":
        return [{"path": "subject", "label": "subject", "value": proposal.get("subject", ""), "kind": "line"},
                {"path": "body", "label": "message", "value": proposal.get("body", ""), "kind": "text"},
                {"path": "next_actions", "label": "next actions (JSON list)", "kind": "json",
                 "value": json.dumps(proposal.get("next_actions", []), indent=2, ensure_ascii=False)}]
    if action == "publish_article":
        article = proposal.get("article") or {}
        fields = [{"path": f"article.{n}", "label": n, "value": article.get(n, ""),
                   "kind": "line" if n == "title" else "text"} for n in ("title", "problem", "solution")]
        return [*fields, {"path": "article.tags", "label": "tags (comma-separated)", "kind": "tags",
                          "value": ", ".join(article.get("tags", []))}]
    return []


def payload_from_form(action: str, values: dict[str, str], parse_json: Callable[[str], Any]) -> dict[str, Any]:
    """The edited payload a plain per-field form describes. Browsers send CRLF line ends: back to LF.
    `parse_json` is the caller's hardened parser (for the action list); its refusal names the field."""
    payload: dict[str, Any] = {}
    for field in form_fields(action, {}):
        if field["path"] not in values:
            continue
        value: Any = values[field["path"]].replace("\r\n", "\n")
        if field["kind"] == "tags":
            value = [t.strip() for t in value.split(",") if t.strip()]
        elif field["kind"] == "json":
            try:
                value = parse_json(value)
            except ValueError as exc:
                raise EditRefused([_error(field["path"].split("."), f"not JSON: {exc}", "json_invalid")]) from None
        head, _, tail = field["path"].partition(".")
        if tail:
            payload.setdefault(head, {})[tail] = value
        else:
            payload[head] = value
    return payload


def field_errors(errors: list[dict[str, Any]], paths: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Errors grouped by the form field they belong to (longest matching path), and those that fit none."""
    by_field: dict[str, list[str]] = {}
    general: list[str] = []
    for error in errors:
        loc = [str(part) for part in error["loc"] if part not in ("body", "edited_payload")]
        dotted = ".".join(loc)
        owner = max((p for p in paths if dotted == p or dotted.startswith(p + ".")), key=len, default=None)
        if owner is None:
            general.append(f"{dotted or 'decision'}: {error['msg']}")
        else:
            by_field.setdefault(owner, []).append(error["msg"] if dotted == owner else f"{dotted}: {error['msg']}")
    return by_field, general


def settle_decision(request: ApprovalRequest, decision: ApprovalDecision) -> ApprovalDecision:
    """The decision as it will be applied, checked against its request before anything is recorded.

    An edit is reduced to its changes; an edit that changes nothing becomes an approval. Refusals are
    `EditRefused` with the field's path, so nothing is claimed for a decision that cannot be applied.
    """
    if decision.type not in request.allowed_decisions:
        raise EditRefused([{"loc": ["type"], "msg": f"'{decision.type}' is not allowed here: "
                            f"{request.allowed_decisions}", "type": "literal_error"}])
    if decision.type != "edit":
        return decision
    changes = check_edit(request.action, request.proposal, decision.edited_payload)
    if not changes and "approve" not in request.allowed_decisions:
        raise EditRefused([_error([], "nothing was changed, and this step cannot be approved as proposed: "
                                  "edit it (e.g. write the missing solution) or reject it", "no_change")])
    if not changes:
        return decision.model_copy(update={"type": "approve", "edited_payload": None})
    return decision.model_copy(update={"edited_payload": changes})
