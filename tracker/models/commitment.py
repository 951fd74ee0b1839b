"""Commitments made by OPD heads, carried out by their secretaries, verified by the Inspektorat.

A :class:`Commitment` is versioned (optimistic locking) and audited. Its history is the
append-only list of :class:`ProgressUpdate` rows: progress reports, status changes,
reviews and edits, each with the commitment's version right after it, so a stale form
can be shown exactly what happened since it was opened. :class:`CommitmentEvidence` is a
file or a link attached to one update, with the date the evidence refers to.

*Overdue* and *due soon* are derived (see :mod:`tracker.services.commitments`), never stored.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
    inspect,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, TimestampMixin, UTCDateTime, VersionedMixin, str_enum, utcnow
from tracker.models.enums import LabeledEnum
from tracker.models.organisation import Opd, Person
from tracker.models.reference import ThematicArea

if TYPE_CHECKING:
    from tracker.models.account import User
    from tracker.models.workshop import Workshop


class CommitmentStatus(LabeledEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    REPORTED_DONE = "reported_done"
    VERIFIED = "verified"
    CANCELLED = "cancelled"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "draft": _l("Draft"),
            "active": _l("In progress"),
            "reported_done": _l("Reported done"),
            "verified": _l("Verified"),
            "cancelled": _l("Cancelled"),
        }

    @property
    def is_final(self) -> bool:
        return self in (CommitmentStatus.VERIFIED, CommitmentStatus.CANCELLED)

    @property
    def badge(self) -> str:
        """The Bootstrap colour of this status's badge."""
        return {
            "draft": "secondary",
            "active": "primary",
            "reported_done": "info",
            "verified": "success",
            "cancelled": "dark",
        }[self.value]


class UpdateKind(LabeledEnum):
    """What one entry of a commitment's history records."""

    CREATE = "create"
    PROGRESS = "progress"
    ACTIVATE = "activate"
    REPORT_DONE = "report_done"
    VERIFY = "verify"
    RETURN = "return"
    CANCEL = "cancel"
    REOPEN = "reopen"
    EDIT = "edit"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "create": _l("Recorded"),
            "progress": _l("Progress update"),
            "activate": _l("Activated"),
            "report_done": _l("Reported done"),
            "verify": _l("Verified"),
            "return": _l("Returned for more work"),
            "cancel": _l("Cancelled"),
            "reopen": _l("Reopened"),
            "edit": _l("Edited"),
        }

    @property
    def is_review(self) -> bool:
        return self in (UpdateKind.VERIFY, UpdateKind.RETURN)


class EvidenceKind(LabeledEnum):
    FILE = "file"
    LINK = "link"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {"file": _l("File"), "link": _l("Link")}


class Commitment(VersionedMixin, TimestampMixin, Base):
    __tablename__ = "commitment"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
        Index("ix_commitment_status_due_on", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement: Mapped[str] = mapped_column(Text)
    opd_id: Mapped[int] = mapped_column(ForeignKey("opd.id"), index=True)
    workshop_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshop.id", ondelete="SET NULL"), index=True
    )
    #: The head who made the commitment.
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    #: The secretary who carries it out.
    carried_out_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    thematic_area_id: Mapped[int | None] = mapped_column(ForeignKey("thematic_area.id"), index=True)
    indicator: Mapped[str] = mapped_column(String(500))
    target: Mapped[str] = mapped_column(String(500))
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[CommitmentStatus] = mapped_column(
        str_enum(CommitmentStatus, 20), default=CommitmentStatus.DRAFT
    )
    progress: Mapped[int] = mapped_column(Integer, default=0)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    reported_done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    verified_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    #: When progress was last reported (for the "no progress for 30 days" flag).
    last_progress_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    opd: Mapped[Opd] = relationship()
    workshop: Mapped[Workshop | None] = relationship()
    made_by: Mapped[Person | None] = relationship(foreign_keys=[made_by_id])
    carried_out_by: Mapped[Person | None] = relationship(foreign_keys=[carried_out_by_id])
    thematic_area: Mapped[ThematicArea | None] = relationship()
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    updates: Mapped[list[ProgressUpdate]] = relationship(
        back_populates="commitment",
        order_by="(ProgressUpdate.version, ProgressUpdate.id)",
        passive_deletes=True,
    )

    def audit_label(self) -> str:
        text = " ".join(self.statement.split())
        return text if len(text) <= 120 else text[:119] + "…"

    def __repr__(self) -> str:
        return f"<Commitment {self.id} {self.status}>"


