"""Issues 12 and 14: serve, score, the workers and eval read sentiment with the same (active) reader version
and judge with the same rule set, risk model and escalation-by-meaning setting (the product's Detection).

Each path is exercised through its own entry point and the version is read from what it produced (the
persisted windows, the eval JSON), not only from the object it holds. At merge, the composition root
of the live-loop issue replaces `load_sentiment_model` calls; this test is to be extended to it.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from agent.sentiment.training import train_reader
from api.cli import app as cli
from core.db import open_database
from core.db import schema as t
from core.ingest import ingest_objects
from core.settings import Settings
from tests.utils.events import account, message, ticket

runner = CliRunner()
NEG = ["the export is broken again", "nobody answered my ticket", "still waiting on a fix, terrible"]
POS = ["thanks for the quick fix", "great support today", "works perfectly now, cheers"]
NEU = ["how do I add a user", "which plan includes sso", "please send the invoice copy"]


@pytest.fixture
def trained(tmp_path: Path) -> tuple[Settings, str, dict[str, str]]:
    risk_model = tmp_path / "risk_model.yaml"  # a fitted risk model every path must load the same
    risk_model.write_text("version: rm-test\nintercept: -1.0\nreview_threshold: 0.9\n"
                          "terms: {log_events: {mean: 0.0, scale: 1.0, weight: 0.1}}\n", encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data", llm_enabled=False, allow_unsigned_events=True,
                        risk_model_file=risk_model)
    texts = (NEG + POS + NEU) * 5
    labels = (["negative"] * 3 + ["positive"] * 3 + ["neutral"] * 3) * 5
    model, _ = train_reader(settings, texts, labels, source="test", params={"min_df": 1}, folds=3)
    env = {"REDACCOUNT_DATA_DIR": str(settings.data_dir), "REDACCOUNT_LLM_ENABLED": "false",
           "REDACCOUNT_RISK_MODEL_FILE": str(risk_model)}
    engine = open_database(settings)
    ingest_objects(engine, [account("e-a", "acc-1"), ticket("e-t", "t-1"),
                            message("e-m", "m-1", "Still waiting on a fix, the export is broken.")])
    return settings, model.version, env


def _window_readers(settings: Settings) -> set[str]:
    engine = open_database(settings)
    with engine.connect() as c:
        states = c.execute(sa.select(t.signal_windows.c.state)).scalars().all()
    return {m[8] for s in states for m in s["messages"]}


def test_serve_score_workers_and_eval_use_the_active_reader_version(trained, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    settings, version, env = trained
    for key, value in env.items():
        monkeypatch.setenv(key, value)

    # score: the CLI reads with the active reader; the persisted windows say which, and the assessments
    # name the rule set they were judged by.
    result = runner.invoke(cli, ["score", "--json"])
    assert result.exit_code == 0, result.output
    assert _window_readers(settings) == {version}
    scored_rulesets = {a["ruleset_version"] for a in json.loads(result.stdout)}

    # serve: the product the app is built on, its workflow context and its assess hook (what a decision
    # re-assesses with).
    from api.app import create_app

    served = create_app(settings)
    product = served.state.product
    assert product.sentiment_version == version and product.detection.sentiment.version == version
    served_config = product.detection.config()
    assert served_config["reader"] == version and served_config["risk_model"] == "rm-test"
    assert scored_rulesets == {served_config["ruleset"]}  # score judged by the rule set serve runs
    context = product.cases.context
    assert context.sentiment.version == version
    assert context.assess("acc-1") is not None and _window_readers(settings) == {version}
    product.close()

    # workers: `redaccount worker` builds the same product from settings alone.
    from product import build_product

    worker = build_product(settings, immediate_jobs=True)
    try:
        assert worker.sentiment_version == version and worker.cases.context.sentiment.version == version
        assert worker.detection.config() == served_config  # reader, rule set, risk model, meaning, thresholds
    finally:
        worker.close()

    # eval: `redaccount eval` replays detection with the product's Detection (the replay itself is the
    # eval suite's business; here only what it is handed).
    import evals.runner

    handed: list[dict] = []

    def capture(cfg, settings=None, *, sentiment=None, live=None):  # type: ignore[no-untyped-def]
        handed.append(live.config())
        raise SystemExit(0)

    monkeypatch.setattr(evals.runner, "run_eval", capture)
    runner.invoke(cli, ["eval", "--out", str(tmp_path / "eval-out"), "--no-knowledge"])
    assert handed == [served_config]

    # eval: `redaccount eval sentiment` scores with the active reader and says which.
    data = tmp_path / "labelled.csv"
    with data.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label"])
        w.writerows([[x, "negative"] for x in NEG] + [[x, "positive"] for x in POS])
    result = runner.invoke(cli, ["eval", "sentiment", "--csv", str(data), "--compare-default"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["version"] == version and report["n"] == 6
    assert report["shipped_default"]["version"].startswith("lexicon-")


def test_train_sentiment_command_saves_activates_and_switches_back(trained, tmp_path: Path) -> None:
    settings, version, env = trained
    data = tmp_path / "train.csv"
    with data.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["body", "mood"])
        w.writerows([[x, "neg"] for x in NEG * 4] + [[x, "pos"] for x in POS * 4] + [[x, "neu"] for x in NEU * 3])
    result = runner.invoke(cli, ["train", "sentiment", "--csv", str(data), "--text-column", "body",
                                 "--label-column", "mood", "--folds", "3"], env=env)
    assert result.exit_code == 0, result.output
    manifest = json.loads(result.stdout)
    assert manifest["version"] != version and manifest["activated"] and manifest["metrics"]["accuracy"] > 0.5
    assert manifest["source"].startswith("csv:train.csv (33 rows")
    listed = runner.invoke(cli, ["train", "sentiment", "--list"], env=env)
    assert f"* {manifest['version']}" in listed.stdout and version in listed.stdout
    assert runner.invoke(cli, ["train", "sentiment", "--use", "default"], env=env).exit_code == 0
    assert "active: shipped lexicon" in runner.invoke(cli, ["train", "sentiment", "--list"], env=env).stdout
    bad = runner.invoke(cli, ["train", "sentiment", "--use", "trained-nope"], env=env)
    assert bad.exit_code == 1 and "no saved reader" in bad.output
    empty = runner.invoke(cli, ["train", "sentiment", "--from-csat"], env=env)
    assert empty.exit_code == 1 and "at least two classes" in empty.output
