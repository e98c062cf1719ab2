"""SIGKILL served-app workers at random points; nothing accepted is lost, nothing is applied or sent twice.

The CI runs 12 kills per backend; `REDACCOUNT_TEST_CRASH_KILLS=110` runs the full campaign (220 kills):

    REDACCOUNT_TEST_CRASH_KILLS=110 .venv/bin/python -m pytest -q tests/scale/test_crash.py -s
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.scale.conftest import CRASH_KILLS
from tests.scale.crash import CrashReport, run_crash_campaign
from tests.scale.servers import ChromaServer

pytestmark = pytest.mark.timeout(3600)


def _assert_survived(report: CrashReport, kills: int) -> None:
    print("\ncrash campaign:", json.dumps(report.as_dict(), default=str))
    assert report.kills >= kills
    assert report.problems == []
    assert report.lost_approvals == 0
    assert report.duplicate_side_effects == 0 and report.duplicate_decision_entries == 0
    # At-least-once webhooks: a repeat carries the same Idempotency-Key, and is rare (a ms-wide window).
    assert report.notifications_redelivered <= max(1, report.kills // 50)
    assert report.events_missing == 0 and report.events_accepted > 0
    assert report.approvals == report.approvals_applied == 3 * report.cases
    assert report.cases_resumed == report.cases


def test_sqlite_single_worker_survives_random_sigkills(tmp_path: Path) -> None:
    report = run_crash_campaign(f"sqlite:///{tmp_path / 'redaccount.db'}", tmp_path, kills=CRASH_KILLS,
                                workers=1, group_every=10)
    _assert_survived(report, CRASH_KILLS)


@pytest.mark.postgres
def test_postgres_two_workers_and_chroma_server_survive_random_sigkills(
        tmp_path: Path, pg_url: str, chroma_server: ChromaServer) -> None:
    report = run_crash_campaign(pg_url, tmp_path, kills=CRASH_KILLS, workers=2, chroma_url=chroma_server.url,
                                group_every=10)
    _assert_survived(report, CRASH_KILLS)
