"""The command line: ingest idempotency and errors, schema, rules, inbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from core.sample import sample_path

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"REDACCOUNT_DATA_DIR": str(tmp_path / "data"), "REDACCOUNT_LLM_ENABLED": "false"}


def test_ingest_sample_twice_leaves_identical_counts(env: dict[str, str]) -> None:
    first = runner.invoke(app, ["ingest", str(sample_path()), "--json"], env=env)
    second = runner.invoke(app, ["ingest", str(sample_path()), "--json"], env=env)
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    one, two = json.loads(first.stdout.strip().splitlines()[-1]), json.loads(second.stdout.strip().splitlines()[-1])
    events = sum(1 for line in sample_path().read_text().splitlines() if line.strip())  # one event per line
    assert events > 3000
    assert one["inserted"] == events and two["inserted"] == 0 and two["duplicates"] == events


def test_ingest_bad_line_reports_file_line_field_and_writes_nothing(env: dict[str, str], tmp_path: Path) -> None:
    lines = sample_path().read_text().splitlines()[:5]
    broken = json.loads(lines[2])
    broken["payload"].pop("id")
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([lines[0], lines[1], json.dumps(broken), lines[3]]) + "\n")
    result = runner.invoke(app, ["ingest", str(bad)], env=env)
    assert result.exit_code == 1
    assert f"{bad}:3: payload.id:" in result.output.replace("\n", "")
    counts = runner.invoke(app, ["ingest", str(bad.with_name("none.jsonl"))], env=env)
    assert counts.exit_code != 0  # missing file is refused by the CLI itself


def test_schema_events_prints_the_envelope_schema() -> None:
    result = runner.invoke(app, ["schema", "events"])
    schema = json.loads(result.stdout)
    assert result.exit_code == 0 and "account.upserted" in json.dumps(schema)


def test_rules_check_and_match() -> None:
    assert runner.invoke(app, ["rules", "check"]).exit_code == 0
    result = runner.invoke(app, ["rules", "match"], input="Our attorney says GDPR; the tissue issue is minor.")
    hits = json.loads(result.stdout)
    assert {h["term"].lower() for h in hits} == {"our attorney", "gdpr"}


def test_rules_check_reports_a_broken_rule_file(tmp_path: Path) -> None:
    from rules.loader import load_ruleset

    source = load_ruleset().source_dir
    broken = tmp_path / "rules"
    broken.mkdir()
    for path in Path(source).glob("*.yaml"):
        (broken / path.name).write_text(path.read_text())
    triggers = broken / "triggers.yaml"
    triggers.write_text(triggers.read_text().replace("open_red_case", "open_red_kase", 1))
    result = runner.invoke(app, ["rules", "check", "--rules-dir", str(broken)])
    assert result.exit_code == 1 and "open_red_kase" in result.output


def test_inbox_list_refuses_an_unknown_key(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["inbox", "list", "--api-key", "nope-not-a-key-0000000000"], env=env)
    assert result.exit_code == 2 and "unknown API key" in result.output
