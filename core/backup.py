"""Online backup and restore of the single-machine (SQLite) mode.

A backup is a directory: the records database and the LangGraph checkpoints, each copied with SQLite's
online backup API (a consistent snapshot while the server keeps writing; WAL content included), the key
files, and `manifest.json` with every table's row count. Restore copies them into a fresh data dir and
verifies integrity, row counts and the database guards before it reports success.
The knowledge base (Chroma) is not copied: it is rebuilt from the runbooks and the approved articles.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from core.db import create_db_engine, table_counts
from core.db.engine import current_revision
from core.db.schema import APPEND_ONLY_TABLES
from core.settings import Settings

MANIFEST = "manifest.json"
RECORDS = "redaccount.db"
CHECKPOINTS = "checkpoints.sqlite"
KEY_FILES = ("api_keys.yaml", "session.key")


class BackupError(Exception):
    """A backup or restore could not be made or did not verify; nothing was left half-done."""


@dataclass(frozen=True)
class BackupManifest:
    created_at: str
    schema_revision: str | None
    counts: dict[str, int]
    files: list[str]

    def write(self, folder: Path) -> None:
        (folder / MANIFEST).write_text(json.dumps(self.__dict__, indent=2, sort_keys=True), encoding="utf-8")

    @classmethod
    def read(cls, folder: Path) -> BackupManifest:
        try:
            return cls(**json.loads((folder / MANIFEST).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as exc:
            raise BackupError(f"{folder} is not a redaccount backup: {exc}") from None


def _records_path(settings: Settings) -> Path:
    if settings.is_postgres:
        raise BackupError("the database is PostgreSQL: back it up with pg_dump (see docs/operations.md)")
    return Path(settings.effective_database_url.removeprefix("sqlite:///"))


def _copy_online(source: Path, target: Path) -> None:
    """SQLite's online backup: pages are copied under a read transaction, so concurrent writers are fine."""
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=1024)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        dst.close()
        src.close()


def _sqlite_engine(path: Path) -> sa.Engine:
    return create_db_engine(f"sqlite:///{path}")


def backup(settings: Settings, target: Path) -> BackupManifest:
    """Write a consistent backup of the data dir's databases and key files into `target` (must not exist)."""
    records = _records_path(settings)
    if not records.exists():
        raise BackupError(f"no database at {records}")
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new backup folder")
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    files = [RECORDS]
    _copy_online(records, partial / RECORDS)
    if settings.checkpoint_path.exists():
        _copy_online(settings.checkpoint_path, partial / CHECKPOINTS)
        files.append(CHECKPOINTS)
    for name in KEY_FILES:
        if (settings.data_dir / name).exists():
            shutil.copy2(settings.data_dir / name, partial / name)
            (partial / name).chmod(0o600)
            files.append(name)
    engine = _sqlite_engine(partial / RECORDS)
    try:
        manifest = BackupManifest(created_at=datetime.now(UTC).isoformat(), schema_revision=current_revision(engine),
                                  counts=table_counts(engine), files=files)
    finally:
        engine.dispose()
    manifest.write(partial)
    partial.rename(target)  # a backup folder without ".partial" is always complete
    return manifest


def _integrity(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        result = connection.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"{path.name} failed its integrity check: {result}")


def restore(source: Path, settings: Settings) -> BackupManifest:
    """Restore a backup into the settings' data dir, which must hold no database yet; verify it."""
    manifest = BackupManifest.read(source)
    records = _records_path(settings)
    if records.exists():
        raise BackupError(f"{records} already exists: restore into a fresh data dir")
    settings.ensure_dirs()
    for name in manifest.files:
        if not (source / name).exists():
            raise BackupError(f"backup is missing {name}")
        if name.endswith((".db", ".sqlite")):
            _integrity(source / name)
    targets = {RECORDS: records, CHECKPOINTS: settings.checkpoint_path}
    for name in manifest.files:
        destination = targets.get(name, settings.data_dir / name)
        shutil.copy2(source / name, destination)
        if name in KEY_FILES:
            destination.chmod(0o600)
    engine = _sqlite_engine(records)
    try:
        counts = table_counts(engine)
        with engine.connect() as connection:
            triggers = set(connection.scalars(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
    finally:
        engine.dispose()
    missing = {f"{table}_no_{op}" for table in APPEND_ONLY_TABLES for op in ("update", "delete")} - triggers
    if missing:
        raise BackupError(f"restored database lacks its append-only guards: {sorted(missing)}")
    if counts != manifest.counts:
        raise BackupError(f"restored row counts differ from the manifest: {counts} != {manifest.counts}")
    return manifest
