"""The shape of rule files: pydantic models that refuse unknown fields.

Semantic checks that need the whole rule set (fact names, operators, actions, thresholds, terms) live
in `rules.loader`, which turns every failure into a `RuleError` naming file, rule id and field path.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from rules.text import normalise_term

Scalar = bool | int | float | str
FactType = Literal["number", "bool", "str"]
RuleKind = Literal["triggers", "compliance", "tiers", "roles", "sla", "exit"]

RULE_PREFIX: dict[str, str] = {
    "triggers": "TRG",
    "compliance": "CMP",
    "tiers": "TIR",
    "roles": "ROL",
    "sla": "SLA",
    "exit": "EXT",
}
RULE_FILES: tuple[str, ...] = ("facts", *RULE_PREFIX)

OPERATORS: dict[str, str] = {
    "eq": "equals",
    "ne": "differs from",
    "gt": "greater than",
    "gte": "greater than or equal to",
    "lt": "less than",
    "lte": "less than or equal to",
    "in": "one of",
    "not_in": "none of",
    "is_true": "is true",
    "is_false": "is false",
}
UNARY_OPERATORS = frozenset({"is_true", "is_false"})
OPERATORS_BY_TYPE: dict[str, frozenset[str]] = {
    "number": frozenset({"eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in"}),
    "str": frozenset({"eq", "ne", "in", "not_in"}),
    "bool": frozenset({"is_true", "is_false"}),
}

# durable-rules refuses facts of more than 255 fields; the adapter adds `id` and `seq` to every fact.
MAX_FACT_FIELDS = 255
RESERVED_FIELDS = ("id", "seq")
# durable-rules cannot parse JSON numbers in exponent form (error 204 on 1e-06, found by the
# differential test). Python writes floats below 1e-4 or from 1e16 in that form, so every number is
# compared at 4-decimal precision and below 1e15 in magnitude, in both evaluators alike.
NUMBER_DECIMALS = 4
MAX_NUMBER = 1e15
RuleId = Annotated[str, StringConstraints(pattern=r"^(TRG|CMP|TIR|ROL|SLA|EXT)-\d{3}$")]
Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
# Context windows are counted in tokens of one sentence; beyond this a cue says little about a hit.
MAX_CONTEXT_WINDOW = 20
# A context cue ending in "*" is a stem matching any token that starts with it; shorter stems match too much.
MIN_STEM = 4


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(Strict):
    """Either a comparison (`fact`, `op`, and `value` or `threshold`) or a group (`all` / `any`)."""

    all: list[Condition] | None = Field(default=None, min_length=1)
    any: list[Condition] | None = Field(default=None, min_length=1)
    fact: str | None = None
    op: str | None = None
    value: Scalar | list[Scalar] | None = None
    threshold: str | None = None

    @model_validator(mode="after")
    def _one_shape(self) -> Condition:
        shapes = [self.all is not None, self.any is not None, self.fact is not None]
        if sum(shapes) != 1:
            raise ValueError("a condition is exactly one of: `all: [...]`, `any: [...]`, or `fact` + `op`")
        if self.fact is None and (self.op or self.value is not None or self.threshold):
            raise ValueError("`op`, `value` and `threshold` belong to a comparison with `fact`, not a group")
        if self.fact is not None:
            if self.op is None:
                raise ValueError(f"comparison on `{self.fact}` has no `op`")
            if self.value is not None and self.threshold is not None:
                raise ValueError("give either `value` or `threshold`, not both")
        return self

    def leaves(self) -> list[Condition]:
        """Every comparison in this condition tree, depth first."""
        if self.fact is not None:
            return [self]
        return [leaf for child in (self.all or self.any or []) for leaf in child.leaves()]


class ActionCall(Strict):
    action: str
    args: dict[str, Any] = Field(default_factory=dict)


class Rule(Strict):
    id: RuleId
    description: str = Field(min_length=1, max_length=200)
    references: list[str] = Field(min_length=1)
    when: Condition
    then: list[ActionCall] = Field(min_length=1)


class ContextSpec(Strict):
    """Cue words around a compliance hit: `before`/`after` tokens of the same sentence are looked at."""

    description: str = Field(min_length=1, max_length=300)
    before: int = Field(ge=0, le=MAX_CONTEXT_WINDOW)
    after: int = Field(ge=0, le=MAX_CONTEXT_WINDOW)
    same_clause: bool = Field(default=False, description="A cue counts only with no , : ( ) or dash between it and the hit.")
    cues: list[str] = Field(min_length=1, description="Words or phrases; a single word ending in * is a stem (any token starting with it).")

    @model_validator(mode="after")
    def _looks_somewhere(self) -> ContextSpec:
        if self.before == 0 and self.after == 0:
            raise ValueError("a context with `before: 0` and `after: 0` can never see a cue")
        return self


class QualifiedTerms(Strict):
    """Terms too common to decide alone: a hit counts only with a cue of one of `needs` nearby and, when
    `also_needs` is given, a cue of each of those contexts too ("another company's" counts only with
    something of theirs near AND a word of seeing or receiving it)."""

    needs: list[Name] = Field(default_factory=list)
    also_needs: list[Name] = Field(default_factory=list, description="Contexts that must ALL have a cue near.")
    unless: list[Name] = Field(default_factory=list,
                               description="More contexts whose cues drop a hit of these terms (on top of the rule's).")
    terms: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _qualifies(self) -> QualifiedTerms:
        # A group without `needs` is a set of terms that decide alone but have their own `unless` contexts
        # ("our lawyer" is dropped next to "sign the contract", "lawsuit" is not).
        if not self.needs and not self.unless:
            raise ValueError("a qualified group needs `needs` or `unless`")
        if self.also_needs and not self.needs:
            raise ValueError("`also_needs` only adds to `needs`")
        return self


class ComplianceRule(Strict):
    id: RuleId
    description: str = Field(min_length=1, max_length=200)
    references: list[str] = Field(min_length=1)
    category: Literal["legal", "privacy_gdpr", "security"]
    terms: list[str] = Field(min_length=1)
    qualified: list[QualifiedTerms] = Field(default_factory=list)
    unless: list[Name] = Field(default_factory=list, description="Contexts whose cues near a hit drop it.")
    then: list[ActionCall] = Field(min_length=1)


class FactSpec(Strict):
    type: FactType
    description: str = Field(min_length=1)
    default: Scalar
    values: list[str] | None = Field(default=None, description="Allowed values of a `str` fact.")
    unit: str | None = None
    derived: bool = Field(default=False, description="Computed by the evaluator; callers must not supply it.")


class FactsFile(Strict):
    version: str = Field(min_length=1)
    facts: dict[Name, FactSpec] = Field(min_length=1)


class RuleFile(Strict):
    version: str = Field(min_length=1)
    description: str = ""
    thresholds: dict[Name, Scalar] = Field(default_factory=dict)
    rules: list[Rule] = Field(min_length=1)


class ComplianceFile(Strict):
    version: str = Field(min_length=1)
    description: str = ""
    thresholds: dict[Name, Scalar] = Field(default_factory=dict)
    contexts: dict[Name, ContextSpec] = Field(default_factory=dict)
    rules: list[ComplianceRule] = Field(min_length=1)


class ThresholdsFile(BaseModel):
    """An operator's overrides; only the `rules` section is ours, other sections belong to other owners."""

    model_config = ConfigDict(extra="allow", frozen=True)

    rules: dict[str, Scalar] = Field(default_factory=dict)


