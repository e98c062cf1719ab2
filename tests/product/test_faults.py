"""Bad input and faults around the live loop: a rule file that fails validation, a job engine that is down,
several workers assessing the same account at once, risk reviews decided over HTTP."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.app import create_app
from core.db import schema as t
from core.ingest import write_events
from core.models import Band, Role
from core.settings import Settings
from core.store.cases import list_escalations
from core.store.detection import pending_count
from core.store.ledger import read_measurements
from core.store.reviews import list_reviews, open_review
from product import JobEngineDown, build_product
from product.assess import assess_account, run_assessment
from product.clock import FixedClock
from rules.schema import RuleError
from tests.api.conftest import auth, write_keys
from tests.product.test_live_loop import _events
from tests.utils.events import account, message


def test_a_rule_file_that_fails_validation_stops_start_up(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "triggers.yaml").write_text("rules:\n  - id: TRG-X\n    when: {fact: no_such_fact, op: gt, value: 1}\n")
    with pytest.raises(RuleError):
        build_product(Settings(data_dir=tmp_path / "d", llm_enabled=False, rules_dir=rules), immediate_jobs=True)


def test_events_are_kept_when_the_job_engine_is_down(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "d", llm_enabled=False, allow_unsigned_events=True,
                        jobs_url="redis://127.0.0.1:1/0", jobs_in_api=False)
    app = create_app(settings)
    product = app.state.product
    with pytest.raises(JobEngineDown):
        product.enqueue(assess_account, account_id="acc-1")
    with TestClient(app) as client:
        sent = client.post("/events", json=[account(), message("e-m1", "m1", "Still broken after a week.")])
        assert sent.status_code == 202, sent.text
        assert app.state.ingest_worker.drain(timeout=20)
    # Accepted, stored and marked for detection: the sweep assesses them once the engine is back.
    with product.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(t.events)).scalar_one() == 2
    assert pending_count(product.engine) == 2


@pytest.mark.postgres
def test_workers_racing_on_one_account_open_one_case(pg_url: str, tmp_path: Path) -> None:
    events = _events()
    settings = Settings(data_dir=tmp_path / "d", database_url=pg_url, llm_enabled=False)
    clock = FixedClock(events[-1].occurred_at)
    workers = [build_product(settings, clock=clock, immediate_jobs=True) for _ in range(2)]
    try:
        write_events(workers[0].engine, events)
        accounts = sorted({e.payload.id for e in events if e.type == "account.upserted"})
        errors: list[BaseException] = []

        def work(index: int) -> None:
            try:
                for account_id in accounts:
                    run_assessment(workers[index % 2], account_id)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors
        cases = list_escalations(workers[0].engine)
        assert cases and len({c.account_id for c in cases}) == len(cases)
        assert pending_count(workers[0].engine) == 0
        with workers[0].engine.connect() as c:
            folded = dict(c.execute(sa.select(t.signal_windows.c.account_id, t.signal_windows.c.events)).all())
        assert sum(folded.values()) == len(events), "no event folded twice, none lost"
    finally:
        for worker in workers:
            worker.close()


def test_risk_reviews_are_confirmed_or_dismissed_once(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "d", llm_enabled=False, allow_unsigned_events=True,
                        api_keys_file=write_keys(tmp_path / "keys.yaml"), jobs_in_api=False)
    product = build_product(settings, immediate_jobs=True)
    try:
        events = _events()
        product.clock = FixedClock(events[-1].occurred_at)
        write_events(product.engine, events)
        assessed = product.detection.assess_all(product.engine, product.clock())
        red = [a for a in assessed if a.band == Band.red][:2]
        assert len(red) == 2, "the sample's first accounts must hold two Red accounts"
        with product.engine.begin() as c:
            ids = [c.execute(sa.select(sa.func.max(t.assessments.c.id))
                             .where(t.assessments.c.account_id == a.account_id)).scalar_one() for a in red]
            for a, assessment_id in zip(red, ids, strict=True):
                assert open_review(c, a, assessment_id, product.clock())
                assert not open_review(c, a, assessment_id, product.clock())  # one open review per account
        with TestClient(create_app(product)) as client:
            listed = client.get("/risk-reviews", headers=auth(Role.manager)).json()
            by_account = {r["account_id"]: r["id"] for r in listed}
            confirm, dismiss = by_account[red[0].account_id], by_account[red[1].account_id]
            assert client.post(f"/risk-reviews/{confirm}/confirm", headers=auth(Role.support_t1)).status_code == 403
            done = client.post(f"/risk-reviews/{confirm}/confirm", headers=auth(Role.manager))
            assert done.status_code == 200 and done.json()["case_id"], done.text
            again = client.post(f"/risk-reviews/{confirm}/dismiss", json={}, headers=auth(Role.manager))
            assert again.status_code == 409
            dropped = client.post(f"/risk-reviews/{dismiss}/dismiss", json={"reason": "renewal already signed"},
                                  headers=auth(Role.manager))
            assert dropped.status_code == 200 and dropped.json()["status"] == "dismissed"
            assert client.post("/risk-reviews/rev-nope/confirm", headers=auth(Role.manager)).status_code == 404
        assert [c.account_id for c in list_escalations(product.engine)] == [red[0].account_id]
        assert [m.kind.value for m in read_measurements(product.engine)
                if m.detail.get("risk_review") == dismiss] == ["false_positive"]
        assert not list_reviews(product.engine)
    finally:
        product.close()
