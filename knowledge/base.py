"""The knowledge-base port and its Chroma implementation.

chromadb and onnxruntime are imported only when a Chroma knowledge base is built, so code that needs
just the port (graph typing, the fake in unit tests) does not pay seconds of import time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable
from urllib.parse import urlparse

from core.models import KnowledgeArticle
from core.settings import Settings
from knowledge.models import AddResult, KnowledgeDocument, Suggestion, make_snippet

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

    from knowledge.embeddings import MiniLMEmbedding

COLLECTION = "redaccount_knowledge"
# Below Chroma's max batch size (~5k on SQLite), and a bounded amount of work lost if one chunk fails.
UPSERT_CHUNK = 512
Where = dict[str, Any]


@runtime_checkable
class KnowledgeBase(Protocol):
    """Runbooks and approved articles, searchable by meaning."""

    def add_documents(self, docs: Iterable[KnowledgeDocument]) -> AddResult:
        """Store docs under stable ids; a document already stored with the same content is a no-op."""
        ...

    def search(self, query: str, k: int = 5, where: Where | None = None) -> list[Suggestion]:
        """The k documents closest in meaning to query, best first, optionally filtered on metadata."""
        ...

    def capture_article(self, article: KnowledgeArticle) -> AddResult:
        """Store an approved article with its provenance; raises ArticleNotApproved otherwise."""
        ...

    def count(self) -> int: ...


def dedupe_last(docs: Iterable[KnowledgeDocument]) -> dict[str, KnowledgeDocument]:
    """Documents by id; a later document with the same id replaces an earlier one."""
    return {doc.doc_id: doc for doc in docs}


def make_client(settings: Settings) -> ClientAPI:
    """PersistentClient at settings.chroma_dir, or HttpClient when settings.chroma_url is set."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"chroma_url must look like http://host:port, got {settings.chroma_url!r}")
        return chromadb.HttpClient(
            host=url.hostname,
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)


class ChromaKnowledgeBase:
    """KnowledgeBase on a Chroma collection, embedded with the offline MiniLM function."""

    def __init__(
        self,
        client: ClientAPI,
        embedding: MiniLMEmbedding | None = None,
        collection: str = COLLECTION,
    ) -> None:
        from knowledge.embeddings import MiniLMEmbedding

        self._embedding = embedding or MiniLMEmbedding()
        # Chroma's default embedding function would try to download a model: always pass ours.
        self._collection: Collection = client.get_or_create_collection(
            name=collection, embedding_function=self._embedding
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> ChromaKnowledgeBase:
        from knowledge.embeddings import MiniLMEmbedding

        return cls(make_client(settings), MiniLMEmbedding.from_settings(settings))

    def add_documents(self, docs: Iterable[KnowledgeDocument]) -> AddResult:
        by_id = dedupe_last(docs)
        if not by_id:
            return AddResult()
        stored = self._collection.get(ids=list(by_id), include=["metadatas"])
        stored_sha = {
            id_: (meta or {}).get("content_sha")
            for id_, meta in zip(stored["ids"], stored["metadatas"] or [], strict=True)
        }
        to_write = [doc for id_, doc in by_id.items() if stored_sha.get(id_) != doc.content_sha]
        for start in range(0, len(to_write), UPSERT_CHUNK):
            chunk = to_write[start : start + UPSERT_CHUNK]
            # Embedded here rather than by Chroma: the vector comes from embedding_text, not the full text.
            self._collection.upsert(
                ids=[doc.doc_id for doc in chunk],
                embeddings=self._embedding.embed([doc.embedding_text for doc in chunk]),
                documents=[doc.text for doc in chunk],
                metadatas=[doc.stored_metadata() for doc in chunk],  # type: ignore[misc]
            )
        updated = sum(1 for doc in to_write if doc.doc_id in stored_sha)
        return AddResult(
            created=len(to_write) - updated,
            updated=updated,
            unchanged=len(by_id) - len(to_write),
            ids=list(by_id),
        )

    def search(self, query: str, k: int = 5, where: Where | None = None) -> list[Suggestion]:
        if k < 1 or not query.strip():
            return []
        total = self._collection.count()
        if total == 0:
            return []
        result = self._collection.query(
            query_texts=[query],
            n_results=min(k, total),
            where=where or None,
            include=["metadatas", "documents", "distances"],
        )
        ids = result["ids"][0]
        metas = (result["metadatas"] or [[]])[0]
        texts = (result["documents"] or [[]])[0]
        distances = (result["distances"] or [[]])[0]
        return [
            to_suggestion(id_, dict(meta or {}), text or "", distance)
            for id_, meta, text, distance in zip(ids, metas, texts, distances, strict=True)
        ]

    def capture_article(self, article: KnowledgeArticle) -> AddResult:
        return self.add_documents([KnowledgeDocument.from_article(article)])

    def count(self) -> int:
        return self._collection.count()

    def get(self, ids: Sequence[str]) -> list[Suggestion]:
        """Stored documents by id (score 1.0), in the order found."""
        found = self._collection.get(ids=list(ids), include=["metadatas", "documents"])
        return [
            to_suggestion(id_, dict(meta or {}), text or "", 0.0)
            for id_, meta, text in zip(
                found["ids"], found["metadatas"] or [], found["documents"] or [], strict=True
            )
        ]


def to_suggestion(id_: str, meta: dict[str, Any], text: str, distance: float) -> Suggestion:
    """A Suggestion from a stored record; the cosine distance becomes a 0..1 similarity."""
    title = str(meta.pop("title", id_))
    kind = meta.pop("kind", "runbook")
    source = str(meta.pop("source", ""))
    meta.pop("content_sha", None)
    snippet = str(meta.pop("snippet", "")) or make_snippet(text.split("\n\n", 1)[-1])
    return Suggestion(
        id=id_,
        title=title,
        snippet=snippet,
        score=min(1.0, max(0.0, 1.0 - float(distance))),
        source=source,
        kind=kind if kind in ("runbook", "article") else "runbook",
        metadata=meta,
    )
