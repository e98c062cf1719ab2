"""The in-memory detection core: events -> windows -> signals -> facts -> rules -> RiskAssessment."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from core.models import Band, RiskAssessment
from rules.facts import rule_facts
from rules.risk_model import RiskModel, risk_features
from rules.scoring import Score, score_signals
from rules.signals import AccountWindow, account_of, compute_signals
from rules.signals.lexicon import LexiconSentiment
from rules.signals.ports import (
    CompliancePort,
    ComplianceReviewPort,
    MeaningPort,
    NoCompliance,
    Reading,
    SentimentPort,
    to_match,
    to_reading,
)
from rules.signals.window import ts
from rules.text import normalise
from rules.thresholds import Thresholds

NO_RULES_VERSION = "signals-only"


class RulesPort(Protocol):
    """The loaded rule set (rules/engine): decisions for a fact, compliance hits for a text, a version."""

    def evaluate(self, facts: dict[str, Any]) -> Any: ...

    def match_text(self, text: str) -> Sequence[Any]: ...


@dataclass(frozen=True)
class Verdict:
    """What the rules decided, reduced to what an assessment records."""

    fired: tuple[str, ...] = ()
    red: bool = False
    review: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)


def read_decisions(decisions: Any) -> Verdict:
    """Reduce the rule engine's Decisions to fired ids and the red/review flags."""
    if decisions is None:
        return Verdict()
    fired = getattr(decisions, "fired", None) or []
    fired = tuple(str(getattr(r, "rule_id", r)) for r in fired)
    red = bool(getattr(decisions, "open_red_case", False) or getattr(decisions, "red", False))
    review = bool(getattr(decisions, "needs_review", False) or getattr(decisions, "review", False))
    extra: dict[str, Any] = {}
    tier = getattr(decisions, "tier", None)
    if tier is not None:
        extra["tier"] = str(getattr(tier, "value", tier))
    roles = getattr(decisions, "roles", None) or []
    if roles:
        extra["roles"] = ",".join(str(getattr(getattr(r, "role", r), "value", getattr(r, "role", r))) for r in roles)
    if getattr(decisions, "csm_review", False):
        extra["csm_review"] = True
    return Verdict(fired=fired, red=red, review=review, extra=extra)


_ASCII_NON_WORD = re.compile(r"[^a-z0-9]+")


class PrefilteredCompliance:
    """Calls the engine's matcher only when a compliance term can be present.

    For ASCII text the rule engine's normal form is exactly: lower case, every run of characters other
    than letters and digits -> one space, padded; other text is normalised with the engine's own
    function. A plain-Python lookup of the text's token runs that start like a term (first token ->
    longest such term) in the set of normalised terms then decides whether the engine can match at all
    (no false negatives by construction); with hundreds of terms this is cheaper than one big regex.
    """

    def __init__(self, engine: CompliancePort, terms: Sequence[str]) -> None:
        self.engine = engine
        self.terms = frozenset(t for t in terms if t)
        self.starts: dict[str, int] = {}
        for term in self.terms:
            words = term.split(" ")
            self.starts[words[0]] = max(self.starts.get(words[0], 0), len(words))

    def _may_match(self, text: str) -> bool:
        norm = (" " + _ASCII_NON_WORD.sub(" ", text.lower()) + " ") if text.isascii() else normalise(text).text
        tokens = norm.split()
        for start, token in enumerate(tokens):
            for size in range(1, min(self.starts.get(token, 0), len(tokens) - start) + 1):
                if " ".join(tokens[start : start + size]) in self.terms:
                    return True
        return False

    def match_text(self, text: str) -> Sequence[Any]:
        if self.terms and not self._may_match(text):
            return []
        return self.engine.match_text(text)


def compliance_for(ruleset: Any) -> CompliancePort | None:
    """The rule set's matcher, prefiltered when its normalised terms are known."""
    if ruleset is None:
        return None
    terms = getattr(getattr(ruleset, "ruleset", None), "terms", None)
    if terms is None:
        return ruleset  # type: ignore[no-any-return]
    return PrefilteredCompliance(ruleset, [t.normalised for t in terms])


