"""Metric definitions on hand-built runs: counting, lead time, thresholds, brief checks, text pools."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agent.context import CaseContext, CaseMessage
from agent.outputs import Brief, Statement
from core.models import ArrTier, AuthorSide
from evals.briefs import judge
from evals.detection import choose_threshold, confusion, pr_curve
from evals.public_data import clean_tweet, pool_of
from evals.replay import AccountRun, Point
from evals.report import check
from evals.scenario import AccountTruth, Archetype
from rules.thresholds import Thresholds

RED, AMBER = Thresholds().band_red, Thresholds().band_amber

T = datetime(2026, 9, 1, tzinfo=UTC)


def _run(account: str, at_risk: bool, scores: list[float], escalation_day: int | None = None,
         first_signal_day: int = 0) -> AccountRun:
    truth = AccountTruth(account_id=account, account_name=account, archetype=Archetype.slow_drift if at_risk
                         else Archetype.healthy_quiet, at_risk=at_risk, hard_negative=False,
                         escalates=escalation_day is not None,
                         escalation_at=T + timedelta(days=escalation_day) if escalation_day is not None else None,
                         first_signal_at=T + timedelta(days=first_signal_day) if at_risk else None)
    points = [Point(T + timedelta(days=i), s, "red" if s >= RED else "amber" if s >= AMBER else "green",
                    {"text": s / 2, "service": s, "account": s}) for i, s in enumerate(scores)]
    return AccountRun(truth, points)


def test_counts_lead_time_and_red_before_first_signal() -> None:
    runs = [_run("a", True, [0, 10, RED + 1, RED + 5], escalation_day=3),  # red on day 2, escalates day 3: 24 h
            _run("b", True, [90, 0, 0, 0], escalation_day=3, first_signal_day=1),  # red only before its signs
            _run("c", False, [0, RED + 3, 0, 0]),  # false positive
            _run("d", False, [0, 0, 0, 0])]
    m = confusion(runs)
    assert (m["tp"], m["fn"], m["fp"], m["tn"]) == (1, 1, 1, 1)
    assert m["lead_time_hours"]["values"] == [24.0] and m["lead_time_hours"]["median"] == 24.0
    assert m["false_positive_rate"] == 0.5
    assert confusion(runs, family="text")["tp"] == 0  # without text the score halves, below the red band


def test_dev_threshold_reaches_the_precision_floor() -> None:
    runs = [_run("a", True, [50]), _run("b", True, [40]), _run("c", False, [45]), _run("d", False, [10])]
    assert [p["threshold"] for p in pr_curve(runs)] == [50, 45, 40, 10]
    assert choose_threshold(runs, 0.6) == 40  # recall 1.0 at precision 2/3
    assert choose_threshold(runs, 0.9) == 50


def test_thresholds_check_min_max_and_missing() -> None:
    result = check({"a": 0.5, "b": 0.2, "c": None}, {"a": {"min": 0.6}, "b": {"max": 0.3}, "c": {"min": 0}})
    assert [result[k]["ok"] for k in "abc"] == [False, True, None]


def _ctx() -> CaseContext:
    msg = CaseMessage(ref="message:m1", side=AuthorSide.customer, at=T,
                      text="The nightly export failed again and finance cannot close the month.")
    return CaseContext(account_id="a", account_name="A", tier=ArrTier.smb, arr=1000, messages=[msg])


@pytest.mark.parametrize(("text", "refs", "faithful"), [
    ('Customer asks: "The nightly export failed again"', ["message:m1"], True),
    ("The customer threatened to cancel the contract and sue", ["message:m1"], False),
    ('Customer asks: "The nightly export failed again"', ["message:nope"], False),
])
def test_brief_statement_faithfulness(text: str, refs: list[str], faithful: bool) -> None:
    st = Statement(text=text, citations=refs)
    brief = Brief(source="model", intent=st, tried=st, results=st, status=st, escalation_reason=st)
    verdict = judge(brief, _ctx())
    assert verdict["statements"]["intent"]["faithful"] is faithful
    assert verdict["complete"] is (refs == ["message:m1"])


def test_public_text_is_cleaned_and_split_stably() -> None:
    assert clean_tweet("@united thanks!! http://t.co/x #great flight") == "thanks!! flight"
    assert pool_of("same text") == pool_of("same text")
    assert {pool_of(f"sentence {i}") for i in range(50)} == {"dev", "test"}
