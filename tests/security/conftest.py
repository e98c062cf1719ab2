"""A served app (workflow installed, no model) on a seeded store with known API keys, shared by the fuzz tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from core.models import Role
from core.settings import Settings
from core.store.approvals import list_approvals
from tests.api.conftest import World, auth, write_keys

ZENDESK_SECRET = "zendesk-secret-0123456789"
WEBHOOK_SECRET = "webhook-secret-0123456789"


@dataclass
class Served:
    app: FastAPI
    client: TestClient
    world: World

    def known_ids(self) -> dict[str, list[str]]:
        """Path parameter values that exist in the store (fuzzing random ids only ever reaches 404)."""
        engine = self.app.state.engine
        return {"account_id": ["acc-1", "acc-2"], "case_id": [self.world.mine, self.world.other],
                "approval_id": [a.id for a in list_approvals(engine, status=None)]}


def served_settings(tmp: Path, **overrides: object) -> Settings:
    # Jobs run in a separate worker here (REDACCOUNT_JOBS_IN_API=false): background assessments would
    # otherwise write while a test checks that a refused payload wrote nothing.
    values: dict = dict(data_dir=tmp / "data", llm_enabled=False, allow_unsigned_events=True,
                        zendesk_webhook_secret=ZENDESK_SECRET, api_keys_file=write_keys(tmp / "keys.yaml"),
                        jobs_in_api=False)
    return Settings(**(values | overrides))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The app `redaccount serve` runs, with a case started so real approvals are pending."""
    tmp = tmp_path_factory.mktemp("served")
    app = create_app(served_settings(tmp))
    with TestClient(app) as client:
        world = World(app.state.engine)
        started = client.post("/cases", json={"account_id": "acc-1"}, headers=auth(Role.manager))
        assert started.status_code == 201, started.text
        yield Served(app, client, world)


class WithoutLifespan:
    """The app for schemathesis: its lifespan belongs to the fixture's TestClient, not to each fuzz run."""

    def __init__(self, app: FastAPI):
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return


__all__ = ["Served", "WithoutLifespan", "served_settings"]
