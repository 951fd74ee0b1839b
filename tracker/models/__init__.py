"""All models, one module per aggregate, on one declarative base."""

from tracker.models.account import LoginAttempt, User
from tracker.models.audit import AuditLog
from tracker.models.base import Base
from tracker.models.enums import AuditAction, HierarchyRole, OpdKind, Role
from tracker.models.organisation import Opd, Person
from tracker.models.reference import ThematicArea

__all__ = [
    "AuditAction",
    "AuditLog",
    "Base",
    "HierarchyRole",
    "LoginAttempt",
    "Opd",
    "OpdKind",
    "Person",
    "Role",
    "ThematicArea",
    "User",
]

# The audit hooks attach to the mappers as they are configured.
import tracker.audit  # noqa: F401
