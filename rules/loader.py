"""Load, validate and version the rule YAML; every problem becomes a precise `RuleError`."""

from __future__ import annotations

import hashlib
import json
import math
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from rules.actions import check_actions
from rules.schema import (
    FILE_MODELS,
    MAX_FACT_FIELDS,
    MAX_NUMBER,
    RESERVED_FIELDS,
    RULE_FILES,
    RULE_PREFIX,
    ComplianceRule,
    Condition,
    Context,
    DuplicateRuleIdError,
    FactSpec,
    FactValueError,
    Rule,
    RuleError,
    RuleFileError,
    RuleSchemaError,
    RuleValidationError,
    Scalar,
    Term,
    ThresholdsFile,
    UnknownFactError,
    UnknownFieldError,
    UnknownThresholdError,
    canonical_number,
    check_condition,
    check_contexts,
    check_terms,
    suggest,
)

DEFAULT_RULES_DIR = Path(__file__).parent / "definitions"
MAX_TERM_CHARS = 200


@dataclass(frozen=True)
class RuleSet:
    """A validated rule set with thresholds resolved into its conditions."""

    version: str
    file_versions: dict[str, str]
    facts: dict[str, FactSpec]
    thresholds: dict[str, Scalar]
    rules: dict[str, tuple[Rule, ...]]
    compliance: tuple[ComplianceRule, ...]
    terms: tuple[Term, ...]
    source_dir: Path
    contexts: dict[str, Context] = field(default_factory=dict)

    @property
    def max_term_chars(self) -> int:
        return max((len(term.normalised) for term in self.terms), default=1)

    def rule_ids(self) -> list[str]:
        return [r.id for rules in self.rules.values() for r in rules] + [r.id for r in self.compliance]

    def complete_facts(self, facts: dict[str, Any]) -> dict[str, Scalar]:
        """Check `facts` against the vocabulary and fill declared defaults for missing ones."""
        complete: dict[str, Scalar] = {}
        for name, value in facts.items():
            spec = self.facts.get(name)
            if spec is None:
                raise UnknownFactError(f"unknown fact {name!r}", suggestions=suggest(name, self.facts))
            if spec.derived:
                raise FactValueError(f"fact {name!r} is derived by the evaluator; do not supply it")
            complete[name] = _check_fact_value(name, spec, value)
        for name, spec in self.facts.items():
            if name not in complete and not spec.derived:
                complete[name] = spec.default
        return complete


def _check_fact_value(name: str, spec: FactSpec, value: Any) -> Scalar:
    if spec.type == "number":
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise FactValueError(f"fact {name!r} must be a finite number, got {value!r}")
        if abs(value) >= MAX_NUMBER:
            raise FactValueError(f"fact {name!r} must be below {MAX_NUMBER:.0e} in magnitude, got {value!r}")
        return canonical_number(value)
    elif spec.type == "bool":
        if not isinstance(value, bool):
            raise FactValueError(f"fact {name!r} must be true or false, got {value!r}")
    elif not isinstance(value, str) or (spec.values is not None and value not in spec.values):
        raise FactValueError(
            f"fact {name!r} must be one of {spec.values}, got {value!r}",
            suggestions=suggest(str(value), spec.values or []),
        )
    return value


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise RuleFileError("file not found", file=str(path))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RuleFileError(f"invalid YAML: {exc}", file=str(path)) from exc
    if not isinstance(data, dict):
        raise RuleFileError("top level must be a mapping", file=str(path))
    return data


def _descend(annotation: Any, key: Any) -> Any:
    """The type found one step down `annotation` at `key` (field name, list index or dict key)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _descend(arg, key)
            if found is not None:
                return found
        return None
    if origin is typing.Annotated:
        return _descend(typing.get_args(annotation)[0], key)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(key) if isinstance(key, str) else None
        return field.annotation if field else None
    if origin is list and isinstance(key, int):
        return typing.get_args(annotation)[0]
    if origin is dict:
        return typing.get_args(annotation)[1]
    return None


def _model_at(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_at(arg)
        if found is not None:
            return found
    return None


def format_path(loc: typing.Sequence[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def rule_id_at(data: Any, loc: typing.Sequence[Any]) -> str | None:
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int) and isinstance(data, dict):
        rules = data.get("rules")
        if isinstance(rules, list) and loc[1] < len(rules) and isinstance(rules[loc[1]], dict):
            rule_id = rules[loc[1]].get("id")
            return str(rule_id) if rule_id is not None else None
    return None


def schema_errors(exc: ValidationError, model: type[BaseModel], data: Any, file: str) -> list[RuleError]:
    """Translate pydantic's errors into RuleErrors with rule id, field path and suggestions."""
    errors: list[RuleError] = []
    for err in exc.errors():
        loc = tuple(part for part in err["loc"])
        where = {"file": file, "rule_id": rule_id_at(data, loc), "path": format_path(loc)}
        if err["type"] == "extra_forbidden":
            annotation: Any = model
            for part in loc[:-1]:
                annotation = _descend(annotation, part) if annotation is not None else None
            parent = _model_at(annotation)
            allowed = list(parent.model_fields) if parent else []
            errors.append(
                UnknownFieldError(f"unknown field {loc[-1]!r}", suggestions=suggest(str(loc[-1]), allowed), **where)
            )
        else:
            errors.append(RuleSchemaError(err["msg"], **where))
    return errors


