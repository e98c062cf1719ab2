"""`redaccount serve`."""

from __future__ import annotations

import typer

from api.cli.common import load_settings

WORKER_HEALTHCHECK_S = 60


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8000, help="Port."),
    workers: int = typer.Option(1, min=1, help="Worker processes (use PostgreSQL and a Chroma server for >1)."),
) -> None:
    """Run the HTTP API, approval inbox and dashboards."""
    import uvicorn

    settings = load_settings()
    if workers > 1 and not settings.is_postgres:
        raise typer.BadParameter("several workers need PostgreSQL (REDACCOUNT_DATABASE_URL)", param_hint="--workers")
    # access_log off: every request is already logged once, as JSON with its request id (api/logging.py).
    # A worker answers the supervisor's health ping from a thread; while it imports the app (models,
    # Chroma) on a busy machine that can take longer than uvicorn's 5 s, and the worker was killed and
    # restarted over and over before serving anything.
    uvicorn.run("api.app:create_served_app", factory=True, host=host, port=port, workers=workers, log_level="info",
                access_log=False, timeout_worker_healthcheck=WORKER_HEALTHCHECK_S)
