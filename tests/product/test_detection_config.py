"""Issue 12: the product's Detection carries the escalation-by-meaning port only when the setting asks for it."""

from __future__ import annotations

from pathlib import Path

from core.settings import Settings
from product import build_product


def test_escalation_meaning_is_off_by_default_and_switching_it_changes_the_window_digest(tmp_path: Path) -> None:
    plain = build_product(Settings(data_dir=tmp_path / "a", llm_enabled=False), immediate_jobs=True)
    meant = build_product(Settings(data_dir=tmp_path / "b", llm_enabled=False, escalation_meaning=True),
                          immediate_jobs=True)
    try:
        assert plain.detection.meaning is None and plain.detection.detector().meaning is None
        assert meant.detection.detector().meaning is meant.detection.meaning is not None
        (score, prototype), = meant.detection.meaning.similar(["I want to escalate this to your manager"])
        assert prototype in meant.detection.th.escalation_prototypes and 0 < score <= 1
        # Windows read with meaning differ from windows read without: they are rebuilt, not reused.
        assert plain.detection.digest != meant.detection.digest
        assert {k: v for k, v in plain.detection.config().items() if k not in ("meaning", "windows_digest")} == {
            k: v for k, v in meant.detection.config().items() if k not in ("meaning", "windows_digest")}
    finally:
        plain.close()
        meant.close()
