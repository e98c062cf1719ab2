"""The compliance dev and independent sets, and the seed routing set, are what their docs say they are."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from evals.compliance_independent import DEV, DEV_PLAIN, SET, independent_metrics, load_set
from evals.routing_independent import SET as ROUTING_SET
from evals.routing_independent import routing_expectations
from rules.engine import engine_for

LANGUAGES = {"en", "de", "fr", "es", "pt", "nl", "it"}


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def test_the_dev_set_shares_no_sentence_with_the_independent_set() -> None:
    dev = {_norm(i["text"]) for i in load_set(DEV)}
    independent = {_norm(i["text"]) for i in load_set(SET)}
    assert dev and independent and not dev & independent


def test_the_dev_set_covers_every_language_category_and_harmless_contexts() -> None:
    items = load_set(DEV)
    positives = [i for i in items if i["expect"]]
    assert {i["lang"] for i in positives} == LANGUAGES
    assert {i["category"] for i in positives} == {"legal", "privacy", "security"}
    assert sum(not i["expect"] for i in items) >= 30
    assert {i.get("source") for i in items} >= {"cfpb", "banking77", "bitext"}


SPLITS = ("tune", "holdout", "holdout2", "tune5", "holdout3", "tune6", "tune7", "tune8", "tune9", "tune10")
SOURCES = {"gdpr-4.12", "gdpr-33-34", "ccpa-150", "hipaa-402", "pci-dss", "written", "banking77", "cfpb",
           # batch 5 on: health data and data-subject requests
           "hipaa-160.103", "hipaa-164.402", "gdpr-7", "gdpr-9", "gdpr-15", "gdpr-16", "gdpr-17", "gdpr-18", "gdpr-20",
           "gdpr-21", "gdpr-22", "gdpr-28", "gdpr-44", "ccpa-105", "ccpa-106", "ccpa-110", "ccpa-120", "ccpa-121"}


def test_dev_part_two_is_new_text_in_every_language_with_sources_and_held_out_splits() -> None:
    items = load_set(DEV_PLAIN)
    texts = [_norm(i["text"]) for i in items]
    assert len(texts) == len(set(texts))
    assert not set(texts) & ({_norm(i["text"]) for i in load_set(SET)} | {_norm(i["text"]) for i in load_set(DEV)})
    for category in ("breach", "card", "data_loss", "health", "dsr"):
        assert {i["lang"] for i in items if i["expect"] and i["category"] == category} == LANGUAGES
    assert {i["split"] for i in items} == set(SPLITS)
    assert all(i["source"] in SOURCES for i in items)
    assert {i["category"] for i in items if not i["expect"]} == {"none", "legal_contract", "procurement", "feature_question"}
    # the harmless look-alikes of batch 5 are in every language too
    for category in ("legal_contract", "procurement", "feature_question"):
        assert {i["lang"] for i in items if i["category"] == category} == LANGUAGES
    # each split has must-flag items and harmless look-alikes
    assert all(any(i["expect"] for i in load_set(DEV_PLAIN, s)) and not all(i["expect"] for i in load_set(DEV_PLAIN, s))
               for s in SPLITS)


def test_a_split_is_scored_alone() -> None:
    whole = independent_metrics(lambda text: [], DEV_PLAIN)
    parts = [independent_metrics(lambda text: [], DEV_PLAIN, s) for s in SPLITS]
    assert sum(p["positives"] for p in parts) == whole["positives"] and parts[2]["set"].endswith("(holdout2)")


def test_scorer_counts_hits_and_misses(tmp_path: Path) -> None:
    path = tmp_path / "set.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "items": [
        {"lang": "en", "category": "legal", "expect": True, "text": "hit"},
        {"lang": "en", "category": "legal", "expect": True, "text": "miss"},
        {"lang": "en", "category": "none", "expect": False, "text": "hit harmless"},
        {"lang": "en", "category": "none", "expect": False, "text": "quiet"},
    ]}))
    metrics = independent_metrics(lambda text: ["x"] if "hit" in text else [], path)
    assert (metrics["tp"], metrics["fn"], metrics["fp"], metrics["tn"]) == (1, 1, 1, 1)
    assert metrics["recall"] == 0.5 and metrics["precision"] == 0.5


def test_an_item_without_a_label_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "set.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "items": [{"lang": "en", "category": "legal", "text": "x"}]}))
    with pytest.raises(ValueError, match="needs lang, category, expect, text"):
        load_set(path)


def test_the_shipped_rules_follow_every_seed_scenario() -> None:
    result = routing_expectations(engine_for())
    failing = {r["id"]: r["failures"] for r in result["rows"] if r["failures"]}
    assert failing == {} and result["scenarios"] >= 25


def test_every_scenario_quotes_a_seed() -> None:
    data = yaml.safe_load(ROUTING_SET.read_text(encoding="utf-8"))
    assert all(re.match(r"^00[0-2]: \S", sc["seed"]) for sc in data["scenarios"])


class _Management:
    """An engine that sends every case to management with a manager: what tier_exclude must catch."""

    def evaluate(self, facts: dict[str, Any]) -> Any:
        return SimpleNamespace(tier="management", roles=[SimpleNamespace(role="manager")], csm_review=False)


def test_tier_exclude_and_role_exclude_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "routing.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "base": {}, "scenarios": [
        {"id": "x", "seed": "000: y", "facts": {}, "tier_exclude": ["management"], "roles_exclude": ["manager"]},
    ]}))
    result = routing_expectations(_Management(), path)
    (row,) = result["rows"]
    assert len(row["failures"]) == 2 and result["passed"] == 0 and result["check_accuracy"] == 0.0


def test_planted_check_plants_every_needed_cue_so_each_qualified_term_fires() -> None:
    from evals.compliance import plantable_terms

    engine = engine_for()
    planted = dict(zip([t.term for t in engine.ruleset.terms], plantable_terms(engine.ruleset), strict=True))
    with_also = [t.term for t in engine.ruleset.terms if t.also_needs]
    assert with_also
    missed = [planted[t] for t in with_also if not engine.match_text(f"Note: {planted[t]}.")]
    assert missed == []
