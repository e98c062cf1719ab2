"""`redaccount backup` and `redaccount restore`: the SQLite mode's online backup (see docs/operations.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import console, fail_cleanly, load_settings
from core.backup import BackupError
from core.backup import backup as make_backup
from core.backup import restore as restore_backup


def backup(target: Annotated[Path, typer.Argument(help="New folder to write the backup into.")]) -> None:
    """Back up the database and checkpoints while the server runs (SQLite online backup)."""
    settings = load_settings()
    with fail_cleanly(BackupError):
        manifest = make_backup(settings, target)
    console.print(f"backup written to {target}: {', '.join(manifest.files)}; "
                  f"{sum(manifest.counts.values())} rows in {len(manifest.counts)} tables")


def restore(source: Annotated[Path, typer.Argument(help="A folder written by `redaccount backup`.")],
            data_dir: Annotated[Path | None, typer.Option(help="Fresh data dir to restore into.")] = None) -> None:
    """Restore a backup into a fresh data dir and verify row counts, integrity and guards."""
    settings = load_settings(data_dir=data_dir)
    with fail_cleanly(BackupError):
        manifest = restore_backup(source, settings)
    console.print(f"restored {source} into {settings.data_dir}: row counts match the backup of {manifest.created_at}")
