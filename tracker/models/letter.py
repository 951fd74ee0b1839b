"""Numbered letters the Inspektorat issues: review decision letters (one per batch of
approved decisions) and SKBT certificates (surat keterangan bebas temuan).

A letter's number is made from its kind's pattern (:class:`LetterPattern`) and a
sequence per kind and year; ``(kind, year, seq)`` and ``number`` are unique, so two
letters can never share a number even when issued at the same moment
(:mod:`tracker.services.letters` retries on the next sequence).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.account import User
from tracker.models.base import Base, TimestampMixin, UTCDateTime, VersionedMixin, str_enum, utcnow
from tracker.models.enums import LabeledEnum
from tracker.models.organisation import Opd
from tracker.models.reference import LetterKind

if TYPE_CHECKING:
    from tracker.models.finding import ReviewProposal


class Letter(VersionedMixin, TimestampMixin, Base):
    __tablename__ = "letter"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("kind", "year", "seq"),
        CheckConstraint("seq > 0", name="seq_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[LetterKind] = mapped_column(str_enum(LetterKind, length=20), index=True)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(200), unique=True)
    issued_on: Mapped[dt.date]
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    #: The signer as printed (kept as issued, whoever holds the office later).
    signer_name: Mapped[str | None] = mapped_column(String(200))
    signer_nip: Mapped[str | None] = mapped_column(String(30))
    signer_position: Mapped[str | None] = mapped_column(String(200))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)

    issued_by: Mapped[User] = relationship(foreign_keys=[issued_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])
    decisions: Mapped[list[ReviewProposal]] = relationship(
        back_populates="letter", order_by="ReviewProposal.id"
    )
    skbt: Mapped[Skbt | None] = relationship(back_populates="letter")

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def audit_label(self) -> str:
        return self.number[:254]


class SkbtSubject(LabeledEnum):
    OFFICIAL = "official"
    OPD = "opd"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {"official": _l("An official (by NIP)"), "opd": _l("An OPD")}


class SkbtStatus(LabeledEnum):
    REQUESTED = "requested"
    ISSUED = "issued"
    REFUSED = "refused"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {"requested": _l("Requested"), "issued": _l("Issued"), "refused": _l("Refused")}


class Skbt(VersionedMixin, TimestampMixin, Base):
    """A request for a surat keterangan bebas temuan and, once issued, its letter and the
    public verification token (stored as its SHA-256; the token itself is derived from
    the secret key, so the printed QR can be made again)."""

    __tablename__ = "skbt"
    __audited__ = True
    __audit_redacted__ = frozenset({"token_hash"})
    __table_args__ = (
        CheckConstraint(
            "(subject = 'official' AND nip IS NOT NULL) OR "
            "(subject = 'opd' AND opd_id IS NOT NULL)",
            name="subject_key",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[SkbtSubject] = mapped_column(str_enum(SkbtSubject, length=20))
    nip: Mapped[str | None] = mapped_column(String(30), index=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str | None] = mapped_column(String(200))
    opd_id: Mapped[int | None] = mapped_column(ForeignKey("opd.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(300))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[SkbtStatus] = mapped_column(
        str_enum(SkbtStatus, length=20), default=SkbtStatus.REQUESTED, index=True
    )
    note: Mapped[str | None] = mapped_column(Text)
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id"), unique=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_generation: Mapped[int] = mapped_column(Integer, default=0)

    opd: Mapped[Opd | None] = relationship()
    requested_by: Mapped[User] = relationship()
    letter: Mapped[Letter | None] = relationship(back_populates="skbt")

    def audit_label(self) -> str:
        return f"SKBT {self.name}"[:254]
