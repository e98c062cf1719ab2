"""`sync_once`: the vendor syncs built from settings (the `sync_vendor` job and the CLI call it)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import sqlalchemy as sa

from connectors import salesforce_sync, zendesk_sync
from connectors.sync import SyncBusy, SyncReport, run_streams
from core.db.locks import NamedLocks
from core.settings import Settings

SYNC_VENDORS = ("zendesk", "salesforce")
LOCK_ATTEMPTS, LOCK_PAUSE_S = 5, 1.0
__all__ = ["SYNC_VENDORS", "SyncBusy", "SyncNotConfigured", "configured_vendors", "require_configured", "sync_once"]


class SyncNotConfigured(ValueError):
    """Settings lack what a vendor sync needs; the message names the variables to set."""


def sync_once(engine: sa.Engine, settings: Settings, vendor: str, strict: bool = False,
              sleep: Callable[[float], None] = time.sleep, stop: threading.Event | None = None) -> SyncReport:
    """Sync every stream of `vendor` from its stored cursor to the end of the vendor's data, once."""
    require_configured(settings, vendor)
    options = {"max_attempts": settings.sync_max_attempts, "max_wait_s": settings.sync_max_wait_s, "sleep": sleep}
    if vendor == "zendesk":
        url, token = settings.zendesk_url, settings.zendesk_api_token
        assert url and settings.zendesk_email and token  # checked by require_configured
        client = zendesk_sync.client_for(url, settings.zendesk_email, token.get_secret_value(), **options)
        streams = zendesk_sync.streams(client, url, engine, strict)
    elif vendor == "salesforce":
        url, secret = settings.salesforce_instance_url, settings.salesforce_client_secret
        assert url and settings.salesforce_client_id and secret  # checked by require_configured
        client = salesforce_sync.client_for(url, settings.salesforce_client_id, secret.get_secret_value(), **options)
        streams = salesforce_sync.streams(client, url, settings.salesforce_api_version, engine, strict)
    else:
        raise SyncNotConfigured(f"unknown vendor {vendor!r}")
    locks = NamedLocks(engine)
    try:
        # One sync per vendor at a time, across processes on PostgreSQL: two would fetch the same pages.
        # A few short waits let the server notice a killed holder (its session ends, and the lock with it).
        for attempt in range(LOCK_ATTEMPTS):
            with locks.hold(f"sync:{vendor}", wait=False) as held:
                if held:
                    return run_streams(engine, vendor, streams, client.waits, strict, stop)
            if attempt + 1 < LOCK_ATTEMPTS:
                time.sleep(LOCK_PAUSE_S)
        raise SyncBusy(f"another {vendor} sync is running; this one did nothing")
    finally:
        client.close()
        locks.dispose()


def require_configured(settings: Settings, vendor: str) -> None:
    """Raise SyncNotConfigured, naming the variables to set, unless `vendor`'s credentials are all set."""
    if vendor == "zendesk":
        if not (settings.zendesk_url and settings.zendesk_email and settings.zendesk_api_token):
            raise SyncNotConfigured("Zendesk sync needs REDACCOUNT_ZENDESK_SUBDOMAIN (or REDACCOUNT_ZENDESK_BASE_URL), "
                                    "REDACCOUNT_ZENDESK_EMAIL and REDACCOUNT_ZENDESK_API_TOKEN")
    elif vendor == "salesforce":
        if not (settings.salesforce_instance_url and settings.salesforce_client_id
                and settings.salesforce_client_secret):
            raise SyncNotConfigured("Salesforce sync needs REDACCOUNT_SALESFORCE_INSTANCE_URL, "
                                    "REDACCOUNT_SALESFORCE_CLIENT_ID and REDACCOUNT_SALESFORCE_CLIENT_SECRET")
    else:
        raise SyncNotConfigured(f"unknown vendor {vendor!r} (sync supports {', '.join(SYNC_VENDORS)})")


def configured_vendors(settings: Settings) -> list[str]:
    """The vendors whose credentials are all set (follow mode starts for these with serve and worker)."""
    vendors = []
    for vendor in SYNC_VENDORS:
        try:
            require_configured(settings, vendor)
        except SyncNotConfigured:
            continue
        vendors.append(vendor)
    return vendors
