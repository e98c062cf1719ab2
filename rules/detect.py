"""Detection over the store, one account at a time: fold its new events into its window, assess, record.

Ingest marks each new event for its account (core/store/detection.py); `Detection.assess_account` folds
the marked events into the account's persisted window, assesses it, records the assessment when it
changed, and records the next moment a fact changes by time alone, all in one transaction under the
account's lock: an event is folded once, and the cost of an event does not grow with the number of
accounts or with history. `assess_all` does the same for every account (batch scoring, evals).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from core.models import RiskAssessment
from core.settings import Settings
from core.store import detection as store
from core.store.detection import latest_assessment, risk_history
from rules.detector import Detector, RulesPort, compliance_for
from rules.next_due import next_change_at
from rules.risk_model import risk_model_for
from rules.signals.ports import CompliancePort, ComplianceReviewPort, MeaningPort, SentimentPort
from rules.signals.window import AccountWindow
from rules.thresholds import Thresholds, thresholds_from_settings

__all__ = ["AccountAssessment", "Detection", "assess_all", "latest_assessment", "review_queue", "risk_history",
           "thresholds_hash"]

log = logging.getLogger(__name__)


def thresholds_hash(th: Thresholds, reader_version: str = "") -> str:
    """Windows built under other thresholds, or read by another sentiment reader, are rebuilt, not reused."""
    return hashlib.sha256(f"{th.model_dump_json()}\0{reader_version}".encode()).hexdigest()[:16]


def reader_version(sentiment: SentimentPort) -> str:
    """The sentiment reader's version (every reader of agent/sentiment has one)."""
    return str(getattr(sentiment, "version", None) or type(sentiment).__name__)


def default_ruleset(settings: Settings) -> RulesPort:
    """The shipped (or configured) rule set on the durable-rules engine (raises RuleValidationError)."""
    from rules.engine import engine_for

    return engine_for(str(settings.rules_dir) if settings.rules_dir else None,
                      str(settings.thresholds_file) if settings.thresholds_file else None)


def _same(a: RiskAssessment, b: RiskAssessment | None) -> bool:
    if b is None:
        return False
    key = lambda x: (round(x.score, 3), x.band, x.needs_review, x.ruleset_version, sorted(x.triggered_rules),  # noqa: E731
                     sorted((s.kind, round(s.value, 3)) for s in x.signals))
    return key(a) == key(b)


@dataclass(frozen=True)
class AccountAssessment:
    """One account assessed: the assessment, its row id (new or the unchanged prior's), what changed."""

    assessment: RiskAssessment
    assessment_id: int
    recorded: bool  # a new row (the assessment differs from the prior one)
    folded: int  # events folded into the window by this run
    next_due_at: datetime | None
    known_account: bool  # an account record has arrived (events may come before it)