def _load_overrides(thresholds_file: Path | None, known: dict[str, Scalar]) -> tuple[dict[str, Scalar], list[RuleError]]:
    if thresholds_file is None:
        return {}, []
    file = str(thresholds_file)
    data = _read_yaml(Path(thresholds_file))
    errors: list[RuleError] = []
    for key in data:
        if key != "rules" and suggest(key, ["rules"]):
            errors.append(UnknownFieldError(f"unknown section {key!r}", file=file, suggestions=["rules"]))
    try:
        overrides = ThresholdsFile.model_validate(data).rules
    except ValidationError as exc:
        return {}, [*errors, *schema_errors(exc, ThresholdsFile, data, file)]
    valid: dict[str, Scalar] = {}
    for name, value in overrides.items():
        if name not in known:
            errors.append(
                UnknownThresholdError(
                    f"unknown threshold {name!r}", file=file, path=f"rules.{name}", suggestions=suggest(name, known)
                )
            )
        elif type(value) is not type(known[name]) and not (
            isinstance(value, int | float) and isinstance(known[name], int | float)
            and not isinstance(value, bool) and not isinstance(known[name], bool)
        ):
            errors.append(
                RuleSchemaError(
                    f"threshold {name!r} must be {type(known[name]).__name__} like its default "
                    f"{known[name]!r}, got {value!r}",
                    file=file,
                    path=f"rules.{name}",
                )
            )
        else:
            valid[name] = value
    return valid, errors


def _resolve(condition: Condition, thresholds: dict[str, Scalar]) -> Condition:
    if condition.fact is not None:
        if condition.threshold is None:
            return condition
        return condition.model_copy(update={"value": thresholds[condition.threshold]})
    if condition.all is not None:
        return condition.model_copy(update={"all": [_resolve(c, thresholds) for c in condition.all]})
    return condition.model_copy(update={"any": [_resolve(c, thresholds) for c in condition.any or []]})


def _fitted_overrides(directory: Path, known: dict[str, Scalar]) -> tuple[dict[str, Scalar], list[RuleError]]:
    """The shipped fitted layer's `rules:` values (rules/fitted/thresholds.yaml: the Red score fitted on the
    dev split). An operator's own rule folder may not define a threshold the shipped set has: skipped there."""
    from rules.fitted import THRESHOLDS_FILE

    values, errors = _load_overrides(THRESHOLDS_FILE, known)
    if directory != DEFAULT_RULES_DIR:
        errors = [e for e in errors if not isinstance(e, UnknownThresholdError)]
    return values, errors


