"""The inbox and dashboard show new cases without a manual reload; risk reviews are decided from the inbox."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.app import create_app
from core.db import schema as t
from core.ingest import write_events
from core.models import Band, Role
from core.settings import Settings
from core.store.cases import list_escalations
from core.store.reviews import list_reviews, open_review
from product import build_product
from product.clock import FixedClock
from tests.api.conftest import write_keys
from tests.api.test_pages import _csrf, login
from tests.product.test_live_loop import _events


def test_pages_poll_for_changes_and_a_review_is_confirmed_from_the_inbox(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "d", llm_enabled=False, allow_unsigned_events=True,
                        api_keys_file=write_keys(tmp_path / "keys.yaml"), jobs_in_api=False)
    events = _events()
    product = build_product(settings, clock=FixedClock(events[-1].occurred_at), immediate_jobs=True)
    try:
        write_events(product.engine, events)
        red = next(a for a in product.detection.assess_all(product.engine, product.clock()) if a.band == Band.red)
        with TestClient(create_app(product)) as client:
            assert client.get("/ui/changes", follow_redirects=False).status_code == 303  # a session is needed
            login(client, Role.manager)
            inbox = client.get("/ui/inbox")
            assert 'data-live="5000"' in inbox.text and "/static/live.js" in inbox.text
            assert 'data-live="5000"' in client.get("/ui/dashboard").text
            before = client.get("/ui/changes").json()
            with product.engine.begin() as c:
                assessment_id = c.execute(sa.select(sa.func.max(t.assessments.c.id))
                                          .where(t.assessments.c.account_id == red.account_id)).scalar_one()
                assert open_review(c, red, assessment_id, product.clock())
            after_review = client.get("/ui/changes").json()
            assert after_review["reviews"] == before["reviews"] + 1
            page = client.get("/ui/inbox")
            (review,) = list_reviews(product.engine)
            assert f'data-review="{review.id}"' in page.text
            decided = client.post(f"/ui/risk-reviews/{review.id}/decide",
                                  data={"csrf": _csrf(page.text), "decision": "confirm"}, follow_redirects=False)
            assert decided.status_code == 303 and decided.headers["location"].startswith("/ui/cases/")
            now = client.get("/ui/changes").json()
            assert now["cases"] == before["cases"] + 1 and now["reviews"] == before["reviews"]
            assert [c.account_id for c in list_escalations(product.engine)] == [red.account_id]
            assert client.get("/static/live.js").status_code == 200
    finally:
        product.close()
