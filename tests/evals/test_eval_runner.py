"""The evaluation runner end to end on a small config: report files exist and are well-formed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli.main import app

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("eval")
    args = ["eval", "--out", str(out), "--accounts", "13", "--llm", "none"]
    if SHARED_DATA.is_dir():
        args += ["--data-dir", str(SHARED_DATA)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return out


def test_report_json_has_every_section(report_dir: Path) -> None:
    report = json.loads((report_dir / "report.json").read_text())
    for section in ("detection", "acting", "realworld", "routing", "compliance", "briefs", "knowledge", "thresholds",
                    "data"):
        assert section in report
    acting = report["acting"]
    for key in ("before", "after"):
        assert {"precision", "recall", "false_alarms_per_100_accounts_week", "lead_time_hours"} <= set(acting[key])
    assert acting["calibration"]["table"] and 0 <= acting["calibration"]["ece"] <= 1
    assert acting["risk_model"]["file"] == "risk_model_generated.yaml"
    assert (report_dir / "risk_model_generated.yaml").is_file() and (report_dir / "thresholds_fitted.yaml").is_file()
    assert report["compliance"]["independent"]["positives"] >= 50
    blind, both = report["compliance"]["blind"], report["compliance"]["blind_with_meaning"]
    # The meaning stage only adds proposals where the rules said nothing: it can add catches, never lose one.
    assert (both["positives"], both["negatives"]) == (blind["positives"], blind["negatives"])
    assert both["tp"] >= blind["tp"] and both["fp"] >= blind["fp"]
    assert report["routing"]["seed_expectations"]["scenarios"] >= 16
    det = report["detection"]["test"]
    assert {"precision", "recall", "f1", "false_positive_rate", "lead_time_hours"} <= set(det)
    assert report["detection"]["ablation"].keys() == {"all signals", "without text", "without service",
                                                      "without account"}
    assert report["compliance"]["recall"] == 1.0
    assert report["briefs"]["generated_cases"]["completeness"] == 1.0
    assert report["thresholds"]["version"] >= 1
    if SHARED_DATA.is_dir():
        assert report["data"]["text"] == "public data"
        assert 0.5 < report["sentiment"]["best"]["accuracy"] <= 1.0
        sn = report["realworld"]["servicenow"]
        assert sn["product_after"]["auc"] is not None and sn["best_baseline_auc"] is not None


def test_markdown_and_charts_are_written(report_dir: Path) -> None:
    md = (report_dir / "report.md").read_text()
    assert md.startswith("# redaccount offline evaluation") and "| metric | value | goal | met |" in md
    assert "blind set, rules + meaning stage" in md and "not fully blind" in md
    for chart in ("pr_curve.png", "lead_time.png", "ablation.png", "confusion_tier.png", "pr_acting.png",
                  "reliability.png"):
        assert (report_dir / chart).read_bytes()[:8] == PNG, chart
        assert f"]({chart})" in md


def test_eval_sentiment_subcommand_still_works(tmp_path: Path) -> None:
    rows = ["text,label"] + [f"great service thanks {i},positive" for i in range(6)] \
        + [f"terrible delay again {i},negative" for i in range(6)]
    csv = tmp_path / "s.csv"
    csv.write_text("\n".join(rows) + "\n")
    # Issue 14: it scores the active reader (here the shipped lexicon of a fresh data dir), fitting nothing.
    result = CliRunner().invoke(app, ["eval", "sentiment", "--csv", str(csv), "--label-column", "label"],
                                env={"REDACCOUNT_DATA_DIR": str(tmp_path / "data")})
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["n"] == 12 and report["version"].startswith("lexicon-") and "nothing fitted" in report["method"]
