"""`redaccount worker`: a job worker process (detection, case timers, and every other registered job)."""

from __future__ import annotations

import typer

from api.cli.common import console, load_settings, opened_product
from product.sync_jobs import start_following


def worker(threads: int = typer.Option(None, min=1, help="Job threads (default REDACCOUNT_JOB_THREADS).")) -> None:
    """Run jobs until stopped (Ctrl-C finishes the running ones). Start as many as the load needs."""
    settings = load_settings()
    with opened_product(settings) as product:
        product.cases.recover()
        for vendor in start_following(product):
            console.print(f"worker: following {vendor} every {settings.sync_interval_s:.0f}s")
        console.print(f"worker: {threads or settings.job_threads} thread(s) on {type(product.jobs.huey).__name__}")
        product.jobs.run_worker(threads or settings.job_threads)
