"""Replay generated histories through the in-memory detector and record every account's risk over time.

Each account's events are folded in time order; the detector is assessed after every event that can
change a signal and at every point of a time grid (signals also change with the clock: silence,
SLA imminence, windows expiring). Nothing after an assessment time is ever folded in before it, so a
Red flag at time t used only what was known at t.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from core.models import Account, Band, Message, RiskAssessment, Ticket
from evals.scenario import AccountTruth
from rules.detector import Detector
from rules.signals.base import FAMILY_OF

FAMILIES = ("text", "service", "account")
# Event types after which an assessment is taken (usage and account upserts change little in between).
ASSESS_AFTER = {"message.created", "ticket.upserted", "sla.recorded", "csat.recorded", "note.created",
                "usage.recorded", "contact.upserted"}


class CachedSentiment:
    """Wraps a sentiment model: every text is scored once, in large batches, then read from the cache."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.version = model.version  # the cache reads exactly as its reader
        self.cache: dict[str, Any] = {}

    def warm(self, texts: Sequence[str], batch: int = 512) -> None:
        todo = list(dict.fromkeys(t for t in texts if t not in self.cache))
        for start in range(0, len(todo), batch):
            chunk = todo[start : start + batch]
            self.cache.update(zip(chunk, self.model.predict(chunk), strict=True))

    def predict(self, texts: Sequence[str]) -> list[Any]:
        self.warm(texts)
        return [self.cache[t] for t in texts]


@dataclass
class Point:
    at: datetime
    score: float
    band: str
    ablated: dict[str, float]  # family removed -> score without it
    review: bool = False  # the assessment asks for a person (a review item)
    probability: float | None = None  # the fitted risk model's probability, when one is loaded
    features: dict[str, float] | None = None  # the risk model's inputs (recorded for fitting on dev)
    confidence: float = 1.0  # the assessment's confidence (low confidence off green asks for review)
    compliance: bool = False  # a compliance term is live (the rules queue it for review)

    @property
    def acts(self) -> bool:
        """The product acts: a Red opens a case (or a review item when not confident), or a review item."""
        return self.band == Band.red.value or self.review


@dataclass
class CaseSnapshot:
    """What a Red case would see at its start: the assessment, the account record, messages, open tickets."""

    at: datetime
    assessment: RiskAssessment
    account: Account
    messages: list[Message]
    tickets: list[Ticket]


@dataclass
class AccountRun:
    truth: AccountTruth
    points: list[Point] = field(default_factory=list)
    case: CaseSnapshot | None = None

    @property
    def window_start(self) -> datetime | None:
        """Positives count from their first warning sign; negatives over the whole evaluated history."""
        return self.truth.first_signal_at if self.truth.at_risk else None

    def in_window(self, since: datetime | None = None) -> list[Point]:
        start = since or self.window_start
        return [p for p in self.points if start is None or p.at >= start]

    def first_red(self, family: str | None = None, threshold: float | None = None) -> datetime | None:
        for p in self.in_window():
            if _red(p, family, threshold):
                return p.at
        return None

    def peak(self, family: str | None = None) -> float:
        return max((p.ablated[family] if family else p.score for p in self.in_window()), default=0.0)


def _red(p: Point, family: str | None, threshold: float | None) -> bool:
    score = p.ablated[family] if family else p.score
    if threshold is not None:
        return score >= threshold
    return p.band == Band.red.value if family is None else score >= _RED[0]


_RED = [60.0]  # the red band of the thresholds in force; set by replay()


def ablate(a: RiskAssessment) -> dict[str, float]:
    """The score without each signal family (scoring is additive, capped at 100)."""
    return {fam: min(100.0, sum(s.contribution for s in a.signals if FAMILY_OF.get(s.kind, s.kind) != fam))
            for fam in FAMILIES}


def grid(start: datetime, end: datetime, step: timedelta) -> list[datetime]:
    out, t = [], start
    while t <= end:
        out.append(t)
        t += step
    return out


