"""Knowledge articles drafted from cases: kept with provenance, approved by a person."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from core.db import schema as t
from core.models import ArticleStatus, KnowledgeArticle


def save_article(engine: sa.Engine, article: KnowledgeArticle, at: datetime) -> bool:
    """Insert the article once (by id); a later status change goes through `set_article_status`."""
    with engine.begin() as c:
        if c.execute(sa.select(t.knowledge_articles.c.id).where(t.knowledge_articles.c.id == article.id)).scalar():
            return False
        c.execute(t.knowledge_articles.insert().values(
            id=article.id, title=article.title, problem=article.problem, solution=article.solution,
            tags=article.tags, status=article.status.value, source_case_id=article.source_case_id,
            provenance=article.provenance, created_at=at,
            approved_at=at if article.status == ArticleStatus.approved else None))
    return True


def list_articles(engine: sa.Engine, status: ArticleStatus | None = None) -> list[KnowledgeArticle]:
    query = sa.select(t.knowledge_articles).order_by(t.knowledge_articles.c.created_at)
    if status:
        query = query.where(t.knowledge_articles.c.status == status.value)
    with engine.connect() as c:
        rows = c.execute(query).all()
    return [KnowledgeArticle(id=r.id, title=r.title, problem=r.problem, solution=r.solution, tags=r.tags,
                             status=ArticleStatus(r.status), source_case_id=r.source_case_id,
                             provenance=r.provenance) for r in rows]
