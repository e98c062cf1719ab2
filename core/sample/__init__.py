"""Realistic, deterministic B2B account histories (events + ground truth) for the demo, tests and evals."""

from core.sample.archetypes import SPECS, Archetype, ArchetypeSpec
from core.sample.files import read_events, sample_path, truth_path, write_sample
from core.sample.generator import DEFAULT_END, AccountTruth, SampleSet, generate
from core.sample.phrases import COMPLIANCE_TERMS, ESCALATION_PHRASES
from core.sample.text import ListTextSource, Sentiment, TemplateTextSource, TextSource

__all__ = [
    "COMPLIANCE_TERMS", "DEFAULT_END", "ESCALATION_PHRASES", "SPECS", "AccountTruth", "Archetype", "ArchetypeSpec",
    "ListTextSource", "SampleSet", "Sentiment", "TemplateTextSource", "TextSource", "generate", "read_events",
    "sample_path", "truth_path", "write_sample",
]
