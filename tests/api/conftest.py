"""An app with known API keys (one per role, plus a second support_t2) and a seeded store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from fastapi.testclient import TestClient

from api.app import create_app
from core.db import schema as t
from core.ingest import ingest_objects
from core.models import (
    ApprovalRequest,
    Band,
    Evidence,
    RiskAssessment,
    RiskSignal,
    Role,
    SwarmMember,
    TimelineEntry,
)
from core.settings import Settings
from core.store.approvals import request_approval
from core.store.cases import add_swarm_member, append_timeline, open_escalation, update_escalation
from tests.utils.events import T0, account, message
from tests.utils.fakes import StoreOnlyCases

ACTORS = {
    Role.support_t1: "Avery Chen", Role.support_t2: "Priya Raman", Role.support_t3: "Mei Tanaka",
    Role.csm: "Dana Whitfield", Role.ae: "Marco Ruiz", Role.compliance: "Grace Kim",
    Role.engineering: "Tomasz Nowak", Role.manager: "Elena Petrova", Role.admin: "Ada Admin",
}
KEYS = {role: f"test-key-{role.value}-0123456789abcdef" for role in Role}
OTHER_T2_KEY = "test-key-other-t2-0123456789abcdef"  # Jonas Weber, support_t2 like Priya
LEGAL = "Litigation hold since March; do not admit fault."
CONTRACT = "Net 60; price increase capped at 5 %."


def auth(role: Role) -> dict[str, str]:
    return {"X-API-Key": KEYS[role]}


def write_keys(path: Path) -> Path:
    entries = {KEYS[r]: {"actor": ACTORS[r], "role": r.value} for r in Role}
    entries[OTHER_T2_KEY] = {"actor": "Jonas Weber", "role": "support_t2"}
    path.write_text(yaml.safe_dump(entries), encoding="utf-8")
    return path


def assessment(account_id: str, at: datetime = T0) -> RiskAssessment:
    def ev(quote: str) -> list[Evidence]:
        return [Evidence(record_type="message", record_id="m-1", quote=quote, at=at)]

    signals = [
        RiskSignal(kind="negative_sentiment", value=1, weight=50, confidence=0.9, rule_id="TRG-SENTIMENT",
                   detail="angry customer", evidence=ev("speak to your manager")),
        RiskSignal(kind="legal_threat", value=1, weight=25, confidence=0.9, rule_id="CMP-LEGAL-THREAT",
                   detail="mentions a lawsuit", evidence=ev("our lawyers")),
    ]
    return RiskAssessment(account_id=account_id, score=75, band=Band.red, confidence=0.9, needs_review=False,
                          signals=signals, triggered_rules=["TRG-SENTIMENT", "CMP-LEGAL-THREAT"],
                          ruleset_version="test", assessed_at=at)


def store_assessment(engine: sa.Engine, a: RiskAssessment) -> None:
    with engine.begin() as c:
        c.execute(t.assessments.insert().values(
            account_id=a.account_id, score=a.score, band=a.band.value, confidence=a.confidence,
            needs_review=a.needs_review, ruleset_version=a.ruleset_version, assessed_at=a.assessed_at,
            body=a.model_dump(mode="json")))


def add_approval(engine: sa.Engine, case_id: str, step: str, role: Role, assigned_to: str | None = None,
                 forced_by_rules: list[str] | None = None) -> str:
    request = ApprovalRequest(action="send_customer_update", case_id=case_id, step=step,
                              proposal={"subject": "Update on your SSO issue", "body": "We re-issued the metadata."},
                              reasons=["customer-facing message"], forced_by_rules=forced_by_rules or [],
                              assigned_role=role, assigned_to=assigned_to, evidence_refs=["message:m-1"])
    approval_id, _ = request_approval(engine, request, f"case:{case_id}", datetime.now(UTC) - timedelta(hours=1))
    return approval_id


class World:
    """Ids of the seeded objects: `mine` is everyone's case, `other` belongs to other people."""

    def __init__(self, engine: sa.Engine):
        now = datetime.now(UTC)
        ingest_objects(engine, [
            account("e-a1", "acc-1", legal_notes=LEGAL, contract_terms=CONTRACT),
            account("e-a2", "acc-2", name="Contoso", csm="Omar Haddad", ae="Someone Else", legal_notes=LEGAL,
                    contract_terms=CONTRACT),
            message("e-m1", "m-1", "Our lawyers are looking at this. I need to speak to your manager."),
        ])
        store_assessment(engine, assessment("acc-1"))
        store_assessment(engine, assessment("acc-2"))
        mine, _ = open_escalation(engine, "acc-1", now - timedelta(days=1))
        other, _ = open_escalation(engine, "acc-2", now - timedelta(days=1))
        self.mine, self.other = mine.id, other.id
        update_escalation(engine, self.mine, now, owner=ACTORS[Role.support_t2],
                          sla_due={"first_response": now + timedelta(hours=2)})
        update_escalation(engine, self.other, now, owner="Jonas Weber")
        for role in (Role.support_t1, Role.support_t3, Role.engineering):
            add_swarm_member(engine, self.mine, SwarmMember(person=ACTORS[role], role=role, assumed_at=now))
        add_swarm_member(engine, self.other, SwarmMember(person="Hannah Brooks", role=Role.engineering, assumed_at=now))
        for case_id in (self.mine, self.other):
            append_timeline(engine, TimelineEntry(escalation_id=case_id, at=now, kind="opened", actor="system:test"))
            append_timeline(engine, TimelineEntry(escalation_id=case_id, at=now, kind="rule_hit", actor="system:rules",
                                                  payload={"rule_id": "CMP-LEGAL-THREAT", "quote": "our lawyers"}))
        self.others_approval = add_approval(engine, self.other, "other-step", Role.support_t2, "Jonas Weber")


@pytest.fixture
def api_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", llm_enabled=False, allow_unsigned_events=True,
                    api_keys_file=write_keys(tmp_path / "keys.yaml"))


def seeded_app(settings: Settings):  # type: ignore[no-untyped-def]
    """The app with its case service swapped for StoreOnlyCases: these suites seed approvals as store rows
    (no workflow thread), so deciding one claims it in the store, as the real service would."""
    app = create_app(settings)
    real = app.state.product.runtime.service
    app.state.product.runtime.service = StoreOnlyCases(app.state.engine, real.context)
    return app


@pytest.fixture
def client(api_settings: Settings) -> Iterator[TestClient]:
    with TestClient(seeded_app(api_settings)) as test_client:
        yield test_client


@pytest.fixture
def engine_of(client: TestClient) -> sa.Engine:
    return client.app.state.engine


@pytest.fixture(scope="module")
def world_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, World]]:
    """One seeded app shared by the read-only authorization matrix (decisions make their own approvals)."""
    tmp = tmp_path_factory.mktemp("world")
    settings = Settings(data_dir=tmp / "data", llm_enabled=False, allow_unsigned_events=True,
                        api_keys_file=write_keys(tmp / "keys.yaml"))
    with TestClient(seeded_app(settings)) as test_client:
        yield test_client, World(test_client.app.state.engine)