FILE_MODELS: dict[str, type[BaseModel]] = {
    "facts": FactsFile,
    **{kind: (ComplianceFile if kind == "compliance" else RuleFile) for kind in RULE_PREFIX},
}


class RuleError(Exception):
    """Base of every rules failure: where it is (file, rule id, field path), what is wrong, and hints."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        rule_id: str | None = None,
        path: str | None = None,
        suggestions: list[str] | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.rule_id = rule_id
        self.path = path
        self.suggestions = suggestions or []
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [part for part in (self.file, self.rule_id and f"rule {self.rule_id}", self.path) if part]
        hint = f" (did you mean {' or '.join(repr(s) for s in self.suggestions)}?)" if self.suggestions else ""
        return f"{': '.join(where)}: {self.message}{hint}" if where else f"{self.message}{hint}"


class RuleFileError(RuleError):
    """A rule or thresholds file is missing, unreadable, or not valid YAML."""


class RuleSchemaError(RuleError):
    """A value has the wrong shape or type."""


class UnknownFieldError(RuleSchemaError):
    """A key the schema does not define (a typo, usually)."""


class UnknownFactError(RuleError):
    """A condition or a facts dict names a fact outside the declared vocabulary."""


class UnknownOperatorError(RuleError):
    """An operator outside OPERATORS, or one that does not apply to the fact's type."""


class UnknownActionError(RuleError):
    """An action outside the registry in rules.actions, or not allowed in this file."""


class UnknownThresholdError(RuleError):
    """A condition or an override names a threshold no rule file defines."""


class UnknownContextError(RuleError):
    """A compliance rule names a context that compliance.yaml does not define."""


