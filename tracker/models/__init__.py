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
    FindingParty,
    FollowUp,
    Outcome,
    ProposalStatus,
    Recommendation,
    RecommendationReview,
    Repayment,
    Report,
    ReviewProposal,
    SiptlSubmission,
)
from tracker.models.import_batch import ImportBatch, ImportStatus
from tracker.models.letter import Letter, Skbt, SkbtStatus, SkbtSubject
from tracker.models.notification import NoticeEvent, Notification
from tracker.models.organisation import Opd, Person
from tracker.models.reference import AuditCode, CodeKind, LetterKind, LetterPattern, ThematicArea
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
    "AuditCode",
    "AuditLog",
    "Base",
    "Channel",
    "CodeKind",
    "Commitment",
    "CommitmentEvidence",
    "CommitmentStatus",
    "DeliveryStatus",
    "DigestState",
    "EvaluationResult",
    "Finding",
    "FindingEvidence",
    "FindingParty",
    "FollowUp",
    "FormSubmission",
    "HierarchyRole",
    "ImportBatch",
    "ImportStatus",
    "InboxSeen",
    "Invitation",
    "Letter",
    "LetterKind",
    "LetterPattern",
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
    "ProposalStatus",
    "Recommendation",
    "RecommendationReview",
    "ReminderDigest",
    "ReminderItem",
    "ReminderRun",
    "Repayment",
    "Report",
    "ReviewProposal",
    "Role",
    "SiptlSubmission",
    "Skbt",
    "SkbtStatus",
    "SkbtSubject",
    "ThematicArea",
    "User",
    "UserSession",
    "Workshop",
    "WorkshopKind",
    "WorkshopStatus",
]

# The audit hooks attach to the mappers as they are configured.
import tracker.audit  # noqa: F401
