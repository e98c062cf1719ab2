"""The scheduled refit (issue 14) on the real huey engine on SQLite: consumer threads run it, once per interval."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from agent.sentiment.registry import active_version
from connectors.importer import run_import
from core.settings import Settings
from core.store.labels import evaluations
from product import build_product
from product.learning_jobs import refit_due, refit_is_due

CSAT = Path(__file__).parents[1] / "agent" / "fixtures" / "zendesk_csat_ratings.json"


def test_the_refit_job_runs_on_a_worker_records_evaluations_and_is_idempotent(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", llm_enabled=False, refit_interval_s=3600)
    product = build_product(settings)  # real huey on a SQLite file beside the database
    try:
        run_import(product.engine, "zendesk", [CSAT])  # 300 rated comments: operator labels
        assert refit_is_due(product)
        product.enqueue(refit_due)  # what the every-minute schedule enqueues
        product.jobs.start(workers=1)
        deadline = time.monotonic() + 60
        while not evaluations(product.engine, "risk_weights") and time.monotonic() < deadline:
            time.sleep(0.2)
        product.jobs.stop()

        reader = evaluations(product.engine, "sentiment")
        candidate = [e for e in reader if e["detail"]["role"] == "candidate"]
        assert len(candidate) == 1 and candidate[0]["activated"]  # better on held-back labels: in force now
        assert active_version(settings) == candidate[0]["version"]
        assert len(evaluations(product.engine, "risk_weights")) == 1  # the risk weights were refit too

        # Within the interval the schedule does nothing; after it, the refit is due again.
        assert refit_due(product) is False
        assert len(evaluations(product.engine, "sentiment")) == len(reader)
        assert refit_is_due(product, datetime.now(UTC) + timedelta(seconds=3601))
    finally:
        product.close()