def _case_time(truth: AccountTruth, points: list[Point], end: datetime) -> datetime | None:
    if not truth.at_risk:
        return None
    if truth.escalates and truth.escalation_at:
        return truth.escalation_at
    for p in points:
        if truth.first_signal_at and p.at >= truth.first_signal_at and p.band == Band.red.value:
            return p.at
    return end


class _Records:
    """The account's records as of the latest folded event (for case snapshots)."""

    def __init__(self) -> None:
        self.account: Account | None = None
        self.messages: list[Message] = []
        self.tickets: dict[str, Ticket] = {}

    def apply(self, event: Any) -> None:
        if event.type == "account.upserted":
            self.account = event.payload
        elif event.type == "message.created":
            self.messages.append(event.payload)
        elif event.type == "ticket.upserted":
            self.tickets[event.payload.id] = event.payload


def replay_account(detector: Detector, truth: AccountTruth, events: list[Any], times: list[datetime],
                   end: datetime, features: bool = False) -> AccountRun:
    """Fold `events` (one account, time-ordered) and assess at event times and at `times`."""
    run = AccountRun(truth)
    records = _Records()
    checkpoints = sorted({e.occurred_at for e in events if e.type in ASSESS_AFTER and e.occurred_at <= end}
                         | {t for t in times if t >= events[0].occurred_at})
    case_at = truth.escalation_at if truth.escalates else None
    i = 0
    for t in checkpoints:
        batch = []
        while i < len(events) and events[i].occurred_at <= t:
            batch.append(events[i])
            records.apply(events[i])
            i += 1
        if batch:
            detector.process(batch)
        a = detector.assess(truth.account_id, t)
        prob = a.context.get("risk_probability")
        run.points.append(Point(t, round(a.score, 3), a.band.value, ablate(a), bool(a.needs_review),
                                float(prob) if prob is not None else None,
                                detector.risk_features(truth.account_id, t) if features else None,
                                a.confidence, any(s.kind == "compliance_terms" for s in a.signals)))
        if case_at is not None and t == case_at:
            run.case = _snapshot(t, a, records)
    when = _case_time(truth, run.points, end)
    if run.case is None and when is not None:
        # Non-escalating positives: the case opens at the first Red flag (or is judged at the end).
        run.case = _snapshot_at(detector, truth, events, when)
    return run


def _snapshot(t: datetime, a: RiskAssessment, records: _Records) -> CaseSnapshot | None:
    if records.account is None:
        return None
    open_tickets = [tk for tk in records.tickets.values() if tk.status.value in ("new", "open", "pending", "on_hold")]
    return CaseSnapshot(t, a, records.account, list(records.messages), open_tickets)


def _snapshot_at(detector: Detector, truth: AccountTruth, events: list[Any], when: datetime) -> CaseSnapshot | None:
    """Rebuild an account's state as of `when` on a fresh detector (the shared one has moved on)."""
    fresh = Detector(detector.th, detector.sentiment, detector.ruleset, detector.review_floor, detector.compliance,
                     risk_model=detector.risk_model, meaning=detector.meaning)
    records = _Records()
    upto = [e for e in events if e.occurred_at <= when]
    for e in upto:
        records.apply(e)
    fresh.process(upto)
    return _snapshot(when, fresh.assess(truth.account_id, when), records)


def replay(detector: Detector, truth: list[AccountTruth], by_account: dict[str, list[Any]], end: datetime,
           months: int, step: timedelta = timedelta(hours=12), warmup: timedelta = timedelta(days=14),
           features: bool = False) -> list[AccountRun]:
    """Every account of a split, assessed over time."""
    _RED[0] = detector.th.band_red
    start = end - timedelta(days=30 * months) + warmup
    times = grid(start, end, step)
    texts = [e.payload.text for evs in by_account.values() for e in evs
             if e.type == "message.created" and e.payload.author_side.value == "customer"]
    if isinstance(detector.sentiment, CachedSentiment):
        detector.sentiment.warm(texts)
    runs = []
    for t in truth:
        events = [e for e in by_account.get(t.account_id, []) if e.occurred_at <= end]
        runs.append(replay_account(detector, t, events, times, end, features))
    for run in runs:
        run.points = [p for p in run.points if p.at >= start]
    return runs