class Detection:
    """Thresholds, sentiment and rule set, built once; assesses accounts against the store."""

    def __init__(self, th: Thresholds, sentiment: SentimentPort, ruleset: RulesPort, review_floor: float,
                 risk_model: Any = None, meaning: MeaningPort | None = None,
                 compliance_meaning: ComplianceReviewPort | None = None):
        self.th = th
        # Windows read with or without either meaning stage differ: switching one rebuilds them.
        self.digest = thresholds_hash(th, reader_version(sentiment) + ("+meaning" if meaning is not None else "")
                                      + ("+compliance_meaning" if compliance_meaning is not None else ""))
        self.compliance_meaning = compliance_meaning
        self.sentiment = sentiment
        self.ruleset = ruleset
        self.review_floor = review_floor
        self.risk_model = risk_model
        self.meaning = meaning
        # The rule set's prefiltered compliance matcher (an index of its ~1,000 normalised terms: about
        # 0.8 ms to build), built once per loaded rule set instead of once per account assessed.
        self._matcher: tuple[Any, CompliancePort | None] | None = None

    @classmethod
    def from_settings(cls, settings: Settings, sentiment: SentimentPort, ruleset: RulesPort,
                      meaning: MeaningPort | None = None,
                      compliance_meaning: ComplianceReviewPort | None = None) -> Detection:
        """The detection every path runs: settings' thresholds, risk model file, the given reader and meaning."""
        return cls(thresholds_from_settings(settings), sentiment, ruleset, settings.review_confidence_floor,
                   risk_model_for(settings.risk_model_file), meaning, compliance_meaning)

    def _compliance(self) -> CompliancePort | None:
        """`compliance_for(ruleset)`, rebuilt only when the loaded rule set object changes."""
        inner = getattr(self.ruleset, "ruleset", self.ruleset)
        cached = self._matcher
        if cached is None or cached[0] is not inner:
            cached = self._matcher = (inner, compliance_for(self.ruleset))
        return cached[1]

    def detector(self) -> Detector:
        return Detector(self.th, self.sentiment, self.ruleset, self.review_floor, compliance=self._compliance(),
                        risk_model=self.risk_model, meaning=self.meaning, compliance_meaning=self.compliance_meaning)

    def config(self) -> dict[str, Any]:
        """What decides an assessment besides the data: reader, rule set, risk model and meaning, by version."""
        return {"reader": reader_version(self.sentiment), "ruleset": self.detector().ruleset_version,
                "risk_model": self.risk_model.spec.version if self.risk_model is not None else None,
                "meaning": self.meaning is not None, "compliance_meaning": self.compliance_meaning is not None,
                "windows_digest": self.digest}

    def rebuild_if_stale(self, engine: sa.Engine) -> int:
        """Windows built under other thresholds: forget them and mark every event again (returns events)."""
        if not store.stale_window_count(engine, self.digest):
            return 0
        log.warning("thresholds changed: rebuilding detection windows from the event log")
        return store.requeue_all_events(engine, datetime.now(UTC))

    def _load(self, connection: sa.Connection, detector: Detector, account_id: str) -> None:
        loaded = store.load_window(connection, account_id)
        if loaded is not None and loaded[1] == self.digest:
            detector.windows[account_id] = AccountWindow.from_dict(loaded[0], self.th)

    def _fold(self, connection: sa.Connection, detector: Detector, account_id: str) -> int:
        folded = 0
        while events := store.pending_events(connection, account_id):
            detector.process(events)
            store.clear_pending(connection, account_id, [e.event_id for e in events])
            folded += len(events)
        if folded:
            self._save(connection, detector.window(account_id))
        return folded

    def _save(self, connection: sa.Connection, w: AccountWindow) -> None:
        store.save_windows(connection, [{
            "account_id": w.account_id, "state": w.to_dict(), "events": w.events,
            "watermark": datetime.fromtimestamp(w.watermark, UTC) if w.watermark else None,
            "thresholds_hash": self.digest, "updated_at": datetime.now(UTC)}])

    def _record(self, connection: sa.Connection, detector: Detector, account_id: str, now: datetime,
                prior: tuple[int, RiskAssessment] | None, folded: int, persist: bool = True) -> AccountAssessment:
        w = detector.window(account_id)
        assessment = detector.assess(account_id, now, prior[1] if prior else None)
        recorded = persist and not _same(assessment, prior[1] if prior else None)
        assessment_id = store.record_assessment(connection, assessment) if recorded else (prior[0] if prior else 0)
        due = next_change_at(w, now, self.th)
        if persist:
            store.set_next_due(connection, account_id, due, now)
        return AccountAssessment(assessment, assessment_id, recorded, folded, due, w.account is not None)

    def assess_account(self, connection: sa.Connection, account_id: str, now: datetime) -> AccountAssessment | None:
        """Fold the account's marked events and assess it as of `now`, in the caller's transaction.

        None when the store holds nothing for the account (no window, no event).
        """
        store.lock_account(connection, account_id)
        detector = self.detector()
        self._load(connection, detector, account_id)
        folded = self._fold(connection, detector, account_id)
        if account_id not in detector.windows:
            return None
        return self._record(connection, detector, account_id, now, store.latest_in(connection, account_id), folded)

    def assess_all(self, engine: sa.Engine, now: datetime | None = None, *, account_id: str | None = None,
                   persist: bool = True) -> list[RiskAssessment]:
        """Fold every account's marked events and assess every account (or one) as of `now`.

        `now` defaults to the time of the newest event in the store ("as of the data"), so replayed or
        sample histories are judged at their own end.
        """
        self.rebuild_if_stale(engine)
        detector = self.detector()
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("SELECT pg_advisory_xact_lock(727275)")  # one batch run at a time
            for acc, events in store.all_pending_events(connection):
                self._load(connection, detector, acc)
                detector.process(events)
                store.clear_pending(connection, acc, [e.event_id for e in events])
                self._save(connection, detector.window(acc))
            for state in store.load_windows(connection, self.digest):
                if state["account_id"] not in detector.windows:
                    detector.windows[state["account_id"]] = AccountWindow.from_dict(state, self.th)
            when = now or detector.latest_time() or datetime.now(UTC)
            priors = store.latest_by_account(connection)
            results = []
            for acc in sorted(detector.windows):
                if account_id and acc != account_id:
                    continue
                prior = priors.get(acc)
                results.append(self._record(connection, detector, acc, when, (0, prior) if prior else None, 0,
                                            persist).assessment)
        return results


def assess_all(engine: sa.Engine, settings: Settings, now: datetime | None = None, *, sentiment: SentimentPort,
               ruleset: RulesPort, account_id: str | None = None, persist: bool = True) -> list[RiskAssessment]:
    """Batch scoring with the caller's sentiment reader and rule set (the product's, from its root)."""
    return Detection.from_settings(settings, sentiment, ruleset).assess_all(engine, now, account_id=account_id,
                                                                            persist=persist)


def review_queue(assessments: list[RiskAssessment]) -> list[RiskAssessment]:
    """Assessments a person must look at before anything opens: low confidence or a review rule fired."""
    return [a for a in assessments if a.needs_review]

