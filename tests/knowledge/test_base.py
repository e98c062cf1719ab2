"""The Chroma knowledge base on a real on-disk Chroma."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.models import ArticleStatus, KnowledgeArticle
from core.settings import Settings
from knowledge.base import ChromaKnowledgeBase, KnowledgeBase, make_client
from knowledge.embeddings import MiniLMEmbedding
from knowledge.models import ArticleNotApproved, KnowledgeDocument
from tests.knowledge.conftest import open_client

DOCS = [
    KnowledgeDocument(
        id="RB-T-SSO",
        title="SSO login failures",
        summary="Users bounce back to the login page after the identity provider redirect",
        body="Check the SAML signing certificate and clock skew.",
        tags=["sso", "saml"],
    ),
    KnowledgeDocument(
        id="RB-T-429",
        title="API rate limiting",
        summary="Integration calls fail with HTTP 429 Too Many Requests",
        body="Honour Retry-After and back off exponentially.",
        tags=["api"],
    ),
    KnowledgeDocument(
        title="Invoice disputes",
        body="Customer says the invoice is higher than the contract; compare with the order form.",
        kind="article",
        source="case:C-1",
    ),
]


def approved_article(**changes: object) -> KnowledgeArticle:
    fields: dict[str, object] = {
        "id": "KA-77",
        "title": "Exports of large workspaces hit the 5-minute limit",
        "problem": "Monthly board report export of the whole ticket history never completes for a big account",
        "solution": "Use the asynchronous bulk export and split by month; the UI export stops at 1M rows.",
        "tags": ["export"],
        "status": ArticleStatus.approved,
        "source_case_id": "ESC-123",
        "provenance": ["ticket:T-9", "timeline:ESC-123/42"],
    }
    return KnowledgeArticle.model_validate({**fields, **changes})


def test_implements_the_port(chroma_kb: ChromaKnowledgeBase) -> None:
    assert isinstance(chroma_kb, KnowledgeBase)


def test_add_then_re_add_is_a_no_op(chroma_kb: ChromaKnowledgeBase) -> None:
    first = chroma_kb.add_documents(DOCS)
    assert (first.created, first.unchanged, first.updated) == (3, 0, 0)
    again = chroma_kb.add_documents(DOCS)
    assert (again.created, again.unchanged, again.updated) == (0, 3, 0)
    assert again.ids == first.ids
    assert chroma_kb.count() == 3


def test_content_addressed_id_is_stable_and_changed_content_is_an_update(
    chroma_kb: ChromaKnowledgeBase,
) -> None:
    chroma_kb.add_documents(DOCS)
    content_id = DOCS[2].doc_id
    assert content_id.startswith("article-")
    edited = DOCS[0].model_copy(update={"body": "Also check the NameID attribute mapping."})
    result = chroma_kb.add_documents([edited])
    assert (result.created, result.updated) == (0, 1)
    assert chroma_kb.get(["RB-T-SSO"])[0].metadata == {"tags": "saml,sso"}
    assert chroma_kb.count() == 3


def test_search_ranks_by_meaning_and_scores_in_unit_range(chroma_kb: ChromaKnowledgeBase) -> None:
    chroma_kb.add_documents(DOCS)
    hits = chroma_kb.search("our nightly job keeps getting throttled by your API", k=3)
    assert [h.id for h in hits][0] == "RB-T-429"
    assert all(0.0 <= h.score <= 1.0 for h in hits)
    assert hits == sorted(hits, key=lambda h: -h.score)
    assert hits[0].kind == "runbook" and hits[0].title == "API rate limiting"
    assert "429" in hits[0].snippet


def test_search_with_filter(chroma_kb: ChromaKnowledgeBase) -> None:
    chroma_kb.add_documents(DOCS)
    hits = chroma_kb.search("login page redirect", k=5, where={"kind": "article"})
    assert [h.id for h in hits] == [DOCS[2].doc_id]
    assert hits[0].source == "case:C-1"


def test_search_edge_cases(chroma_kb: ChromaKnowledgeBase) -> None:
    assert chroma_kb.search("anything") == []
    chroma_kb.add_documents(DOCS)
    assert chroma_kb.search("   ") == []
    assert chroma_kb.search("sso", k=0) == []
    assert len(chroma_kb.search("sso", k=50)) == 3


def test_reopen_in_a_new_client_finds_the_same_documents(
    chroma_dir: Path, embedding: MiniLMEmbedding
) -> None:
    ChromaKnowledgeBase(open_client(chroma_dir), embedding).add_documents(DOCS)
    reopened = ChromaKnowledgeBase(open_client(chroma_dir), MiniLMEmbedding())
    assert reopened.count() == 3
    assert reopened.search("single sign-on broken", k=1)[0].id == "RB-T-SSO"
    assert reopened.add_documents(DOCS).unchanged == 3


def test_capture_approved_article_then_similar_query_finds_it_first(chroma_kb: ChromaKnowledgeBase) -> None:
    chroma_kb.add_documents(DOCS)
    result = chroma_kb.capture_article(approved_article())
    assert (result.created, result.ids) == (1, ["KA-77"])
    hits = chroma_kb.search("the export of all our tickets for the board meeting never finishes", k=3)
    assert hits[0].id == "KA-77"
    assert hits[0].kind == "article"
    assert hits[0].source == "case:ESC-123"
    assert hits[0].metadata["source_case_id"] == "ESC-123"
    assert hits[0].metadata["provenance"] == "ticket:T-9\ntimeline:ESC-123/42"
    assert chroma_kb.capture_article(approved_article()).unchanged == 1


@pytest.mark.parametrize("status", [ArticleStatus.draft, ArticleStatus.rejected])
def test_capture_refuses_unapproved_articles(chroma_kb: ChromaKnowledgeBase, status: ArticleStatus) -> None:
    with pytest.raises(ArticleNotApproved, match="KA-77.*only approved"):
        chroma_kb.capture_article(approved_article(status=status))
    assert chroma_kb.count() == 0


def test_from_settings_uses_chroma_dir_on_disk(settings: Settings) -> None:
    kb = ChromaKnowledgeBase.from_settings(settings)
    kb.add_documents(DOCS[:1])
    assert settings.chroma_dir.is_dir()
    assert ChromaKnowledgeBase.from_settings(settings).count() == 1


def test_chroma_url_selects_the_http_client(settings: Settings) -> None:
    bad = settings.model_copy(update={"chroma_url": "localhost:8000"})
    with pytest.raises(ValueError, match="http://host:port"):
        make_client(bad)


def test_large_adds_are_written_in_chunks(
    chroma_kb: ChromaKnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("knowledge.base.UPSERT_CHUNK", 2)
    docs = [KnowledgeDocument(title=f"Runbook {i}", body=f"Step {i}") for i in range(5)]
    assert chroma_kb.add_documents(docs).created == 5
    assert chroma_kb.add_documents(docs).unchanged == 5
    assert chroma_kb.count() == 5
