"""The in-memory fake keeps the port's contract, so graph tests can rely on it."""

from __future__ import annotations

import pytest

from core.models import ArticleStatus, KnowledgeArticle
from knowledge.base import KnowledgeBase
from knowledge.fake import FakeKnowledgeBase
from knowledge.models import ArticleNotApproved, KnowledgeDocument
from knowledge.seed import seed_runbooks

SSO = KnowledgeDocument(id="RB-1", title="SSO login failures", body="SAML certificate rotated", tags=["sso"])
BILLING = KnowledgeDocument(id="RB-2", title="Invoice disputes", body="Charged twice on the invoice")


def article(status: ArticleStatus = ArticleStatus.approved) -> KnowledgeArticle:
    return KnowledgeArticle(
        id="KA-1",
        title="Webhook endpoint disabled after failures",
        problem="Webhooks stopped arriving",
        solution="Re-enable the subscription and replay events",
        status=status,
        source_case_id="ESC-9",
    )


def test_is_a_knowledge_base() -> None:
    assert isinstance(FakeKnowledgeBase(), KnowledgeBase)


def test_add_counts_created_unchanged_updated() -> None:
    kb = FakeKnowledgeBase()
    assert kb.add_documents([SSO, BILLING]).created == 2
    assert kb.add_documents([SSO, BILLING]).unchanged == 2
    result = kb.add_documents([SSO.model_copy(update={"body": "Check clock skew"})])
    assert (result.created, result.unchanged, result.updated) == (0, 0, 1)
    assert kb.count() == 2


def test_search_scores_token_overlap_and_filters() -> None:
    kb = FakeKnowledgeBase()
    kb.add_documents([SSO, BILLING])
    hits = kb.search("SAML login broken")
    assert [h.id for h in hits] == ["RB-1"]
    assert hits[0].score == pytest.approx(2 / 3)
    assert kb.search("invoice", where={"kind": "article"}) == []
    assert [h.id for h in kb.search("invoice", where={"kind": {"$in": ["runbook"]}})] == ["RB-2"]
    assert kb.search("the and of") == []


def test_capture_article_and_refuse_draft() -> None:
    kb = FakeKnowledgeBase()
    with pytest.raises(ArticleNotApproved):
        kb.capture_article(article(ArticleStatus.draft))
    kb.capture_article(article())
    (hit,) = kb.search("webhooks stopped")
    assert (hit.id, hit.kind, hit.source) == ("KA-1", "article", "case:ESC-9")
    assert hit.metadata["source_case_id"] == "ESC-9"


def test_seeding_the_fake_is_idempotent() -> None:
    kb = FakeKnowledgeBase()
    first = seed_runbooks(kb)
    assert first.created == kb.count() >= 25
    assert seed_runbooks(kb).unchanged == first.created
