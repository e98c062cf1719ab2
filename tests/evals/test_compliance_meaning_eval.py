"""The scoring helpers of evals/compliance_meaning_eval.py: rules first, then proposals; the threshold rule."""

from __future__ import annotations

from collections.abc import Sequence

from evals.compliance_meaning_eval import GRID, MIN_PRECISION, ReviewHit, choose_threshold, with_meaning
from knowledge.compliance_meaning import Proposal


class Stage:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def propose(self, texts: Sequence[str]) -> list[Proposal | None]:
        self.asked.extend(texts)
        return [Proposal(0.91, t, 0, len(t)) if "leak" in t else None for t in texts]


def test_rules_decide_first_and_the_stage_only_sees_what_they_did_not_match() -> None:
    stage = Stage()
    both = with_meaning(lambda t: ["rule"] if "gdpr" in t else [], stage)
    assert both("gdpr leak") == ["rule"]
    assert both("a leak") == [ReviewHit("~meaning 0.91")]
    assert both("all fine") == []
    assert stage.asked == ["a leak", "all fine"]


def test_the_threshold_is_the_lowest_grid_value_whose_proposals_are_precise_enough() -> None:
    # Concerns score 0.9, one harmless example 0.72, the rest 0.1: below 0.75 precision is 4/5 < 0.9.
    conf = [0.9, 0.9, 0.9, 0.9, 0.72, 0.1, 0.1]
    labels = [1, 1, 1, 1, 0, 0, 0]
    threshold, rows = choose_threshold(conf, labels)
    assert MIN_PRECISION == 0.9 and threshold == 0.75 and len(rows) == len(GRID)
    assert next(r for r in rows if r["threshold"] == 0.7)["precision"] == 0.8
    assert choose_threshold([0.99, 0.99], [0, 1])[0] is None
