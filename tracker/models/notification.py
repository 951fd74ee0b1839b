"""In-app notifications: what happened to a user's (or an official's) items, one row per
recipient and event. The same rows feed the immediate notices by e-mail and WhatsApp: a
notification points at the outbox message that carries it on each channel."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.models.base import Base, UTCDateTime, str_enum, utcnow
from tracker.models.enums import LabeledEnum


class NoticeEvent(LabeledEnum):
    COMMITMENT_ASSIGNED = "commitment_assigned"
    COMMITMENT_RETURNED = "commitment_returned"
    COMMITMENT_VERIFIED = "commitment_verified"
    COMMITMENT_CANCELLED = "commitment_cancelled"
    RECOMMENDATION_ASSIGNED = "recommendation_assigned"
    FOLLOW_UP_REVIEWED = "follow_up_reviewed"
    WORKSHOP_INVITATION = "workshop_invitation"
    WORKSHOP_UPDATE = "workshop_update"
    WORKSHOP_CANCELLED = "workshop_cancelled"
    PROPOSAL_RETURNED = "proposal_returned"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "commitment_assigned": _l("New commitment for your OPD"),
            "commitment_returned": _l("Commitment returned"),
            "commitment_verified": _l("Commitment verified"),
            "commitment_cancelled": _l("Commitment cancelled"),
            "recommendation_assigned": _l("New recommendation for your OPD"),
            "follow_up_reviewed": _l("Follow-up reviewed"),
            "workshop_invitation": _l("Workshop invitation"),
            "workshop_update": _l("Workshop changed"),
            "workshop_cancelled": _l("Workshop cancelled"),
            "proposal_returned": _l("Proposed review sent back"),
        }


class Notification(Base):
    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: unique when set: the same event is never told the same person twice (e.g. an
    #: invitation sent again, a workshop change confirmed twice)
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    event: Mapped[NoticeEvent] = mapped_column(str_enum(NoticeEvent, 40))
    #: who it is for: their login (the in-app list) and/or the official (e-mail, WhatsApp)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    item_type: Mapped[str] = mapped_column(String(30))
    item_id: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(String(300))
    #: the link back to the item, as a path (BASE_URL is put in front where it leaves)
    url: Mapped[str] = mapped_column(String(300))
    #: what the event says: the reviewer's note, the outcome, the new due date, …
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    email_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("reminder_digest.id", ondelete="SET NULL"), index=True
    )
    whatsapp_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("reminder_digest.id", ondelete="SET NULL"), index=True
    )
