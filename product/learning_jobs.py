"""The scheduled refit: the sentiment reader and the risk weights relearnt from operator labels.

`refit_due` runs every minute on every consumer and does the work only when the last recorded
evaluation is older than `refit_interval_s` (default a day), under a named lock so one worker runs it.
Each refit activates its candidate only if it does no worse on held-back labels, and records an
evaluation either way, which is also what makes the job idempotent: a repeat within the interval does
nothing. `redaccount train refit` runs the same `refit_models` by hand.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from agent.sentiment.refit import describe, refit_sentiment
from core.store.labels import has_learning_material, last_evaluation_at
from product.jobs import job
from rules.thresholds import load_thresholds
from rules.weights import describe as describe_weights
from rules.weights import refit_risk_weights

if TYPE_CHECKING:
    from product.root import Product

log = logging.getLogger("redaccount.learning")
LOCK = "learning:refit"


def refit_models(product: Product) -> dict[str, Any]:
    """Refit both from the labels now; returns what each refit decided."""
    settings = product.settings
    reader = refit_sentiment(settings, product.engine)
    weights = refit_risk_weights(product.engine, load_thresholds(settings.thresholds_file), settings.data_dir)
    log.info("refit done", extra={"sentiment": reader.reason, "risk_weights": weights.reason})
    return {"sentiment": describe(reader), "risk_weights": describe_weights(weights)}


def refit_is_due(product: Product, now: datetime | None = None) -> bool:
    """Due when the last refit is older than the interval and there is something to learn from (a fresh
    store with no labels, CSAT comments or closed cases records nothing)."""
    if not has_learning_material(product.engine):
        return False
    last = last_evaluation_at(product.engine, "sentiment")
    now = now or datetime.now(UTC)
    return last is None or now - last >= timedelta(seconds=product.settings.refit_interval_s)


@job(retries=2, retry_delay=60.0)
def refit_now(product: Product) -> bool:
    """Job: refit now (one worker at a time); False if another worker holds the refit."""
    with product.cases.locks.hold(LOCK, wait=False) as got:
        if got:
            refit_models(product)
        return got


@job(every_minute=True)
def refit_due(product: Product) -> bool:
    """Job (every minute): refit when the last one is older than `refit_interval_s`; True if it ran."""
    with product.cases.locks.hold(LOCK, wait=False) as got:
        if not got or not refit_is_due(product):
            return False
        refit_models(product)
        return True
