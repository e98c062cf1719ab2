"""The detection jobs: assess an account when its events arrive or when its clock comes due; decide.

`assess_account` folds the account's new events, records the assessment and the decision in one
transaction (the case record or the risk review commits with the assessment that caused it; the
partial unique indexes on open cases and open reviews make a second worker's attempt a no-op), then
runs a newly opened case to its first approval and schedules the account's next time-driven change.
`sweep` (every minute) re-enqueues what a lost job left: marked events not folded after a grace period,
and accounts whose next change has come. Neither rescans every account.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from core.models import Band
from core.store import detection as store
from core.store.cases import has_open_case, open_escalation_in
from core.store.reviews import open_review
from product.jobs import JobEngineDown, job
from rules.detect import AccountAssessment

if TYPE_CHECKING:
    from product.root import Product

log = logging.getLogger("redaccount.detect")

STALLED_AFTER = timedelta(seconds=30)


@dataclass(frozen=True)
class Decision:
    """What one assessment decided: `case` (a case was opened), `review`, or `none`."""

    kind: str
    case_id: str | None = None


def decide(connection, outcome: AccountAssessment, at: datetime) -> Decision:  # type: ignore[no-untyped-def]
    """Red and confident opens a case; an assessment that needs review asks a person; otherwise nothing.

    An assessment needs review when the rules say so (a Red score with low confidence, a compliance term),
    when an off-green one has low confidence without a risk model, or when the risk model's probability
    reaches its threshold: that one may be green (an account with few signals that still looks like the
    ones that escalated), and the review item is the only thing the model can raise. Decisions are taken
    only on a changed assessment (a repeat of the same verdict decides nothing new), and only for an
    account whose record has arrived.
    """
    a = outcome.assessment
    if not outcome.recorded or not outcome.known_account:
        return Decision("none")
    if a.needs_review:
        if has_open_case(connection, a.account_id):
            return Decision("none")
        return Decision("review") if open_review(connection, a, outcome.assessment_id, at) else Decision("none")
    if a.band == Band.red:
        case_id = open_escalation_in(connection, a.account_id, at, outcome.assessment_id)
        return Decision("case", case_id) if case_id else Decision("none")
    return Decision("none")


def run_assessment(product: Product, account_id: str, due: bool = False) -> tuple[AccountAssessment | None, Decision]:
    """One account, now: fold, assess, record, decide (one transaction), then start the case and schedule."""
    now = product.clock()
    with product.detecting(), product.engine.begin() as connection:
        if due and not store.has_pending(connection, account_id):
            next_at = store.next_due(connection, account_id)
            if next_at is None or next_at > now:
                return None, Decision("none")  # a newer assessment moved the clock: this run is stale
        outcome = product.detection.assess_account(connection, account_id, now)
        decision = decide(connection, outcome, now) if outcome else Decision("none")
    if outcome is None:
        return None, decision
    if decision.kind == "case":
        # Runs the workflow to its first approval; a crash before its first checkpoint is finished by recovery.
        product.cases.start_case(outcome.assessment, actor="system:detect")
    if outcome.next_due_at is not None:
        try:
            product.schedule_at(outcome.next_due_at, assess_account, account_id=account_id, due=True)
        except JobEngineDown:
            log.warning("could not schedule the next assessment; the sweep will find it", extra={"account": account_id})
    return outcome, decision


@job(retries=5, retry_delay=1.0)
def assess_account(product: Product, account_id: str, due: bool = False) -> str:
    """Job: assess one account (new events, or its clock came due). Idempotent; returns the decision kind."""
    outcome, decision = run_assessment(product, account_id, due)
    if outcome is not None and (outcome.folded or outcome.recorded):
        log.info("account assessed", extra={"account": account_id, "band": outcome.assessment.band.value,
                                            "folded": outcome.folded, "decision": decision.kind})
    return decision.kind


def assess_soon(product: Product, account_ids: list[str]) -> None:
    """Enqueue each account's assessment; if the queue is down the marks stay and the sweep retries."""
    if not product.settings.detection_live:
        return
    for account_id in account_ids:
        try:
            product.enqueue(assess_account, account_id=account_id)
        except JobEngineDown:
            log.warning("job engine down: account stays marked for the sweep", extra={"account": account_id})
            return


def assess_pending(product: Product) -> int:
    """Enqueue every account with events waiting (after a file import); returns how many."""
    accounts = store.pending_accounts(product.engine)
    assess_soon(product, accounts)
    return len(accounts)


@job(every_minute=True)
def sweep(product: Product) -> dict[str, int]:
    """Job (every minute): re-enqueue accounts left behind by a lost job or whose clock has come."""
    stalled = store.stalled_accounts(product.engine, datetime.now(UTC) - STALLED_AFTER)
    due = [account for account, _ in store.due_accounts(product.engine, product.clock())]
    if product.settings.detection_live:
        for account_id in stalled:
            product.enqueue(assess_account, account_id=account_id)
        for account_id in due:
            product.enqueue(assess_account, account_id=account_id, due=True)
    return {"stalled": len(stalled), "due": len(due)}
