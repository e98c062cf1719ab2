"""The FastAPI application factories."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI

from api import hardening, surface
from api.routes import events, health
from api.routes import zendesk as zendesk_webhook
from core.db import open_database
from core.settings import Settings

if TYPE_CHECKING:
    from graph.service import CaseService

log = logging.getLogger("redaccount.app")


def create_app(settings: Settings | None = None) -> FastAPI:
    """The HTTP surface on a migrated database (nothing happens at import time).

    Without a case workflow installed, decisions are recorded in the store only; `create_served_app`
    installs the LangGraph workflow so a decision resumes its case.
    """
    settings = settings or Settings()
    app = FastAPI(title="redaccount", version="0.1.0",
                  description="Red Account protocol: agent API, approval inbox, dashboards and event ingest.",
                  lifespan=_lifespan)
    app.state.settings = settings
    app.state.engine = open_database(settings)
    app.include_router(health.router)
    app.include_router(events.router)
    app.include_router(zendesk_webhook.router)
    hardening.install(app, limits={"/events": events.MAX_BODY_BYTES, "/webhooks/zendesk": zendesk_webhook.MAX_BODY_BYTES},
                      self_parsed=frozenset({"/events", "/webhooks/zendesk"}))
    surface.install(app, settings)
    return app


def install_workflow(app: FastAPI) -> None:
    """Attach the case workflow (rules, knowledge, model, checkpointer) so decisions move cases on."""
    from agent.sentiment import load_sentiment_model
    from graph.runtime import build_runtime
    from rules.detect import latest_assessment

    settings, engine = app.state.settings, app.state.engine
    reader = load_sentiment_model(settings)  # one reader for every assessment this process makes

    def assess(account_id: str):  # type: ignore[no-untyped-def]
        from rules.detect import assess_all

        found = assess_all(engine, settings, account_id=account_id, sentiment=reader)
        return found[0] if found else latest_assessment(engine, account_id)

    runtime = build_runtime(settings, engine, assess=assess, sentiment=reader)
    app.state.case_runtime = runtime
    app.state.case_service = runtime.service


def create_served_app() -> FastAPI:
    """What `redaccount serve` runs: the HTTP surface plus the case workflow."""
    app = create_app()
    install_workflow(app)
    return app


def run_periodic(service: CaseService) -> bool:
    """One round of the periodic case jobs, in one worker at a time; False if another worker holds it.

    Recovery applies decisions whose worker died between the claim and the resume (a restarted worker
    does the same at start-up); the tick resumes cases whose FCR window expired.
    """
    with service.locks.hold("workflow:periodic", wait=False) as got:
        if got:
            service.recover()
            service.tick()
        return got


async def _tick_forever(app: FastAPI, interval_s: float) -> None:
    # FCR windows expire on their own; resume those cases without anyone clicking.
    while True:
        await asyncio.sleep(interval_s)
        try:
            await asyncio.to_thread(run_periodic, app.state.case_service)
        except Exception:  # noqa: BLE001 - a failed tick is logged and retried next time
            log.exception("case tick failed")


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    async with surface.lifespan(app):
        ticker = None
        if getattr(app.state, "case_service", None) is not None:
            await asyncio.to_thread(app.state.case_service.recover)
            ticker = asyncio.create_task(_tick_forever(app, 60.0))
        yield
        if ticker:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
        runtime = getattr(app.state, "case_runtime", None)
        if runtime is not None:
            runtime.close()
