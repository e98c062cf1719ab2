"""Where readers live: versioned model files with a manifest each, and which one is active.

Layout in the operator's data directory (never in the repository):

    <data_dir>/sentiment/<version>.joblib   the fitted reader
    <data_dir>/sentiment/<version>.json     its manifest: metrics, training-data fingerprint, provenance
    <data_dir>/sentiment/active.json        {"version": ...}; absent = the shipped lexicon reads

Activation is one atomic file replace, so every process that loads the reader afterwards reads with
the same version. A manifest whose model cannot be loaded is an error, never a silent fallback: a
different reader would relabel messages without anyone deciding it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agent.sentiment.trained import TrainedSentiment
    from core.settings import Settings

ACTIVE = "active.json"


class ReaderError(RuntimeError):
    """The active reader is missing or unreadable; the message says how to repair it."""


@dataclass
class Manifest:
    """What was fitted, on what, and how well it did (the JSON beside each model file)."""

    version: str
    fingerprint: str
    source: str
    n_train: int
    label_counts: dict[str, int]
    metrics: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    activated: bool = False
    note: str = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Manifest:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


def reader_dir(settings: Settings) -> Path:
    return settings.data_dir / "sentiment"


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_suffix(path.suffix + f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
    tmp.replace(path)  # atomic: a reader never sees half a file


def save_reader(settings: Settings, model: TrainedSentiment, manifest: Manifest, *, activate: bool) -> Path:
    """Write the model and its manifest; make it the active reader when ``activate``."""
    folder = reader_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    path = model.save(folder / f"{manifest.version}.joblib")
    manifest.activated = activate
    _write_json(folder / f"{manifest.version}.json", asdict(manifest))
    if activate:
        activate_version(settings, manifest.version)
    return path


def activate_version(settings: Settings, version: str | None) -> None:
    """Make ``version`` the active reader (None: back to the shipped lexicon)."""
    folder = reader_dir(settings)
    if version is None:
        (folder / ACTIVE).unlink(missing_ok=True)
        return
    if not (folder / f"{version}.joblib").is_file():
        raise ReaderError(f"no saved reader {version!r} in {folder}")
    folder.mkdir(parents=True, exist_ok=True)
    _write_json(folder / ACTIVE, {"version": version, "at": datetime.now(UTC).isoformat(timespec="seconds")})


def active_version(settings: Settings) -> str | None:
    """The version named in active.json, or None when the shipped lexicon reads."""
    path = reader_dir(settings) / ACTIVE
    if not path.is_file():
        return None
    try:
        version = json.loads(path.read_text(encoding="utf-8"))["version"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ReaderError(f"{path} is not a valid reader pointer ({exc}); "
                          "run `redaccount train sentiment --activate default` to repair") from None
    return str(version)


def load_saved(settings: Settings, version: str, *, encoder: Any = None) -> TrainedSentiment:
    """The saved reader of that version; ReaderError when it cannot be loaded."""
    from agent.sentiment.trained import TrainedSentiment

    path = reader_dir(settings) / f"{version}.joblib"
    try:
        model = TrainedSentiment.load(path, encoder=encoder)
    except Exception as exc:  # noqa: BLE001 - re-raised with the repair instruction
        raise ReaderError(f"active sentiment reader {version} cannot be loaded from {path}: {exc}; retrain it or run "
                          "`redaccount train sentiment --activate default`") from exc
    if model.version != version:
        raise ReaderError(f"{path} holds reader {model.version}, not {version}")
    return model


def manifests(settings: Settings) -> list[Manifest]:
    """Every saved reader's manifest, oldest first."""
    folder = reader_dir(settings)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob("*.json"):
        if path.name == ACTIVE:
            continue
        try:
            found.append(Manifest.from_dict(json.loads(path.read_text(encoding="utf-8"))))
        except (ValueError, TypeError):
            continue  # a foreign or damaged file is not a reader
    return sorted(found, key=lambda m: m.created_at)


def read_manifest(settings: Settings, version: str) -> Manifest | None:
    path = reader_dir(settings) / f"{version}.json"
    return Manifest.from_dict(json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else None
