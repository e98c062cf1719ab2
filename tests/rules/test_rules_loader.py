"""Loader: the shipped rule set loads, and every kind of mistake fails with a precise message."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from rules.loader import DEFAULT_RULES_DIR, check_rules, load_ruleset
from rules.schema import (
    BadTermError,
    DuplicateRuleIdError,
    FactValueError,
    RuleFileError,
    RuleSchemaError,
    RuleValidationError,
    UnknownActionError,
    UnknownFactError,
    UnknownFieldError,
    UnknownOperatorError,
    UnknownThresholdError,
)


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    target = tmp_path / "definitions"
    shutil.copytree(DEFAULT_RULES_DIR, target)
    return target


def edit(directory: Path, name: str, change: Any) -> None:
    path = directory / f"{name}.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def only_error(directory: Path, thresholds: Path | None = None) -> Any:
    with pytest.raises(RuleValidationError) as info:
        load_ruleset(directory, thresholds)
    assert len(info.value.errors) == 1, info.value
    return info.value.errors[0]


def test_shipped_ruleset_loads_and_is_versioned() -> None:
    ruleset = load_ruleset()
    assert ruleset.version.startswith("rs-") and len(ruleset.version) == 15
    assert load_ruleset().version == ruleset.version
    assert {r.id[:3] for rules in ruleset.rules.values() for r in rules} == {"TRG", "TIR", "ROL", "SLA", "EXT"}
    assert {t.category for t in ruleset.terms} == {"legal", "privacy_gdpr", "security"}


def test_unknown_field_suggests_the_right_one(rules_dir: Path) -> None:
    edit(rules_dir, "triggers", lambda d: d["rules"][0].update(descripton=d["rules"][0].pop("description")))
    errors = pytest.raises(RuleValidationError, load_ruleset, rules_dir).value.errors
    unknown = [e for e in errors if isinstance(e, UnknownFieldError)][0]
    assert unknown.rule_id == "TRG-001" and unknown.path == "rules[0].descripton"
    assert "did you mean 'description'?" in str(unknown) and "triggers.yaml" in str(unknown)


def test_unknown_field_inside_a_condition(rules_dir: Path) -> None:
    edit(rules_dir, "triggers", lambda d: d["rules"][0]["when"]["all"][0].update(treshold="red_score"))
    error = pytest.raises(RuleValidationError, load_ruleset, rules_dir).value.errors[0]
    assert isinstance(error, UnknownFieldError) and error.path == "rules[0].when.all[0].treshold"
    assert error.suggestions == ["threshold"]


def test_unknown_operator(rules_dir: Path) -> None:
    edit(rules_dir, "triggers", lambda d: d["rules"][0]["when"]["all"][0].update(op="gtee"))
    error = only_error(rules_dir)
    assert isinstance(error, UnknownOperatorError) and error.rule_id == "TRG-001"
    assert "unknown operator 'gtee'" in str(error) and "'gte'" in str(error) and error.path == "rules[0].when.all[0]"


def test_operator_that_does_not_fit_the_fact_type(rules_dir: Path) -> None:
    edit(rules_dir, "roles", lambda d: d["rules"][2].update(when={"fact": "pricing_or_contract_topic", "op": "gt", "value": 1}))
    error = only_error(rules_dir)
    assert isinstance(error, UnknownOperatorError) and "does not apply to bool fact" in str(error)


def test_unknown_fact(rules_dir: Path) -> None:
    edit(rules_dir, "tiers", lambda d: d["rules"][1]["when"]["any"][0].update(fact="enginering_owned"))
    error = only_error(rules_dir)
    assert isinstance(error, UnknownFactError) and error.rule_id == "TIR-002"
    assert "did you mean 'engineering_owned'?" in str(error)


def test_unknown_value_of_a_string_fact(rules_dir: Path) -> None:
    edit(rules_dir, "sla", lambda d: d["rules"][0]["when"].update(value="smbb"))
    error = only_error(rules_dir)
    assert isinstance(error, RuleSchemaError) and "'smbb' is not a value of 'arr_tier'" in str(error)
    assert "did you mean 'smb'?" in str(error)


def test_unknown_action_and_misplaced_action(rules_dir: Path) -> None:
    edit(rules_dir, "roles", lambda d: d["rules"][0]["then"][0].update(action="asign_role"))
    edit(rules_dir, "exit", lambda d: d["rules"][0]["then"][0].update(action="set_tier", args={"tier": "T1"}))
    errors = pytest.raises(RuleValidationError, load_ruleset, rules_dir).value.errors
    assert all(isinstance(e, UnknownActionError) for e in errors) and len(errors) == 2
    assert "unknown action 'asign_role'" in str(errors[0]) and "did you mean 'assign_role'?" in str(errors[0])
    assert "not allowed in exit.yaml" in str(errors[1]) and errors[1].rule_id == "EXT-001"


def test_bad_action_arguments(rules_dir: Path) -> None:
    edit(rules_dir, "roles", lambda d: d["rules"][0]["then"][0]["args"].update(role="cmo"))
    edit(rules_dir, "sla", lambda d: d["rules"][0]["then"][0]["args"].update(hour=3))
    errors = pytest.raises(RuleValidationError, load_ruleset, rules_dir).value.errors
    assert errors[0].path == "rules[0].then[0].args.role" and errors[0].rule_id == "ROL-001"
    assert isinstance(errors[1], UnknownFieldError) and "did you mean 'hours'?" in str(errors[1])


def test_unknown_threshold_in_a_rule(rules_dir: Path) -> None:
    edit(rules_dir, "triggers", lambda d: d["rules"][0]["when"]["all"][0].update(threshold="red_scor"))
    error = only_error(rules_dir)
    assert isinstance(error, UnknownThresholdError) and "did you mean 'red_score'?" in str(error)


@pytest.mark.parametrize(
    ("term", "message"),
    [("", "has no letters or digits"), ("?!...", "has no letters or digits"), ("Data-Breach", "already a term of CMP-003"),
     ("x" * 201, "the limit is 200")],
)
def test_bad_terms(rules_dir: Path, term: str, message: str) -> None:
    edit(rules_dir, "compliance", lambda d: d["rules"][2]["terms"].append(term))
    error = only_error(rules_dir)
    assert isinstance(error, BadTermError) and message in str(error) and error.rule_id == "CMP-003"


def test_duplicate_rule_ids(rules_dir: Path) -> None:
    edit(rules_dir, "triggers", lambda d: d["rules"][1].update(id="TRG-001"))
    error = only_error(rules_dir)
    assert isinstance(error, DuplicateRuleIdError) and error.rule_id == "TRG-001"


def test_id_prefix_must_match_the_file(rules_dir: Path) -> None:
    edit(rules_dir, "roles", lambda d: d["rules"][0].update(id="SLA-900"))
    assert "ids in roles.yaml start with ROL-" in str(only_error(rules_dir))


def test_too_many_facts_for_durable_rules(rules_dir: Path) -> None:
    extra = {f"extra_{i}": {"type": "number", "default": 0, "description": "x"} for i in range(220)}
    edit(rules_dir, "facts", lambda d: d["facts"].update(extra))
    assert "exceed durable-rules' limit of 255 fields" in str(only_error(rules_dir))


def test_missing_file_and_invalid_yaml(rules_dir: Path) -> None:
    (rules_dir / "exit.yaml").unlink()
    (rules_dir / "sla.yaml").write_text("rules: [unclosed")
    errors = pytest.raises(RuleValidationError, load_ruleset, rules_dir).value.errors
    assert all(isinstance(e, RuleFileError) for e in errors)
    assert {Path(e.file or "").name for e in errors} == {"exit.yaml", "sla.yaml"}


def test_threshold_overrides(rules_dir: Path, tmp_path: Path) -> None:
    overrides = tmp_path / "thresholds.yaml"
    overrides.write_text("rules:\n  red_score: 80\nsignals:\n  tone_window: 3\n")
    base, changed = load_ruleset(rules_dir), load_ruleset(rules_dir, overrides)
    assert changed.thresholds["red_score"] == 80 and changed.version != base.version
    condition = changed.rules["triggers"][0].when.all[0]  # type: ignore[index]
    assert condition.value == 80 and condition.threshold == "red_score"

    overrides.write_text("rules:\n  red_scor: 80\n")
    error = only_error(rules_dir, overrides)
    assert isinstance(error, UnknownThresholdError) and "did you mean 'red_score'?" in str(error)
    overrides.write_text("rules:\n  red_score: high\n")
    own = load_ruleset(rules_dir, fitted=False).thresholds["red_score"]  # the rule file's own value, not the fitted layer
    assert f"must be int like its default {own}" in str(only_error(rules_dir, overrides))
    overrides.write_text("rule:\n  red_score: 80\n")
    assert "did you mean 'rules'?" in str(only_error(rules_dir, overrides))


def test_facts_are_checked_at_evaluation() -> None:
    ruleset = load_ruleset()
    with pytest.raises(UnknownFactError, match="did you mean 'risk_score'"):
        ruleset.complete_facts({"risk_scor": 1})
    with pytest.raises(FactValueError):
        ruleset.complete_facts({"engineering_owned": 1})
    with pytest.raises(FactValueError):
        ruleset.complete_facts({"risk_score": True})
    with pytest.raises(FactValueError, match="did you mean 'enterprise'"):
        ruleset.complete_facts({"arr_tier": "enterprize"})
    with pytest.raises(FactValueError, match="derived"):
        ruleset.complete_facts({"decided_tier": "T3"})
    assert ruleset.complete_facts({})["renewal_days"] == 9999


def test_check_rules_summary(rules_dir: Path) -> None:
    summary = check_rules()
    assert summary["ok"] and summary["compliance_terms"] > 50 and summary["rules"]["triggers"] >= 3
    edit(rules_dir, "triggers", lambda d: d["rules"][0]["when"]["all"][0].update(op="gtee"))
    failed = check_rules(rules_dir)
    assert not failed["ok"] and failed["errors"][0]["kind"] == "UnknownOperatorError"
    assert failed["errors"][0]["suggestions"] == ["gte", "gt"]
