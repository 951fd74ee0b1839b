"""All models, one module per aggregate, on one declarative base."""

from tracker.models.account import InboxSeen, LoginAttempt, User, UserSession
from tracker.models.audit import AuditLog
from tracker.models.base import Base
from tracker.models.commitment import (
    Commitment,
    CommitmentEvidence,
    CommitmentStatus,
    ProgressUpdate,
)
from tracker.models.enums import AuditAction, HierarchyRole, NotifyChannel, OpdKind, Role
from tracker.models.finding import (
    EvaluationResult,
    Finding,
    FindingEvidence,
    FollowUp,
    Outcome,
    Recommendation,
    RecommendationReview,
    Repayment,
    Report,
)
from tracker.models.notification import NoticeEvent, Notification
from tracker.models.organisation import Opd, Person
from tracker.models.reference import ThematicArea
from tracker.models.reminder import (
    Channel,
    DeliveryStatus,
    DigestState,
    MessageKind,
    ReminderDigest,
    ReminderItem,
    ReminderRun,
)
from tracker.models.submission import FormSubmission
from tracker.models.workshop import (
    AttendanceSignature,
    AttendanceStatus,
    Invitation,
    Workshop,
    WorkshopKind,
    WorkshopStatus,
)

__all__ = [
    "AttendanceSignature",
    "AttendanceStatus",
    "AuditAction",
    "AuditLog",
    "Base",
    "Channel",
    "Commitment",
    "CommitmentEvidence",
    "CommitmentStatus",
    "DeliveryStatus",
    "DigestState",
    "EvaluationResult",
    "Finding",
    "FindingEvidence",
    "FollowUp",
    "FormSubmission",
    "HierarchyRole",
    "InboxSeen",
    "Invitation",
    "LoginAttempt",
    "MessageKind",
    "NoticeEvent",
    "Notification",
    "NotifyChannel",
    "Opd",
    "OpdKind",
    "Outcome",
    "Person",
    "ProgressUpdate",
    "Recommendation",
    "RecommendationReview",
    "ReminderDigest",
    "ReminderItem",
    "ReminderRun",
    "Repayment",
    "Report",
    "Role",
    "ThematicArea",
    "User",
    "UserSession",
    "Workshop",
    "WorkshopKind",
    "WorkshopStatus",
]

# The audit hooks attach to the mappers as they are configured.
import tracker.audit  # noqa: F401