class BadTermError(RuleError):
    """A compliance term that cannot be matched reliably (empty, punctuation only, duplicate, too long)."""


class DuplicateRuleIdError(RuleError):
    """Two rules share an id; ids are stable citations and must be unique across files."""


class FactValueError(RuleError):
    """A facts dict handed to an evaluator has a value of the wrong type or outside its allowed values."""


class EngineError(RuleError):
    """durable-rules failed or disagreed with itself; never swallowed."""


class RuleValidationError(RuleError):
    """Several problems found while loading; `errors` holds each one."""

    def __init__(self, errors: list[RuleError]) -> None:
        self.errors = errors
        lines = "\n".join(f"  - {error}" for error in errors)
        super().__init__(f"{len(errors)} problem(s) in the rule set:\n{lines}")


def suggest(word: str, candidates: Iterable[str]) -> list[str]:
    """Close matches for a misspelt name, best first."""
    return difflib.get_close_matches(word, sorted(candidates), n=3, cutoff=0.6)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def canonical_number(value: int | float) -> int | float:
    """`value` as both evaluators compare it: integers unchanged, floats rounded to 4 decimals."""
    if isinstance(value, int):
        return value
    return round(value, NUMBER_DECIMALS) + 0.0


def _check_operand(value: Any, spec: FactSpec, fact: str) -> str | None:
    """Why `value` cannot be compared with `fact`, or None if it can."""
    if spec.type == "number" and not _is_number(value):
        return f"fact {fact!r} is a number; {value!r} is not"
    if spec.type == "number" and (abs(value) >= MAX_NUMBER or canonical_number(value) != value):
        return f"{value!r} must have at most {NUMBER_DECIMALS} decimals and be below {MAX_NUMBER:.0e}"
    if spec.type == "str":
        if not isinstance(value, str):
            return f"fact {fact!r} is a string; {value!r} is not"
        if spec.values is not None and value not in spec.values:
            close = suggest(value, spec.values)
            hint = f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""
            return f"{value!r} is not a value of {fact!r}: {spec.values}{hint}"
    return None


def check_condition(
    condition: Condition,
    facts: dict[str, FactSpec],
    thresholds: dict[str, Scalar],
    path: str,
    *,
    file: str,
    rule_id: str,
) -> list[RuleError]:
    """Every problem with the facts, operators, values and thresholds of one condition tree."""
    where = {"file": file, "rule_id": rule_id, "path": path}
    if condition.fact is None:
        group = "all" if condition.all is not None else "any"
        children = condition.all if condition.all is not None else condition.any or []
        return [
            error
            for index, child in enumerate(children)
            for error in check_condition(child, facts, thresholds, f"{path}.{group}[{index}]", file=file, rule_id=rule_id)
        ]
    spec = facts.get(condition.fact)
    if spec is None:
        return [UnknownFactError(f"unknown fact {condition.fact!r}", suggestions=suggest(condition.fact, facts), **where)]
    op = condition.op or ""
    if op not in OPERATORS:
        return [UnknownOperatorError(f"unknown operator {op!r}", suggestions=suggest(op, OPERATORS), **where)]
    if op not in OPERATORS_BY_TYPE[spec.type]:
        allowed = sorted(OPERATORS_BY_TYPE[spec.type])
        return [UnknownOperatorError(f"operator {op!r} does not apply to {spec.type} fact {condition.fact!r}; use one of {allowed}", **where)]
    if op in UNARY_OPERATORS:
        if condition.value is not None or condition.threshold is not None:
            return [RuleSchemaError(f"operator {op!r} takes no value or threshold", **where)]
        return []
    if condition.threshold is not None:
        if condition.threshold not in thresholds:
            return [UnknownThresholdError(f"unknown threshold {condition.threshold!r}", suggestions=suggest(condition.threshold, thresholds), **where)]
        operand: Any = thresholds[condition.threshold]
    elif condition.value is None:
        return [RuleSchemaError(f"operator {op!r} needs a `value` or a `threshold`", **where)]
    else:
        operand = condition.value
    if op in ("in", "not_in"):
        if not isinstance(operand, list) or not operand:
            return [RuleSchemaError(f"operator {op!r} needs a non-empty list", **where)]
        problems = [_check_operand(item, spec, condition.fact) for item in operand]
    elif isinstance(operand, list):
        return [RuleSchemaError(f"operator {op!r} compares with one value, not a list", **where)]
    else:
        problems = [_check_operand(operand, spec, condition.fact)]
    return [RuleSchemaError(problem, **where) for problem in problems if problem]


