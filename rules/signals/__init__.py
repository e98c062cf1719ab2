"""Detection signals: bounded per-account windows and the signal families computed from them."""

from __future__ import annotations

from core.events import account_of
from core.models import RiskSignal
from rules.signals.account import account_signals, context_facts
from rules.signals.base import FAMILY_OF, SIGNAL_RULE_IDS, Facts
from rules.signals.service import service_signals
from rules.signals.text import text_signals
from rules.signals.window import AccountWindow
from rules.thresholds import Thresholds

FAMILIES = (text_signals, service_signals, account_signals)


def compute_signals(window: AccountWindow, now: float, th: Thresholds) -> tuple[Facts, list[RiskSignal]]:
    """Facts (flat, scalar) and signals of one account as of `now` (epoch seconds), from its window only."""
    facts: Facts = dict(context_facts(window, now, th))
    signals: list[RiskSignal] = []
    for family in FAMILIES:
        result = family(window, now, th)
        facts.update(result.facts)
        signals += result.signals
    return facts, signals


__all__ = ["FAMILY_OF", "SIGNAL_RULE_IDS", "AccountWindow", "Facts", "account_of", "compute_signals"]
