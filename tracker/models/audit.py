"""The audit log: who changed which record, when, from what to what. Never edited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DDL, JSON, ForeignKey, Index, String, event
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


# --- append-only in the database too ----------------------------------------------------
# The mapper events above stop the ORM; these triggers stop everything else (bulk
# update()/delete(), raw SQL, another program). The one change allowed is the foreign
# key's own ON DELETE SET NULL of actor_id when a user record is removed.

_COLUMNS = ("id", "at", "actor_label", "action", "entity_type", "entity_id", "changes", "ip")
APPEND_ONLY_MESSAGE = "audit_log is append-only"


def _unchanged_except_actor(dialect: str) -> str:
    if dialect == "postgresql":
        same = [f"NEW.{c}::text IS NOT DISTINCT FROM OLD.{c}::text" for c in _COLUMNS]
    else:
        same = [f"NEW.{c} IS OLD.{c}" for c in _COLUMNS]
    return " AND ".join(["OLD.actor_id IS NOT NULL", "NEW.actor_id IS NULL", *same])


def append_only_statements(dialect: str) -> list[str]:
    """The DDL that makes ``audit_log`` refuse UPDATE and DELETE (used by the migration
    and by ``create_all``)."""
    if dialect == "postgresql":
        return [
            f"""CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND {_unchanged_except_actor("postgresql")} THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}' USING ERRCODE = 'insufficient_privilege';
END
$$""",
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
        ]
    if dialect == "sqlite":
        return [
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
            f"WHEN NOT ({_unchanged_except_actor('sqlite')}) "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
            "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
        ]
    return []


for _dialect in ("postgresql", "sqlite"):
    for _statement in append_only_statements(_dialect):
        event.listen(
            AuditLog.__table__,
            "after_create",
            DDL(_statement.replace("%", "%%")).execute_if(dialect=_dialect),
        )