@dataclass(frozen=True, slots=True)
class Term:
    """One compliance keyword: the durable-rules adapter compiles one condition per term."""

    rule_id: str
    category: str
    term: str
    normalised: str
    index: int
    needs: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    also_needs: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.rule_id}#{self.index}"

    @property
    def tokens(self) -> int:
        return len(self.normalised.split(" "))


@dataclass(frozen=True, slots=True)
class Context:
    """A validated context: cues as token tuples of the normal form, and the window it looks at."""

    name: str
    before: int
    after: int
    cues: tuple[tuple[str, ...], ...]
    same_clause: bool = False
    stems: tuple[str, ...] = ()


def check_terms(rules: list[ComplianceRule], file: str, max_chars: int) -> tuple[list[Term], list[RuleError]]:
    """Normalise every compliance term (plain and qualified); refuse empty, punctuation-only, over-long
    and duplicate ones (a term can belong to one rule only, plain or qualified)."""
    terms: list[Term] = []
    errors: list[RuleError] = []
    owner: dict[str, str] = {}
    for rule_index, rule in enumerate(rules):
        listed: list[tuple[str, str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]]
        listed = [(f"rules[{rule_index}].terms[{i}]", t, (), (), ()) for i, t in enumerate(rule.terms)]
        listed += [(f"rules[{rule_index}].qualified[{q}].terms[{i}]", t, tuple(group.needs), tuple(group.also_needs),
                    tuple(n for n in group.unless if n not in rule.unless))
                   for q, group in enumerate(rule.qualified) for i, t in enumerate(group.terms)]
        for index, (path, term, needs, also_needs, unless) in enumerate(listed):
            where = {"file": file, "rule_id": rule.id, "path": path}
            normalised = normalise_term(term)
            if not normalised:
                errors.append(BadTermError(f"term {term!r} has no letters or digits, so it can never match", **where))
            elif len(normalised) > max_chars:
                errors.append(BadTermError(f"term is {len(normalised)} characters; the limit is {max_chars}", **where))
            elif normalised in owner:
                errors.append(BadTermError(f"term {term!r} normalises to {normalised!r}, already a term of {owner[normalised]}", **where))
            else:
                owner[normalised] = rule.id
                terms.append(Term(rule.id, rule.category, term, normalised, index, needs, (*rule.unless, *unless),
                                  also_needs))
    return terms, errors


def check_contexts(specs: dict[str, ContextSpec], rules: list[ComplianceRule], file: str) -> tuple[dict[str, Context], list[RuleError]]:
    """Normalise every context's cues and check that every context a rule names exists."""
    contexts: dict[str, Context] = {}
    errors: list[RuleError] = []
    for name, spec in specs.items():
        cues: dict[tuple[str, ...], None] = {}
        stems: dict[str, None] = {}
        for index, cue in enumerate(spec.cues):
            where = {"file": file, "path": f"contexts.{name}.cues[{index}]"}
            normalised = normalise_term(cue)
            if cue.endswith("*"):
                # A stem: any one token that starts with it ("compartilh*" is compartilhado, compartilhados, ...)
                if " " in normalised or len(normalised) < MIN_STEM:
                    errors.append(BadTermError(f"stem cue {cue!r} must be one token of at least {MIN_STEM} letters", **where))
                elif normalised in stems:
                    errors.append(BadTermError(f"cue {cue!r} normalises to {normalised!r}, already a stem of {name!r}", **where))
                else:
                    stems[normalised] = None
                continue
            if not normalised:
                errors.append(BadTermError(f"cue {cue!r} has no letters or digits, so it can never match", **where))
            elif tuple(normalised.split(" ")) in cues:
                errors.append(BadTermError(f"cue {cue!r} normalises to {normalised!r}, already a cue of {name!r}", **where))
            else:
                cues[tuple(normalised.split(" "))] = None
        contexts[name] = Context(name, spec.before, spec.after, tuple(cues), spec.same_clause, tuple(stems))
    for rule_index, rule in enumerate(rules):
        named = [(f"rules[{rule_index}].unless[{i}]", n) for i, n in enumerate(rule.unless)]
        named += [(f"rules[{rule_index}].qualified[{q}].{key}[{i}]", n)
                  for q, group in enumerate(rule.qualified)
                  for key, names in (("needs", group.needs), ("also_needs", group.also_needs), ("unless", group.unless))
                  for i, n in enumerate(names)]
        for path, name in named:
            if name not in specs:
                errors.append(UnknownContextError(f"unknown context {name!r}", file=file, rule_id=rule.id, path=path,
                                                  suggestions=suggest(name, specs)))
    return contexts, errors
