"""Helpdesk follow mode on the job engine: `sync_vendor` syncs once, enqueues assessment, re-schedules itself.

Started by `redaccount serve` and `redaccount worker` for every vendor whose credentials are set, and by
`redaccount sync <vendor>` without `--once`. A run that finds another sync of the vendor holding its
lock (SyncBusy) ends its chain: the holder's chain carries on; a sync already queued or scheduled for
the vendor is not queued again, so chains started by several processes merge. A failed run (vendor
down, bad record) is logged and tried again after `sync_interval_s`; the stored cursors make every run
resume where the last page stored ended, so a lost job loses no data (the next start picks it up again).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from connectors.http import VendorError
from connectors.runner import SyncBusy, SyncNotConfigured, configured_vendors, require_configured, sync_once
from core.ingest import IngestError
from product.assess import assess_pending
from product.jobs import JobEngineDown, job

if TYPE_CHECKING:
    from product.root import Product

log = logging.getLogger("redaccount.sync")


def sync_and_assess(product: Product, vendor: str, strict: bool = False) -> Any:
    """One sync of `vendor`, then every account with new events enqueued for assessment at once."""
    report = sync_once(product.engine, product.settings, vendor, strict)
    assess_pending(product)
    return report


@job(retries=0)
def sync_vendor(product: Product, vendor: str, follow: bool = True, strict: bool = False) -> int | None:
    """Job: sync `vendor` once; with `follow`, run again `sync_interval_s` later. Returns events written."""
    written = None
    try:
        written = sync_and_assess(product, vendor, strict).written
        log.info("sync done", extra={"vendor": vendor, "written": written})
    except SyncBusy:
        log.info("another %s sync holds the lock; its chain carries on", vendor)
        return None
    except SyncNotConfigured as exc:
        log.error("%s follow mode stops: %s", vendor, exc)
        return None
    except (VendorError, IngestError) as exc:
        log.error("%s sync failed, retrying in %.0fs: %s", vendor, product.settings.sync_interval_s, exc)
    except Exception:
        # Anything else (a database hiccup) must not end follow mode either: log it, try again later.
        log.exception("%s sync failed unexpectedly, retrying in %.0fs", vendor, product.settings.sync_interval_s)
    if follow:
        when = datetime.now(UTC) + timedelta(seconds=product.settings.sync_interval_s)
        try:
            if not product.jobs.queued(sync_vendor, vendor=vendor):  # chains started twice merge here
                product.jobs.schedule_at(when, sync_vendor, vendor=vendor, follow=True, strict=strict)
        except JobEngineDown:
            log.error("could not schedule the next %s sync; follow mode resumes when serve or a worker starts",
                      vendor)
    return written


def start_following(product: Product, vendors: list[str] | None = None, strict: bool = False) -> list[str]:
    """Enqueue a following sync for each vendor (default: every configured one); returns the vendors."""
    chosen = configured_vendors(product.settings) if vendors is None else vendors
    for vendor in chosen:
        require_configured(product.settings, vendor)
        try:
            if not product.jobs.queued(sync_vendor, vendor=vendor):  # a chain is already waiting its turn
                product.enqueue(sync_vendor, vendor=vendor, follow=True, strict=strict)
        except JobEngineDown as exc:
            log.error("could not start following %s (the next start retries): %s", vendor, exc)
    return chosen
