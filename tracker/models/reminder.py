"""The outbox: every message that leaves the tracker (a daily digest or an immediate notice,
by e-mail or WhatsApp) is one row, written before it is sent; and the reminder runs."""

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


class Channel(LabeledEnum):
    EMAIL = "email"
    WHATSAPP = "whatsapp"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {"email": _l("E-mail"), "whatsapp": _l("WhatsApp")}


class MessageKind(LabeledEnum):
    DIGEST = "digest"  # the daily reminder digest
    NOTICE = "notice"  # immediate notices, coalesced per person and channel

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {"digest": _l("Daily digest"), "notice": _l("Notice")}


class DeliveryStatus(LabeledEnum):
    """What WhatsApp reported about a message after accepting it (status callbacks)."""

    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "sent": _l("Sent to the phone"),
            "delivered": _l("Delivered"),
            "read": _l("Read"),
            "failed": _l("Not delivered"),
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
    """One message of the outbox: to one recipient, on one channel.

    A daily digest (``kind`` digest) lists all of a recipient's items for one date; a
    notice (``kind`` notice) gathers the events of a few minutes (the notifications that
    point at it). ``dedupe_key`` is unique: one digest per recipient, channel and day
    (``digest:2026-11-30:whatsapp:62812…``), whoever queues it and however often.
    ``not_before`` holds a row back: the coalescing window of a notice, WhatsApp's quiet
    hours, the backoff after a temporary failure.

    Audited: its creation, every delivery outcome (sent, failed and why) and every resend
    are in the audit log, with who (the scheduler, the command line or a user) did it."""

    __tablename__ = "reminder_digest"
    __audited__ = True
    __audit_redacted__ = frozenset({"payload"})  # the items are in reminder_item
    __table_args__ = (
        Index("ix_reminder_digest_state", "state"),
        Index("ix_reminder_digest_message_id", "message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[MessageKind] = mapped_column(
        str_enum(MessageKind, 10), default=MessageKind.DIGEST, server_default="digest"
    )
    channel: Mapped[Channel] = mapped_column(
        str_enum(Channel, 10), default=Channel.EMAIL, server_default="email"
    )
    for_date: Mapped[dt.date] = mapped_column(Date, index=True)
    recipient_email: Mapped[str | None] = mapped_column(String(254))
    #: E.164 without "+", for WhatsApp
    recipient_phone: Mapped[str | None] = mapped_column(String(20))
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
    not_before: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    delivery_status: Mapped[DeliveryStatus | None] = mapped_column(str_enum(DeliveryStatus, 10))
    delivery_status_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    delivery_error: Mapped[str | None] = mapped_column(Text)

    items: Mapped[list[ReminderItem]] = relationship(
        back_populates="digest", cascade="all, delete-orphan", order_by="ReminderItem.id"
    )

    @property
    def address(self) -> str:
        """Where it goes: the e-mail address or the WhatsApp number."""
        if self.channel is Channel.WHATSAPP:
            return self.recipient_phone or ""
        return self.recipient_email or ""

    def audit_label(self) -> str:
        return f"{self.channel.value} {self.address} · {self.for_date.isoformat()}"


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
