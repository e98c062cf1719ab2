"""In-memory KnowledgeBase for unit tests: token-overlap scoring, same contract as the Chroma one."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from core.models import KnowledgeArticle
from knowledge.base import Where, dedupe_last
from knowledge.models import AddResult, KnowledgeDocument, Suggestion

_TOKEN = re.compile(r"[a-z0-9]+")
_SHOWN_ELSEWHERE = frozenset({"title", "kind", "source", "snippet", "content_sha"})
_STOPWORDS = frozenset(
    "a an and are as at be by for from has have in is it of on or our the to was we with".split()
)


def tokens(text: str) -> set[str]:
    return {t for t in _TOKEN.findall(text.lower()) if t not in _STOPWORDS}


def matches(metadata: dict[str, Any], where: Where | None) -> bool:
    """A small subset of Chroma's where language: equality, $eq, $ne, $in, $nin, $and, $or."""
    if not where:
        return True
    for key, cond in where.items():
        if key == "$and":
            if not all(matches(metadata, sub) for sub in cond):
                return False
        elif key == "$or":
            if not any(matches(metadata, sub) for sub in cond):
                return False
        elif not _matches_field(metadata.get(key), cond):
            return False
    return True


def _matches_field(value: Any, cond: Any) -> bool:
    if not isinstance(cond, dict):
        return bool(value == cond)
    ((op, operand),) = cond.items()
    if op == "$eq":
        return bool(value == operand)
    if op == "$ne":
        return bool(value != operand)
    if op == "$in":
        return value in operand
    if op == "$nin":
        return value not in operand
    raise ValueError(f"FakeKnowledgeBase does not support the where operator {op!r}")


class FakeKnowledgeBase:
    """Keeps documents in a dict; score = share of the query's tokens found in the document."""

    def __init__(self) -> None:
        self.docs: dict[str, KnowledgeDocument] = {}

    def add_documents(self, docs: Iterable[KnowledgeDocument]) -> AddResult:
        result = AddResult()
        for id_, doc in dedupe_last(docs).items():
            previous = self.docs.get(id_)
            if previous is not None and previous.content_sha == doc.content_sha:
                result.unchanged += 1
            elif previous is not None:
                result.updated += 1
            else:
                result.created += 1
            self.docs[id_] = doc
            result.ids.append(id_)
        return result

    def search(self, query: str, k: int = 5, where: Where | None = None) -> list[Suggestion]:
        wanted = tokens(query)
        if k < 1 or not wanted:
            return []
        scored = []
        for id_, doc in self.docs.items():
            meta = doc.stored_metadata()
            if not matches(meta, where):
                continue
            score = len(wanted & tokens(doc.text)) / len(wanted)
            if score > 0:
                scored.append((score, id_, doc))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [
            Suggestion(
                id=id_,
                title=doc.title,
                snippet=doc.snippet,
                score=score,
                source=doc.source,
                kind=doc.kind,
                metadata={k: v for k, v in doc.stored_metadata().items() if k not in _SHOWN_ELSEWHERE},
            )
            for score, id_, doc in scored[:k]
        ]

    def capture_article(self, article: KnowledgeArticle) -> AddResult:
        return self.add_documents([KnowledgeDocument.from_article(article)])

    def count(self) -> int:
        return len(self.docs)