def _status_column(name: str) -> SAEnum:
    """Like :func:`str_enum`, with a CHECK constraint named after the column (two columns
    of one enum in one table would otherwise share a constraint name on PostgreSQL)."""
    column_type = str_enum(CommitmentStatus, 20)
    column_type.name = name
    return column_type


class ProgressUpdate(Base):
    """One entry of a commitment's history. Append-only: never edited, never deleted."""

    __tablename__ = "progress_update"
    __table_args__ = (
        Index("ix_progress_update_commitment_version", "commitment_id", "version"),
        CheckConstraint(
            "progress IS NULL OR (progress >= 0 AND progress <= 100)", name="progress_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id", ondelete="CASCADE"))
    #: The commitment's version right after this entry.
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[UpdateKind] = mapped_column(str_enum(UpdateKind, 20))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    #: The author's name when the entry was made (kept if the login is removed).
    author_label: Mapped[str] = mapped_column(String(254))
    note: Mapped[str | None] = mapped_column(Text)
    #: Progress % after this entry (None when it did not touch progress).
    progress: Mapped[int | None] = mapped_column(Integer)
    status_from: Mapped[CommitmentStatus | None] = mapped_column(_status_column("status_from"))
    status_to: Mapped[CommitmentStatus | None] = mapped_column(_status_column("status_to"))
    #: For edits: {field: [before, after]} as shown to people.
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    commitment: Mapped[Commitment] = relationship(back_populates="updates")
    author: Mapped[User | None] = relationship()
    evidence: Mapped[list[CommitmentEvidence]] = relationship(
        back_populates="progress_update", order_by="CommitmentEvidence.id"
    )


class CommitmentEvidence(Base):
    """A file or link supporting an update. Files live under the upload folder, served only
    through a view that checks the user may see the commitment."""

    __tablename__ = "commitment_evidence"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'file' AND stored_name IS NOT NULL) OR (kind = 'link' AND url IS NOT NULL)",
            name="file_or_link",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    progress_update_id: Mapped[int] = mapped_column(
        ForeignKey("progress_update.id", ondelete="CASCADE"), index=True
    )
    commitment_id: Mapped[int] = mapped_column(
        ForeignKey("commitment.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[EvidenceKind] = mapped_column(str_enum(EvidenceKind, 10))
    url: Mapped[str | None] = mapped_column(String(2000))
    stored_name: Mapped[str | None] = mapped_column(String(255), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(120))
    size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    #: The date the evidence refers to (an event, a document's date), not the upload time.
    refers_to_on: Mapped[dt.date | None] = mapped_column(Date)
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    progress_update: Mapped[ProgressUpdate] = relationship(back_populates="evidence")
    commitment: Mapped[Commitment] = relationship()


class HistoryImmutableError(RuntimeError):
    pass


@event.listens_for(ProgressUpdate, "before_update")
@event.listens_for(CommitmentEvidence, "before_update")
def _refuse_update(mapper: Any, _connection: Any, target: Any) -> None:
    # Called for any dirty instance, also when only a collection changed (evidence added).
    state = inspect(target)
    if any(state.attrs[attr.key].history.has_changes() for attr in mapper.column_attrs):
        raise HistoryImmutableError("a commitment's history is never edited")


@event.listens_for(ProgressUpdate, "before_delete")
@event.listens_for(CommitmentEvidence, "before_delete")
def _refuse_delete(*_args: Any) -> None:
    raise HistoryImmutableError("a commitment's history is never deleted")
