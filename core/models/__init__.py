"""Domain models (pydantic): the records users see, typed at every boundary."""

from core.models.cases import (
    ApprovalDecision,
    ApprovalRequest,
    ArticleStatus,
    DecisionType,
    Escalation,
    KnowledgeArticle,
    MeasurementEvent,
    MeasurementKind,
    Outcome,
    Phase,
    Role,
    SupportTier,
    SwarmMember,
    TimelineEntry,
)
from core.models.records import (
    OPEN_STATUSES,
    Account,
    ArrTier,
    AuthorSide,
    Channel,
    Contact,
    CsatResponse,
    LifecycleStage,
    Message,
    Priority,
    SlaEvent,
    SlaMetric,
    SlaStatus,
    StakeholderNote,
    Strict,
    Ticket,
    TicketStatus,
    UsageSnapshot,
)
from core.models.risk import Band, CauseStatus, Evidence, RiskAssessment, RiskSignal

__all__ = [
    "OPEN_STATUSES", "Account", "ApprovalDecision", "ApprovalRequest", "ArrTier", "ArticleStatus", "AuthorSide",
    "Band", "CauseStatus", "Channel", "Contact", "CsatResponse", "DecisionType", "Escalation", "Evidence",
    "KnowledgeArticle", "LifecycleStage", "MeasurementEvent", "MeasurementKind", "Message", "Outcome", "Phase",
    "Priority", "RiskAssessment", "RiskSignal", "Role", "SlaEvent", "SlaMetric", "SlaStatus", "StakeholderNote",
    "Strict", "SupportTier", "SwarmMember", "Ticket", "TicketStatus", "TimelineEntry", "UsageSnapshot",
]
