"""The independent faithfulness judge (evals/faithfulness.py): what it accepts and what it refuses."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from evals.faithfulness import judge_statement, shown_for
from tests.agent.agent_cases import case_contexts

EXPORT = ("Our nightly data export to S3 has failed three nights in a row. Finance cannot close the month.\n"
          "Thanks Jane, we have restarted the export worker and are monitoring tonight's run.")


@pytest.mark.parametrize(("text", "faithful"), [
    ("Nightly export to S3 failed three nights in a row", True),
    ("restarted the export worker, monitoring tonight's run", True),
    ("Finance cannot close the month", True),
    ("Nightly export to S3 failed four nights in a row", False),  # a number the evidence does not state
    ("Export to S4 failed three nights", False),  # an identifier it does not state
    ("Finance can close the month", False),  # negation dropped
    ("The export is fixed and runs nightly", False),  # an outcome nobody reported
    ("Jane asked Marcus for a refund of the licence fee", False),  # a name and a demand it never made
    ("Customer reports failing nightly exports", True),  # role words and inflections align
])
def test_judge_on_statements_about_one_evidence_text(text: str, faithful: bool) -> None:
    assert judge_statement(text, EXPORT).faithful is faithful


def test_judge_needs_cited_text_and_reads_the_case_header() -> None:
    assert not judge_statement("Export failed", "").faithful
    assert judge_statement("Acme Logistics export failed", "the export failed", header="Acme Logistics").faithful
    assert not judge_statement("Acme Logistics export failed", "the export failed").faithful


def test_judge_ignores_step_numbers_but_not_stated_numbers() -> None:
    fix = "Cleared the webhook retry backlog and raised the delivery workers from 2 to 6."
    assert judge_statement("1. Cleared the retry backlog. 2. Raised delivery workers from 2 to 6.", fix).faithful
    assert not judge_statement("1. Cleared the retry backlog. 2. Raised delivery workers to 8.", fix).faithful


def test_shown_evidence_is_what_the_drafter_saw_for_each_ref() -> None:
    ctx = case_contexts()[0]
    shown = shown_for(ctx)
    assert set(shown.evidence) == ctx.allowed_refs
    assert "Reopened after fix" in shown.evidence["ticket:T-1042"]  # the signal detail next to its record
    assert "Acme Logistics" in shown.header


def test_judge_shares_no_code_with_the_checker() -> None:
    source = Path(__file__).resolve().parents[2] / "evals" / "faithfulness.py"
    imported = {node.module for node in ast.walk(ast.parse(source.read_text()))
                if isinstance(node, ast.ImportFrom) and node.module}
    imported |= {alias.name for node in ast.walk(ast.parse(source.read_text())) if isinstance(node, ast.Import)
                 for alias in node.names}
    assert not {m for m in imported if m.startswith(("agent.grounding", "agent.sentiment", "knowledge"))}
