"""The served app end to end: detection on the sample, a case started over HTTP and decided to the end."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from core.ingest import ingest_paths
from core.models import Role
from core.sample import sample_path
from core.settings import Settings
from tests.api.conftest import auth, write_keys

SOLUTION = "Re-upload the identity provider metadata after each SAML certificate rotation."


def test_case_started_and_decided_over_http_moves_through_the_workflow(tmp_path: Path) -> None:
    # Live detection off: this test starts the case by hand (tests/product cover the live loop).
    settings = Settings(data_dir=tmp_path / "data", llm_enabled=False, allow_unsigned_events=True,
                        api_keys_file=write_keys(tmp_path / "keys.yaml"), detection_live=False)
    app = create_app(settings)
    engine = app.state.engine
    ingest_paths(engine, [sample_path()])
    assessed = app.state.product.detection.assess_all(engine)
    red = [a for a in assessed if a.band.value == "red" and not a.needs_review]
    assert red, "the sample must contain Red accounts"
    with TestClient(app) as client:
        started = client.post("/cases", json={"account_id": red[0].account_id}, headers=auth(Role.manager))
        assert started.status_code == 201, started.text
        case_id = started.json()["case_id"]
        for expected in ("validate_brief", "send_customer_update", "publish_article"):
            pending = client.get(f"/approvals?case_id={case_id}", headers=auth(Role.manager)).json()
            assert len(pending) == 1 and pending[0]["request"]["action"] == expected, pending
            items = pending
            # A manager may decide for another role (recorded as an override); the assignee varies with the roster.
            role = Role.manager
            decision: dict = {"type": "approve"}
            if "approve" not in items[0]["request"]["allowed_decisions"]:
                # No resolution evidence: the article's solution must be written by the reviewer (issue 13).
                assert expected == "publish_article" and "edit" in items[0]["request"]["allowed_decisions"]
                decision = {"type": "edit", "edited_payload": {"article": {"solution": SOLUTION}}}
            response = client.post(f"/approvals/{items[0]['id']}/decision", json=decision, headers=auth(role))
            assert response.status_code == 200, response.text
            again = client.post(f"/approvals/{items[0]['id']}/decision", json=decision, headers=auth(role))
            assert again.status_code == 409
        view = client.get(f"/cases/{case_id}", headers=auth(Role.manager)).json()
        kinds = [e["kind"] for e in view["timeline"]]
        assert {"opened", "brief_drafted", "customer_update_approved", "article_published"} <= set(kinds)
        (published,) = [e["payload"]["published"] for e in view["timeline"] if e["kind"] == "article_published"]
        assert published["status"] == "approved"
        if decision["type"] == "edit":
            assert published["solution"] == SOLUTION
        assert view["case"]["phase"] in ("fcr_watch", "post_resolution")
