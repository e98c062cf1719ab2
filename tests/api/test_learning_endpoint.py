"""Issue 14: reader accuracy and false-positive rate over time, as JSON and on the dashboard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from core.models import Outcome, Role
from core.store.cases import close_escalation, open_escalation
from core.store.labels import record_evaluation
from tests.api.conftest import auth
from tests.api.test_pages import login


def test_learning_series_as_json_and_charts(client: TestClient) -> None:
    engine = client.app.state.engine
    now = datetime.now(UTC)
    for i, outcome in enumerate((Outcome.false_positive, Outcome.saved, Outcome.resolved)):
        case, _ = open_escalation(engine, f"acc-{i}", now - timedelta(days=9))
        close_escalation(engine, case.id, now - timedelta(days=8 - i), outcome, "closed")
    record_evaluation(engine, kind="sentiment", version="lexicon-x", metric="accuracy_held_back", value=0.61, n=50,
                      activated=True, detail={"role": "in_force"}, at=now - timedelta(days=7))
    record_evaluation(engine, kind="sentiment", version="trained-y", metric="accuracy_held_back", value=0.9, n=50,
                      activated=True, detail={"role": "candidate"}, at=now - timedelta(days=7))
    record_evaluation(engine, kind="sentiment", version="trained-y", metric="accuracy_held_back", value=0.88, n=60,
                      activated=True, detail={"role": "in_force"}, at=now)
    body = client.get("/kpis/learning", headers=auth(Role.manager)).json()
    assert [(p["version"], p["accuracy"]) for p in body["reader_accuracy"]] == [("lexicon-x", 0.61),
                                                                              ("trained-y", 0.88)]
    assert sum(w["closed"] for w in body["false_positive_rate"]) == 3
    assert sum(w["false_positives"] for w in body["false_positive_rate"]) == 1
    assert body["active_reader"] == "shipped lexicon"
    assert client.get("/kpis/learning", headers=auth(Role.support_t1)).status_code == 403
    login(client, Role.manager)
    page = client.get("/ui/dashboard")
    assert page.status_code == 200
    assert "Reader accuracy on held-back operator labels" in page.text
    assert "False-positive rate by week closed" in page.text
