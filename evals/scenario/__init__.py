"""Scenario generator: deterministic B2B account histories (events + ground truth) for the evaluation.

It shares no phrase list with the detector (tests/evals/test_scenario_leaks.py pins it); at-risk
language comes from real public text when `--data-dir` is given and from phrase families the
detector never saw otherwise. Rates and their sources: docs/evaluation.md.
"""

from evals.scenario.archetypes import SPECS, Archetype, ArchetypeSpec
from evals.scenario.generator import AccountTruth, SampleSet, generate
from evals.scenario.text import ListTextSource, Sentiment, TemplateTextSource, TextSource

__all__ = ["SPECS", "AccountTruth", "Archetype", "ArchetypeSpec", "ListTextSource", "SampleSet", "Sentiment",
           "TemplateTextSource", "TextSource", "generate"]
