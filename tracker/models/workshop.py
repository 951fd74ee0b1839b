"""Workshops and their invitations with attendance."""

from __future__ import annotations

import datetime as dt
import uuid

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, TimestampMixin, UTCDateTime, VersionedMixin, str_enum
from tracker.models.enums import LabeledEnum
from tracker.models.organisation import Opd, Person
from tracker.models.reference import ThematicArea


class WorkshopKind(LabeledEnum):
    WORKSHOP = "workshop"
    MEETING = "meeting"
    SOCIALISATION = "socialisation"
    TRAINING = "training"
    OTHER = "other"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "workshop": _l("Workshop"),
            "meeting": _l("Coordination meeting"),
            "socialisation": _l("Socialisation"),
            "training": _l("Technical guidance (bimtek)"),
            "other": _l("Other"),
        }


class WorkshopStatus(LabeledEnum):
    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {"planned": _l("Planned"), "held": _l("Held"), "cancelled": _l("Cancelled")}


class AttendanceStatus(LabeledEnum):
    INVITED = "invited"  # invited, attendance not recorded yet
    HADIR = "hadir"
    DIWAKILI = "diwakili"
    IZIN = "izin"
    TIDAK_HADIR = "tidak_hadir"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "invited": _l("Not recorded"),
            "hadir": _l("Present"),
            "diwakili": _l("Represented"),
            "izin": _l("Excused"),
            "tidak_hadir": _l("Absent"),
        }

    @property
    def attended(self) -> bool:
        """Counted as attending: present in person or through a representative."""
        return self in (AttendanceStatus.HADIR, AttendanceStatus.DIWAKILI)

    @property
    def recorded(self) -> bool:
        return self is not AttendanceStatus.INVITED


workshop_thematic_area = Table(
    "workshop_thematic_area",
    Base.metadata,
    Column("workshop_id", ForeignKey("workshop.id", ondelete="CASCADE"), primary_key=True),
    Column("thematic_area_id", ForeignKey("thematic_area.id"), primary_key=True),
)


def _new_ical_uid() -> str:
    return f"{uuid.uuid4()}@tracker-inspektorat"


class Workshop(VersionedMixin, TimestampMixin, Base):
    __tablename__ = "workshop"
    __audited__ = True
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    theme: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[WorkshopKind] = mapped_column(
        str_enum(WorkshopKind), default=WorkshopKind.WORKSHOP
    )
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    venue: Mapped[str] = mapped_column(String(200))
    organiser_opd_id: Mapped[int | None] = mapped_column(ForeignKey("opd.id"))
    description: Mapped[str | None] = mapped_column(Text)
    agenda: Mapped[str | None] = mapped_column(Text)
    status: Mapped[WorkshopStatus] = mapped_column(
        str_enum(WorkshopStatus), default=WorkshopStatus.PLANNED, index=True
    )
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: The iCalendar UID: stable across edits, so calendars update the same event.
    ical_uid: Mapped[str] = mapped_column(String(100), unique=True, default=_new_ical_uid)
    #: the iCalendar SEQUENCE of the current date, time and venue: raised by every change of
    #: them (or a cancellation) that the invitees must be told of
    ical_sequence: Mapped[int] = mapped_column(default=0, server_default="0")

    organiser: Mapped[Opd | None] = relationship()
    thematic_areas: Mapped[list[ThematicArea]] = relationship(
        secondary=workshop_thematic_area, order_by=(ThematicArea.year, ThematicArea.sort_order)
    )
    invitations: Mapped[list[Invitation]] = relationship(
        back_populates="workshop", cascade="all, delete-orphan"
    )

    @property
    def is_cancelled(self) -> bool:
        return self.status is WorkshopStatus.CANCELLED

    def __repr__(self) -> str:
        return f"<Workshop {self.id} {self.title!r}>"


class Invitation(VersionedMixin, TimestampMixin, Base):
    """One invitee of a workshop and their attendance."""

    __tablename__ = "invitation"
    __audited__ = True
    __audit_redacted__ = frozenset({"pass_hash"})
    __table_args__ = (UniqueConstraint("workshop_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    status: Mapped[AttendanceStatus] = mapped_column(
        str_enum(AttendanceStatus), default=AttendanceStatus.INVITED
    )
    checked_in_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    self_checked_in: Mapped[bool] = mapped_column(default=False)
    representative_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    representative_name: Mapped[str | None] = mapped_column(String(200))
    representative_position: Mapped[str | None] = mapped_column(String(200))
    excuse_reason: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    invitation_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: the workshop's ``ical_sequence`` last sent to this invitee (invitation or update)
    sent_sequence: Mapped[int | None] = mapped_column()
    #: how the arrival was recorded: "self" (logged in), "pass" (personal link), "door"
    #: (the kiosk), "staff" (the attendance screen)
    checked_in_via: Mapped[str | None] = mapped_column(String(10))
    #: an official who came without an invitation, added at the door
    walk_in: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    representative_nip: Mapped[str | None] = mapped_column(String(18))
    #: the personal check-in pass: the SHA-256 of the current token (see
    #: ``tracker.services.passes``) and its generation; revoking raises the generation
    pass_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    pass_generation: Mapped[int] = mapped_column(default=1, server_default="1")

    workshop: Mapped[Workshop] = relationship(back_populates="invitations")
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    representative: Mapped[Person | None] = relationship(foreign_keys=[representative_person_id])

    def audit_label(self) -> str:
        # Never lazy-load inside a flush: use the names only when already loaded.
        state = inspect(self)
        person = state.attrs.person.loaded_value
        workshop = state.attrs.workshop.loaded_value
        who = person.name if isinstance(person, Person) else f"#{self.person_id}"
        where = workshop.title if isinstance(workshop, Workshop) else f"#{self.workshop_id}"
        return f"{who} — {where}"

    def __repr__(self) -> str:
        return f"<Invitation {self.workshop_id}/{self.person_id} {self.status}>"


class AttendanceSignature(Base):
    """A signature given at check-in (on the personal pass page or at the door), placed in
    the person's row of the daftar hadir. Kept apart from the (audited) invitation."""

    __tablename__ = "attendance_signature"

    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("invitation.id", ondelete="CASCADE"), primary_key=True
    )
    #: an SVG document of the strokes (no scripts: only path elements, checked on save)
    svg: Mapped[str] = mapped_column(Text)
    #: who signed: the invitee or their representative
    signed_by: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
