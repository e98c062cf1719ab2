"""The FastAPI application: the HTTP surface over one Product (built once by product.build_product)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import hardening, surface
from api.routes import events, health
from api.routes import zendesk as zendesk_webhook
from core.settings import Settings
from product import Product, build_product
from product.sync_jobs import start_following

log = logging.getLogger("redaccount.app")


def create_app(product: Product | Settings) -> FastAPI:
    """The HTTP surface on a product; given Settings, the app builds the product and closes it on shutdown.

    Every app runs the case workflow and the live detection loop: there is no reduced mode.
    """
    owned = isinstance(product, Settings)
    built = build_product(product) if isinstance(product, Settings) else product
    app = FastAPI(title="redaccount", version="0.1.0",
                  description="Red Account protocol: agent API, approval inbox, dashboards and event ingest.",
                  lifespan=_lifespan)
    app.state.product = built
    app.state.owns_product = owned
    app.state.settings = built.settings
    app.state.engine = built.engine
    app.include_router(health.router)
    app.include_router(events.router)
    app.include_router(zendesk_webhook.router)
    hardening.install(app, limits={"/events": events.MAX_BODY_BYTES, "/webhooks/zendesk": zendesk_webhook.MAX_BODY_BYTES},
                      self_parsed=frozenset({"/events", "/webhooks/zendesk"}))
    surface.install(app, built)
    return app


def create_served_app() -> FastAPI:
    """What `redaccount serve` runs (settings from the environment)."""
    return create_app(Settings())


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    product: Product = app.state.product
    # Finish what a crash cut (decided approvals, runs stopped between nodes) before taking new work.
    await asyncio.to_thread(product.cases.recover)
    if product.settings.jobs_in_api:
        product.jobs.start(product.settings.job_threads)
        start_following(product)  # helpdesk follow mode for each vendor with credentials set
    async with surface.lifespan(app):
        yield
    product.jobs.stop()
    if app.state.owns_product:
        product.close()
