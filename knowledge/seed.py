"""The shipped runbooks, and seeding them into a knowledge base."""

from __future__ import annotations

from pathlib import Path

from knowledge.base import KnowledgeBase
from knowledge.ingest import load_documents
from knowledge.models import AddResult, KnowledgeDocument

RUNBOOK_DIR = Path(__file__).parent / "runbooks"


def runbook_documents() -> list[KnowledgeDocument]:
    """The shipped runbooks as documents, ids as written in the files (RB-...)."""
    docs = load_documents(RUNBOOK_DIR)
    missing = [doc.title for doc in docs if not doc.id]
    if missing:
        raise ValueError(f"shipped runbooks need explicit ids: {missing}")
    return docs


def seed_runbooks(kb: KnowledgeBase) -> AddResult:
    """Add the shipped runbooks; running it again changes nothing and reports them as unchanged."""
    return kb.add_documents(runbook_documents())
