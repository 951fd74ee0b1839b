"""The reminder outbox: one digest per recipient per day, written before it is sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, UTCDateTime, str_enum, utcnow
from tracker.models.enums import LabeledEnum


class DigestState(LabeledEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "pending": _l("Pending"),
            "sending": _l("Sending"),
            "sent": _l("Sent"),
            "failed": _l("Failed"),
        }


class ReminderReason(LabeledEnum):
    ESCALATED = "escalated"  # overdue for more than the escalation threshold
    OVERDUE = "overdue"
    DUE_TODAY = "due_today"
    DUE_1 = "due_1"  # due in 1 working day
    DUE_7 = "due_7"  # due in 7 working days
    STALE = "stale"  # no progress for 30 days

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "escalated": _l("Long overdue (escalated)"),
            "overdue": _l("Overdue"),
            "due_today": _l("Due today"),
            "due_1": _l("Due tomorrow (1 working day)"),
            "due_7": _l("Due in 7 working days"),
            "stale": _l("No progress for 30 days"),
        }


class ReminderDigest(Base):
    """One e-mail to one recipient for one date, listing all their items.

    Audited: its creation, every delivery outcome (sent, failed and why) and every resend
    are in the audit log, with who (the scheduler, the command line or a user) did it."""

    __tablename__ = "reminder_digest"
    __audited__ = True
    __audit_redacted__ = frozenset({"payload"})  # the items are in reminder_item
    __table_args__ = (
        UniqueConstraint("recipient_email", "for_date"),
        Index("ix_reminder_digest_state", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    for_date: Mapped[dt.date] = mapped_column(Date, index=True)
    recipient_email: Mapped[str] = mapped_column(String(254))
    recipient_name: Mapped[str] = mapped_column(String(200))
    recipient_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    recipient_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    subject: Mapped[str] = mapped_column(String(300))
    payload: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    state: Mapped[DigestState] = mapped_column(str_enum(DigestState), default=DigestState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    message_id: Mapped[str | None] = mapped_column(String(300))
    transport: Mapped[str | None] = mapped_column(String(10))

    items: Mapped[list[ReminderItem]] = relationship(
        back_populates="digest", cascade="all, delete-orphan", order_by="ReminderItem.id"
    )

    def audit_label(self) -> str:
        return f"{self.recipient_email} · {self.for_date.isoformat()}"


class ReminderItem(Base):
    """One item covered by a digest: answers 'when was this last reminded?'."""

    __tablename__ = "reminder_item"
    __table_args__ = (
        UniqueConstraint("digest_id", "item_type", "item_id"),
        Index("ix_reminder_item_item", "item_type", "item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    digest_id: Mapped[int] = mapped_column(ForeignKey("reminder_digest.id", ondelete="CASCADE"))
    item_type: Mapped[str] = mapped_column(String(30))
    item_id: Mapped[int] = mapped_column()
    reason: Mapped[ReminderReason] = mapped_column(str_enum(ReminderReason))
    as_role: Mapped[str] = mapped_column(String(20))  # executor / head / escalation

    digest: Mapped[ReminderDigest] = relationship(back_populates="items")


class ReminderRun(Base):
    """One daily reminder run, as it happened: when, why, and what it did."""

    __tablename__ = "reminder_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    for_date: Mapped[dt.date] = mapped_column(Date, index=True)
    trigger: Mapped[str] = mapped_column(String(20))  # schedule, catch-up, command
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    recipients: Mapped[int] = mapped_column(default=0)
    items: Mapped[int] = mapped_column(default=0)
    sent: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    deferred: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
