"""Decisions as forms: the fields each approval kind offers, and the edited payload they produce.

A field is addressed by its path in the edited payload ("subject", "brief.intent"), the same paths a
422 from the edit contract names, so an error lands next to its field. Only fields that differ from
the proposal are sent: approving an unchanged form is a plain approval, a changed one an edit.
Raw JSON editing is offered to admins only (`json` field), for kinds without a form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from api.hardening import MalformedBody, loads_json

BRIEF_FIELDS = ("intent", "tried", "results", "status", "escalation_reason")


@dataclass(frozen=True)
class Field:
    """One form control: where its value goes in the payload, how it is edited, its limits."""

    path: str
    label: str
    widget: Literal["text", "textarea", "lines", "csv"] = "textarea"
    max_length: int = 1000
    required: bool = True
    hint: str = ""

    @property
    def name(self) -> str:
        return "f." + self.path

    @property
    def dom_id(self) -> str:
        return "f-" + self.path.replace(".", "-").replace("_", "-")


FORMS: dict[str, tuple[Field, ...]] = {
    "validate_brief": tuple(Field(f"brief.{n}", n.replace("_", " ").capitalize(), max_length=1000,
                                  hint="About 20 words.") for n in BRIEF_FIELDS),
    "send_customer_update": (
        Field("subject", "Subject", "text", 200),
        Field("body", "Message to the customer", "textarea", 4000),
        Field("next_actions", "Next-best actions", "lines", 300, required=False,
              hint="One action per line; kept on the timeline with the decision."),
    ),
    "publish_article": (
        Field("article.title", "Title", "text", 200),
        Field("article.problem", "Problem", "textarea", 2000),
        Field("article.solution", "Solution", "textarea", 2000),
        Field("article.tags", "Tags", "csv", 40, required=False, hint="Comma-separated, at most 8."),
    ),
}


def form_for(action: str) -> tuple[Field, ...]:
    return FORMS.get(action, ())


def _get(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def current_value(proposal: dict[str, Any], f: Field) -> str:
    """The proposal's value of a field, as the form shows it."""
    value = _get(proposal, f.path)
    if f.path.startswith("brief.") and isinstance(value, dict):
        value = value.get("text", "")
    if f.widget == "lines" and isinstance(value, list):
        return "\n".join(str(v.get("action", "")) if isinstance(v, dict) else str(v) for v in value)
    if f.widget == "csv" and isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _parse(f: Field, raw: str) -> tuple[Any, str | None]:
    text = raw.replace("\r\n", "\n").strip()
    if f.widget in ("lines", "csv"):
        items = [s.strip() for s in (text.split("\n") if f.widget == "lines" else text.split(","))]
        items = [s for s in items if s]
        if f.widget == "csv" and len(items) > 8:
            return None, "at most 8 tags"
        too_long = [s for s in items if len(s) > f.max_length]
        if too_long:
            return None, f"each entry at most {f.max_length} characters"
        if f.required and not items:
            return None, "must not be empty"
        return items, None
    if f.required and not text:
        return None, "must not be empty"
    if len(text) > f.max_length:
        return None, f"at most {f.max_length} characters (now {len(text)})"
    return text, None


def _set(payload: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    node = payload
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value


@dataclass
class FormResult:
    """What the submitted form says: the edited payload (None when nothing changed) or errors by field path."""

    edited: dict[str, Any] | None
    errors: dict[str, str]
    values: dict[str, str]


def read_form(action: str, proposal: dict[str, Any], form: dict[str, str], *, allow_json: bool) -> FormResult:
    """Validate the submitted fields against the kind's form; only changed fields go into the payload."""
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    edited: dict[str, Any] = {}
    for f in form_for(action):
        if f.name not in form:
            continue
        raw = form[f.name]
        values[f.path] = raw
        parsed, error = _parse(f, raw)
        if error:
            errors[f.path] = error
            continue
        before, _ = _parse(f, current_value(proposal, f))
        if parsed != before:
            _set(edited, f.path, parsed)
    raw_json = form.get("json", "").strip()
    if raw_json and allow_json:
        values["json"] = raw_json
        try:
            loaded = loads_json(raw_json)  # the one hardened parser for request data
        except MalformedBody as exc:
            errors["json"] = f"not JSON: {exc}"
        else:
            if not isinstance(loaded, dict):
                errors["json"] = "must be a JSON object"
            elif loaded != proposal:
                edited = {**loaded, **edited}
    return FormResult(edited=edited or None, errors=errors, values=values)


def to_contract(action: str, edited: dict[str, Any], proposal: dict[str, Any], default_role: str) -> dict[str, Any]:
    """The edited payload in the shape the workflow's approve_* steps read.

    Action lines that match a proposed action keep its owner, rationale and citations; a new line is
    owned by the approver's role. Article fields stay under `article`: the edit contract (core/models/edits.py) has the proposal's shape.
    """
    if action == "send_customer_update" and isinstance(edited.get("next_actions"), list):
        proposed = {str(a.get("action")): a for a in proposal.get("next_actions") or [] if isinstance(a, dict)}
        actions = [proposed.get(line) or {"action": line, "owner_role": default_role, "rationale": "",
                                          "citations": []} for line in edited["next_actions"]]
        return {**edited, "next_actions": actions}
    return edited


def errors_from_detail(detail: Any) -> dict[str, str]:
    """Field errors from a 422 detail ([{loc, msg}] as pydantic reports them); '' holds the rest."""
    out: dict[str, str] = {}
    if isinstance(detail, list):
        for item in detail:
            if isinstance(item, dict):
                loc = [str(p) for p in item.get("loc", []) if p not in ("body", "edited_payload")]
                out[".".join(loc)] = str(item.get("msg", "invalid"))
    else:
        out[""] = str(detail)
    return out