class Detector:
    """Per-account windows plus the collaborators that turn them into assessments.

    Sentiment runs on every customer message (batched per `process` call); compliance terms come from the
    rule set's matcher; the rule engine sees one flat fact per assessment, asserted and retracted.
    """

    def __init__(self, th: Thresholds, sentiment: SentimentPort | None = None, ruleset: RulesPort | None = None,
                 review_floor: float = 0.6, compliance: CompliancePort | None = None,
                 risk_model: RiskModel | None = None, meaning: MeaningPort | None = None,
                 compliance_meaning: ComplianceReviewPort | None = None) -> None:
        self.th = th
        self.risk_model = risk_model
        self.meaning = meaning
        self.compliance_meaning = compliance_meaning
        self.sentiment: SentimentPort = sentiment or LexiconSentiment()
        self.ruleset = ruleset
        self.compliance: CompliancePort = compliance or compliance_for(ruleset) or NoCompliance()
        self.review_floor = review_floor
        self.windows: dict[str, AccountWindow] = {}

    @property
    def ruleset_version(self) -> str:
        inner = getattr(self.ruleset, "ruleset", self.ruleset)
        return str(getattr(self.ruleset, "version", None) or getattr(inner, "version", None) or NO_RULES_VERSION)

    def window(self, account_id: str) -> AccountWindow:
        w = self.windows.get(account_id)
        if w is None:
            w = self.windows[account_id] = AccountWindow(account_id=account_id, th=self.th)
        return w

    def process(self, events: Iterable[Any]) -> set[str]:
        """Fold events (any order; sorted here by occurred_at) into the windows; returns touched accounts."""
        batch = sorted(events, key=lambda e: (e.occurred_at, e.event_id))
        # Only messages not folded yet are read, matched and proposed: a replayed batch costs no model work.
        customer = [e for e in batch if e.type == "message.created" and e.payload.author_side.value == "customer"
                    and not self.window(account_of(e)).seen(e.event_id)]
        readings: dict[str, Reading] = {}
        meant: dict[str, tuple[float, str]] = {}
        if customer:
            results = self.sentiment.predict([e.payload.text for e in customer])
            readings = {e.event_id: to_reading(r) for e, r in zip(customer, results, strict=True)}
            if self.meaning is not None:
                sims = self.meaning.similar([e.payload.text for e in customer])
                meant = {e.event_id: (float(s), str(p)) for e, (s, p) in zip(customer, sims, strict=True)
                         if float(s) >= self.th.escalation_meaning_min}
        matched = {e.event_id: tuple(to_match(h) for h in self.compliance.match_text(e.payload.text))
                   for e in customer}
        reviews: dict[str, Any] = {}
        if self.compliance_meaning is not None:
            # The rules have the final say: only texts they did not match are offered to the meaning stage,
            # and what it proposes is kept apart from compliance hits (a review, never a hit).
            unmatched = [e for e in customer if not matched[e.event_id]]
            if unmatched:
                proposals = self.compliance_meaning.propose([e.payload.text for e in unmatched])
                reviews = {e.event_id: p for e, p in zip(unmatched, proposals, strict=True) if p is not None}
        touched: set[str] = set()
        for event in batch:
            account_id = account_of(event)
            w = self.window(account_id)
            if w.seen(event.event_id):
                continue
            w.apply(event, readings.get(event.event_id), matched.get(event.event_id, ()), meant.get(event.event_id),
                    review=reviews.get(event.event_id))
            touched.add(account_id)
        return touched

    def assess(self, account_id: str, now: datetime, prior: RiskAssessment | None = None) -> RiskAssessment:
        """Score one account as of `now` and let the rules decide triggers, tier and roles."""
        w = self.window(account_id)
        at = now.timestamp()
        facts, signals = compute_signals(w, at, self.th)
        coverage = min(1.0, 0.4 + 0.1 * w.events)
        scored = score_signals(signals, facts, self.th, coverage)
        facts.update(score=round(scored.score, 4), band=scored.band.value, confidence=scored.confidence,
                     signal_count=len(scored.signals), signal_families=",".join(scored.families),
                     signal_kinds=",".join(sorted({s.kind for s in scored.signals})),
                     prior_band=prior.band.value if prior else "none",
                     prior_score=round(prior.score, 4) if prior else 0.0)
        for s in scored.signals:
            facts[f"sig_{s.kind}"] = round(s.value, 4)
        estimate = self.risk_model.estimate(risk_features(facts, scored.signals)) if self.risk_model else None
        if estimate is not None:
            facts["risk_probability"] = estimate.probability
        reds = w.red_cases(at)
        evaluated = self._rule_facts(facts, scored, prior, reds) if self.ruleset else {}
        verdict = read_decisions(self.ruleset.evaluate(evaluated) if self.ruleset else None)
        band = Band.red if verdict.red and scored.band != Band.red and scored.signals else scored.band
        # Low confidence off green asks a person, unless a fitted risk model is loaded: then the model's
        # calibrated probability decides which uncertain accounts need a look (the rules' own review
        # triggers, e.g. a Red score with low confidence or a compliance term, still always apply).
        low_confidence = band != Band.green and scored.confidence < self.review_floor
        needs_review = verdict.review or (low_confidence and self.risk_model is None)
        context = {k: facts[k] for k in ("account_name", "arr", "arr_tier", "lifecycle_stage", "renewal_days",
                                         "in_renewal_window", "events_seen", "prior_band")}
        context["context_multiplier"] = scored.multiplier
        context["prior_red_cases"] = reds
        if estimate is not None:
            # The fitted model may only ask a person to look (a review item), never open a case by itself,
            # and never turn the case a confident Red opens into a review item (the rules keep the final say).
            context["risk_probability"] = estimate.probability
            context["risk_drivers"] = ", ".join(f"{k} {v:+.2f}" for k, v in estimate.top()) or "none"
            if band != Band.red and estimate.probability >= self.risk_model.review_threshold:  # type: ignore[union-attr]
                needs_review = True
        proposed = [r for r in w.compliance_review if w.live(r[1], r[6], at)]
        if proposed:
            # By meaning only: a person reviews it; the rules never see it, so tier and route stay theirs.
            best = max(proposed, key=lambda r: r[2])
            context["compliance_review"] = f'{best[2]:.2f} "{best[5]}"'
            context["compliance_review_count"] = len(proposed)
            needs_review = True
        if band == Band.red:
            w.mark_red(at)
        for name, value in verdict.extra.items():
            context[name] = value if isinstance(value, str | int | float | bool) else ",".join(map(str, value))
        return RiskAssessment(account_id=account_id, score=scored.score, band=band, confidence=scored.confidence,
                              needs_review=needs_review, signals=scored.signals, context=context,
                              triggered_rules=list(verdict.fired), facts=evaluated,
                              ruleset_version=self.ruleset_version,
                              assessed_at=now)

    def _rule_facts(self, facts: dict[str, Any], scored: Score, prior: RiskAssessment | None,
                    red_cases: int = 0) -> dict[str, Any]:
        """The fact in the rule set's vocabulary; a rule set without one sees detection's own facts."""
        declared = getattr(getattr(self.ruleset, "ruleset", self.ruleset), "facts", None)
        if not isinstance(declared, Mapping):
            return dict(facts)
        mapped = rule_facts(facts, scored, prior.band.value if prior else "none", red_cases)
        return {k: v for k, v in mapped.items() if k in declared and not getattr(declared[k], "derived", False)}

    def risk_features(self, account_id: str, now: datetime) -> dict[str, float]:
        """The fitted risk model's inputs for one account (what evals/risk_fit.py fits on)."""
        facts, signals = compute_signals(self.window(account_id), now.timestamp(), self.th)
        return risk_features(facts, signals)

    def facts(self, account_id: str, now: datetime) -> dict[str, Any]:
        """The flat fact of one account (what the rules engine sees), for debugging and tests."""
        facts, _ = compute_signals(self.window(account_id), now.timestamp(), self.th)
        return dict(facts)

    def latest_time(self) -> datetime | None:
        marks = [w.watermark for w in self.windows.values() if w.watermark]
        return ts(max(marks)) if marks else None
