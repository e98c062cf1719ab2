"""Structured outputs of the drafting functions.

Every claim carries `citations`: evidence refs (`message:m-1`) that were in the input. `source` says
whether the model wrote it or it was extracted deterministically from the evidence.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from agent.pii import restore
from core.models import KnowledgeArticle, Role

Source = Literal["model", "extractive"]
BRIEF_FIELDS = ("intent", "tried", "results", "status", "escalation_reason")


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Statement(_Out):
    text: str = Field(min_length=1, max_length=1000)
    citations: list[str] = Field(min_length=1)


class _Drafted(_Out):
    source: Source
    note: str = Field(default="", description="Why the result is extractive, or what was repaired.")
    redactions: dict[str, str] = Field(
        default_factory=dict, description="Placeholder -> original; restore only for a human reader."
    )
    fallbacks: list[str] = Field(
        default_factory=list, description="Fields whose model text failed a check and were filled extractively."
    )


class Brief(_Drafted):
    """The 3-second brief: five statements, each with citations among the input's evidence refs."""

    intent: Statement
    tried: Statement
    results: Statement
    status: Statement
    escalation_reason: Statement

    def statements(self) -> dict[str, Statement]:
        return {name: getattr(self, name) for name in BRIEF_FIELDS}

    def restored(self) -> Brief:
        """A copy with redacted values put back, for display to a person."""
        update = {
            name: st.model_copy(update={"text": restore(st.text, self.redactions)})
            for name, st in self.statements().items()
        }
        return self.model_copy(update=update)


class NextAction(_Out):
    action: str = Field(min_length=1, max_length=300)
    owner_role: Role
    rationale: str = Field(min_length=1, max_length=500)
    citations: list[str] = Field(min_length=1)


class NextActions(_Drafted):
    actions: list[NextAction] = Field(min_length=1, max_length=5)


class CustomerUpdate(_Drafted):
    """A draft only: a human approves (and may edit) it before anything reaches the customer."""

    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=4000)
    citations: list[str] = Field(min_length=1)

    def restored(self) -> CustomerUpdate:
        return self.model_copy(
            update={"subject": restore(self.subject, self.redactions), "body": restore(self.body, self.redactions)}
        )


class KnowledgeDraft(_Drafted):
    """Knowledge extracted from a resolved case; PII stays redacted because articles are shared widely."""

    title: str = Field(min_length=1, max_length=200)
    problem: str = Field(min_length=1, max_length=2000)
    solution: str = Field(min_length=1, max_length=2000)
    tags: list[str] = Field(default_factory=list, max_length=8)
    citations: list[str] = Field(min_length=1)

    def to_article(self, article_id: str, source_case_id: str | None = None) -> KnowledgeArticle:
        return KnowledgeArticle(
            id=article_id, title=self.title, problem=self.problem, solution=self.solution, tags=self.tags,
            source_case_id=source_case_id, provenance=self.citations,
        )
