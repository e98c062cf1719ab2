"""SQLite online backup while writers run, restore into a fresh data dir: rows, checkpoints and guards intact."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from api.cli.main import app as cli
from core.backup import BackupError, BackupManifest, backup, restore
from core.db import open_database, table_counts
from core.ingest import ingest_objects
from core.models import ApprovalDecision
from core.settings import Settings
from core.store.approvals import list_approvals
from tests.graph.conftest import T_START, make_service
from tests.utils.events import account, message, ticket
from tests.utils.fakes import Clock, red_assessment


def _settings(path: Path) -> Settings:
    return Settings(data_dir=path, llm_enabled=False, allow_unsigned_events=True)


@pytest.fixture
def live(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A data dir with records, a case paused at its first approval, and a checkpoint."""
    settings = _settings(tmp_path / "live")
    engine = open_database(settings)
    ingest_objects(engine, [account(), ticket("e-t1"), message("e-m1", "m-1", "I need to speak to your manager.",
                                                               at=T_START - timedelta(hours=2))])
    service, checkpointer = make_service(settings, engine, Clock(T_START))
    case_id, _ = service.start_case(red_assessment())
    checkpointer.close()
    yield settings, engine, case_id
    engine.dispose()


def test_backup_during_writes_restores_consistently(live, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings, engine, case_id = live
    stop = threading.Event()

    def write() -> None:  # the server keeps ingesting while the backup runs (WAL mode)
        n = 0
        while not stop.is_set():
            ingest_objects(engine, [message(f"e-w{n}", f"m-w{n}", f"Follow-up {n}", at=T_START - timedelta(minutes=n))])
            n += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        manifest = backup(settings, tmp_path / "bk")
    finally:
        stop.set()
        writer.join()
    assert {"redaccount.db", "checkpoints.sqlite", "api_keys.yaml"} - set(manifest.files) == {"api_keys.yaml"}
    assert manifest.counts["events"] >= 3 and manifest.counts["escalations"] == 1
    assert not (tmp_path / "bk.partial").exists()
    # The snapshot is internally consistent: every message row has its event.
    assert manifest.counts["messages"] == manifest.counts["events"] - 2

    fresh = _settings(tmp_path / "restored")
    restored = restore(tmp_path / "bk", fresh)
    assert restored.counts == manifest.counts
    engine2 = open_database(fresh)
    try:
        assert table_counts(engine2) == manifest.counts
        for statement in ("UPDATE events SET source = 'x'", "DELETE FROM timeline", "DELETE FROM audit_log"):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine2.begin() as connection:
                connection.execute(sa.text(statement))
        # The checkpoint came along: the case resumes from its pending approval in the restored copy.
        service, checkpointer = make_service(fresh, engine2, Clock(T_START))
        (pending,) = list_approvals(engine2)
        service.decide(pending.id, ApprovalDecision(type="approve", actor="Priya Raman"))
        assert service.pending_interrupt(case_id)["request"]["action"] == "send_customer_update"
        checkpointer.close()
    finally:
        engine2.dispose()


def test_restore_refuses_a_used_data_dir_and_a_tampered_backup(live, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings, _, _ = live
    backup(settings, tmp_path / "bk")
    with pytest.raises(BackupError, match="already exists"):
        backup(settings, tmp_path / "bk")
    with pytest.raises(BackupError, match="fresh data dir"):
        restore(tmp_path / "bk", settings)
    manifest = BackupManifest.read(tmp_path / "bk")
    BackupManifest(**(manifest.__dict__ | {"counts": manifest.counts | {"events": 999}})).write(tmp_path / "bk")
    with pytest.raises(BackupError, match="row counts differ"):
        restore(tmp_path / "bk", _settings(tmp_path / "other"))
    with pytest.raises(BackupError, match="not a redaccount backup"):
        restore(tmp_path / "nowhere", _settings(tmp_path / "third"))


def test_backup_refuses_postgres(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url="postgresql+psycopg://u@127.0.0.1/db")
    with pytest.raises(BackupError, match="pg_dump"):
        backup(settings, tmp_path / "bk")


def test_cli_backup_and_restore(live, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    settings, _, _ = live
    monkeypatch.setenv("REDACCOUNT_DATA_DIR", str(settings.data_dir))
    runner = CliRunner()
    made = runner.invoke(cli, ["backup", str(tmp_path / "cli-bk")])
    assert made.exit_code == 0, made.output
    done = runner.invoke(cli, ["restore", str(tmp_path / "cli-bk"), "--data-dir", str(tmp_path / "cli-restored")])
    assert done.exit_code == 0, done.output
    assert "row counts match" in " ".join(done.output.split())
    again = runner.invoke(cli, ["restore", str(tmp_path / "cli-bk"), "--data-dir", str(tmp_path / "cli-restored")])
    assert again.exit_code == 1 and "fresh data dir" in " ".join(again.output.split())
