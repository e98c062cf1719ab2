"""Helpers of the sync tests: settings pointing at a fake, table counts."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from core.db import schema as t
from core.settings import Settings
from tests.connectors import fake_salesforce, fake_zendesk


def zendesk_settings(url: str, tmp_path: Path, **extra: object) -> Settings:
    values = {"zendesk_base_url": url, "zendesk_email": fake_zendesk.EMAIL, "zendesk_api_token": fake_zendesk.TOKEN}
    return Settings(data_dir=tmp_path / "data", llm_enabled=False, **{**values, **extra})


def salesforce_settings(url: str, tmp_path: Path, **extra: object) -> Settings:
    values = {"salesforce_instance_url": url, "salesforce_client_id": fake_salesforce.CLIENT_ID,
              "salesforce_client_secret": fake_salesforce.CLIENT_SECRET}
    return Settings(data_dir=tmp_path / "data", llm_enabled=False, **{**values, **extra})


def counts(engine: sa.Engine) -> dict[str, int]:
    tables = {"accounts": t.accounts, "contacts": t.contacts, "tickets": t.tickets, "messages": t.messages,
              "csat": t.csat_responses, "sla": t.sla_events, "events": t.events}
    with engine.connect() as connection:
        return {name: connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0
                for name, table in tables.items()}


def event_ids(engine: sa.Engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.scalars(sa.select(t.events.c.event_id)))
