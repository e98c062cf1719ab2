"""Model drafts on the job engine: the job that runs `graph.model_drafts.apply_model_draft`, and the
`DraftRequests` implementation the case service uses to enqueue it.

A step proposes its extractive draft at once; the model's draft runs here, in a worker, outside the case
lock (the approvals store's compare-and-set keeps a reviewer's decision if they decide first). A job that
fails or an engine that is down leaves the extractive proposal in the inbox, approvable as it is.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from graph.model_drafts import Outcome, apply_model_draft
from product.jobs import JobEngineDown, JobQueue, job

if TYPE_CHECKING:
    from product.root import Product

log = logging.getLogger("redaccount.drafts")


@job(retries=1, retry_delay=5.0)
def model_draft(product: Product, case_id: str, step: str) -> Outcome:
    """Job: draft approval `step` of `case_id` with the model; swap it in only while undecided."""
    return apply_model_draft(product.cases.context, case_id, step)


class QueuedDrafts:
    """`DraftRequests` on the job queue: one `model_draft` job per approval opened."""

    def __init__(self, jobs: JobQueue):
        self._jobs = jobs

    def request(self, case_id: str, step: str) -> None:
        try:
            self._jobs.enqueue(model_draft, case_id=case_id, step=step)
        except JobEngineDown as exc:
            # Not fatal: the extractive proposal is already in the inbox and stays approvable.
            log.warning("model draft not queued for %s %s; the extractive proposal stays: %s", case_id, step, exc)
        except Exception:
            # Immediate mode (tests, evals) runs the job inside enqueue: its failure must not stop the case.
            log.exception("model draft failed for %s %s; the extractive proposal stays", case_id, step)
