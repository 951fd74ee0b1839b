"""The audit log: who changed which record, when, from what to what. Never edited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from tracker.models.base import Base, UTCDateTime, str_enum, utcnow
from tracker.models.enums import AuditAction


class AuditLog(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    actor_label: Mapped[str] = mapped_column(String(254))
    action: Mapped[AuditAction] = mapped_column(str_enum(AuditAction, 10))
    entity_type: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[int] = mapped_column()
    entity_label: Mapped[str] = mapped_column(String(254))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(45))


class AuditLogImmutableError(RuntimeError):
    pass


@event.listens_for(AuditLog, "before_update")
def _refuse_update(*_args: Any) -> None:
    raise AuditLogImmutableError("audit log rows are never edited")


@event.listens_for(AuditLog, "before_delete")
def _refuse_delete(*_args: Any) -> None:
    raise AuditLogImmutableError("audit log rows are never deleted")