def load_ruleset(rules_dir: Path | str | None = None, thresholds_file: Path | str | None = None, *,
                 fitted: bool = True) -> RuleSet:
    """Load and validate every rule file; raise RuleValidationError listing all problems found.

    Thresholds: the rule files' own, then the shipped fitted layer (unless ``fitted=False``), then the
    operator's `thresholds_file`, each value winning over the one below.
    """
    directory = Path(rules_dir) if rules_dir is not None else DEFAULT_RULES_DIR
    raw: dict[str, dict[str, Any]] = {}
    models: dict[str, Any] = {}
    errors: list[RuleError] = []
    for name in RULE_FILES:
        path = directory / f"{name}.yaml"
        try:
            raw[name] = _read_yaml(path)
            models[name] = FILE_MODELS[name].model_validate(raw[name])
        except RuleError as exc:
            errors.append(exc)
        except ValidationError as exc:
            errors.extend(schema_errors(exc, FILE_MODELS[name], raw[name], str(path)))
    if errors:
        raise RuleValidationError(errors)

    facts: dict[str, FactSpec] = dict(models["facts"].facts)
    facts_file = str(directory / "facts.yaml")
    for name, spec in facts.items():
        if name in RESERVED_FIELDS:
            errors.append(RuleSchemaError(f"fact name {name!r} is reserved", file=facts_file, path=f"facts.{name}"))
        try:
            _check_fact_value(name, spec, spec.default)
        except FactValueError as exc:
            errors.append(RuleSchemaError(f"default: {exc.message}", file=facts_file, path=f"facts.{name}"))
    if len(facts) + len(RESERVED_FIELDS) > MAX_FACT_FIELDS:
        errors.append(
            RuleSchemaError(
                f"{len(facts)} facts plus {len(RESERVED_FIELDS)} reserved fields exceed durable-rules' "
                f"limit of {MAX_FACT_FIELDS} fields per fact",
                file=facts_file,
            )
        )

    defaults: dict[str, Scalar] = {}
    for kind in RULE_PREFIX:
        for name, value in models[kind].thresholds.items():
            if name in defaults:
                errors.append(
                    RuleSchemaError(f"threshold {name!r} is defined in two files", file=f"{kind}.yaml", path=f"thresholds.{name}")
                )
            defaults[name] = value
    overrides: dict[str, Scalar] = {}
    if fitted:
        shipped, shipped_errors = _fitted_overrides(directory, defaults)
        overrides.update(shipped)
        errors.extend(shipped_errors)
    operator, override_errors = _load_overrides(Path(thresholds_file) if thresholds_file else None, defaults)
    overrides.update(operator)
    errors.extend(override_errors)
    thresholds = {**defaults, **{k: v for k, v in overrides.items() if k in defaults}}

    seen: dict[str, str] = {}
    for kind, prefix in RULE_PREFIX.items():
        file = str(directory / f"{kind}.yaml")
        for index, rule in enumerate(models[kind].rules):
            where = {"file": file, "rule_id": rule.id}
            if not rule.id.startswith(prefix + "-"):
                errors.append(RuleSchemaError(f"ids in {kind}.yaml start with {prefix}-", path=f"rules[{index}].id", **where))
            if rule.id in seen:
                errors.append(DuplicateRuleIdError(f"duplicate rule id, first defined in {seen[rule.id]}", **where))
            seen.setdefault(rule.id, file)
            errors.extend(check_actions(rule.then, kind, f"rules[{index}].then", **where))
            if isinstance(rule, ComplianceRule):
                continue
            errors.extend(check_condition(rule.when, facts, thresholds, f"rules[{index}].when", **where))

    terms, term_errors = check_terms(models["compliance"].rules, str(directory / "compliance.yaml"), MAX_TERM_CHARS)
    errors.extend(term_errors)
    contexts, context_errors = check_contexts(models["compliance"].contexts, models["compliance"].rules,
                                              str(directory / "compliance.yaml"))
    errors.extend(context_errors)
    if errors:
        raise RuleValidationError(errors)

    resolved = {
        kind: tuple(r.model_copy(update={"when": _resolve(r.when, thresholds)}) for r in models[kind].rules)
        for kind in RULE_PREFIX
        if kind != "compliance"
    }
    canonical = {name: models[name].model_dump(mode="json") for name in RULE_FILES}
    canonical["effective_thresholds"] = thresholds
    digest = hashlib.sha256(json.dumps(canonical, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return RuleSet(
        version=f"rs-{digest[:12]}",
        file_versions={name: str(models[name].version) for name in RULE_FILES},
        facts=facts,
        thresholds=thresholds,
        rules=resolved,
        compliance=tuple(models["compliance"].rules),
        terms=tuple(terms),
        source_dir=directory,
        contexts=contexts,
    )



def check_rules(rules_dir: Path | str | None = None, thresholds_file: Path | str | None = None) -> dict[str, Any]:
    """Validate a rule set for the CLI: a JSON-able summary, with every problem listed when it fails."""
    try:
        ruleset = load_ruleset(rules_dir, thresholds_file)
    except RuleError as exc:
        problems = exc.errors if isinstance(exc, RuleValidationError) else [exc]
        return {
            "ok": False,
            "errors": [
                {"kind": type(p).__name__, "file": p.file, "rule_id": p.rule_id, "path": p.path,
                 "message": p.message, "suggestions": p.suggestions, "text": str(p)}
                for p in problems
            ],
        }
    return {
        "ok": True,
        "version": ruleset.version,
        "rules_dir": str(ruleset.source_dir),
        "file_versions": ruleset.file_versions,
        "rules": {kind: len(rules) for kind, rules in ruleset.rules.items()} | {"compliance": len(ruleset.compliance)},
        "compliance_terms": len(ruleset.terms),
        "compliance_contexts": len(ruleset.contexts),
        "facts": len(ruleset.facts),
        "thresholds": ruleset.thresholds,
    }


__all__ = ["RuleSet", "check_rules", "load_ruleset"]
