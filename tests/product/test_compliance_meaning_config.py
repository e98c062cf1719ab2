"""Issue 12: the compliance-by-meaning review stage runs in live detection only when the setting asks for it."""

from __future__ import annotations

from pathlib import Path

from core.settings import Settings
from knowledge.compliance_meaning import ComplianceMeaning
from product import build_product


def test_compliance_meaning_is_off_by_default_and_switching_it_rebuilds_windows(tmp_path: Path) -> None:
    plain = build_product(Settings(data_dir=tmp_path / "a", llm_enabled=False), immediate_jobs=True)
    meant = build_product(Settings(data_dir=tmp_path / "b", llm_enabled=False, compliance_meaning=True),
                          immediate_jobs=True)
    try:
        assert plain.detection.compliance_meaning is None and plain.detection.detector().compliance_meaning is None
        stage = meant.detection.detector().compliance_meaning
        assert isinstance(stage, ComplianceMeaning) and stage is meant.detection.compliance_meaning
        assert plain.detection.digest != meant.detection.digest
        assert meant.detection.config()["compliance_meaning"] and not plain.detection.config()["compliance_meaning"]
    finally:
        plain.close()
        meant.close()
