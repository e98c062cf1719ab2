"""Periodic case work on the job engine: recover cut runs, resume cases whose timer came (FCR window)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from graph.service import CaseService
from product.jobs import job

if TYPE_CHECKING:
    from product.root import Product


def run_periodic(service: CaseService) -> bool:
    """One round, in one worker at a time; False if another worker holds it.

    Recovery applies decisions whose worker died between the claim and the resume (a restarted worker
    does the same at start-up); the tick resumes cases whose FCR window expired.
    """
    with service.locks.hold("workflow:periodic", wait=False) as got:
        if got:
            service.recover()
            service.tick()
        return got


@job(every_minute=True)
def case_timers(product: Product) -> bool:
    """Job (every minute): recovery and timers of open cases."""
    return run_periodic(product.cases)
