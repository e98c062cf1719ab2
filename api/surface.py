"""The HTTP surface's wiring: auth, background ingest and notifications, logging, metrics, routers, pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from api.auth import Sessions, load_keys, load_session_secret
from api.background import EventSpool, IngestWorker
from api.logging import RequestContextMiddleware, configure_logging
from api.routes import (
    accounts,
    approvals,
    cases,
    decision_pages,
    kpis,
    live,
    metrics,
    pages,
    reviews,
    workspace,
)
from api.routes import charts as chart_routes
from core.ingest import IngestSummary
from product import Product
from product.assess import assess_soon

STATIC_DIR = Path(__file__).resolve().parent / "static"


def _on_ingested(product: Product):  # type: ignore[no-untyped-def]
    def ingested(summary: IngestSummary) -> None:
        metrics.EVENTS_INGESTED.labels("inserted").inc(summary.inserted)
        metrics.EVENTS_INGESTED.labels("duplicate").inc(summary.duplicates)
        assess_soon(product, summary.accounts)

    return ingested


def _count_notification(ok: bool) -> None:
    metrics.NOTIFICATIONS.labels("sent" if ok else "failed").inc()


async def _to_login(request: Request, exc: Exception) -> RedirectResponse:
    return RedirectResponse(f"/ui/login?next={request.url.path}", status_code=303)


def install(app: FastAPI, product: Product) -> None:
    """Attach everything the surface needs to the product's app."""
    configure_logging()
    settings, engine = product.settings, product.engine
    app.state.keys = load_keys(settings)
    app.state.sessions = Sessions(load_session_secret(settings), app.state.keys, engine)
    app.state.spool = EventSpool(engine, settings.webhook_tolerance_s)
    app.state.ingest_worker = IngestWorker(engine, app.state.spool, on_ingested=_on_ingested(product))
    app.state.notifier = product.notifier
    product.notifier.on_post = _count_notification
    app.state.metrics_registry = metrics.store_registry(engine)
    app.add_middleware(RequestContextMiddleware, observers=[metrics.observe_request])
    app.add_exception_handler(pages.LoginRequired, _to_login)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in (accounts.router, cases.router, approvals.router, reviews.router, kpis.router, metrics.router,
                   pages.router, pages.root_router, live.router, workspace.router, decision_pages.router,
                   chart_routes.router):
        app.include_router(router)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the ingest worker (re-applying anything spooled before a crash) and the notifier."""
    app.state.ingest_worker.start()
    app.state.notifier.start()
    yield
    app.state.notifier.stop()
    app.state.ingest_worker.drain(timeout=10)
    app.state.ingest_worker.stop()
