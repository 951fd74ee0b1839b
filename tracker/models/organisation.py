"""OPDs (Organisasi Perangkat Daerah) and officials (Person)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, TimestampMixin, VersionedMixin, str_enum
from tracker.models.enums import HierarchyRole, NotifyChannel, OpdKind

if TYPE_CHECKING:
    from tracker.models.account import User


class Opd(VersionedMixin, TimestampMixin, Base):
    __tablename__ = "opd"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[OpdKind] = mapped_column(str_enum(OpdKind), default=OpdKind.DINAS)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(default=1000)

    people: Mapped[list[Person]] = relationship(back_populates="opd")

    def __repr__(self) -> str:
        return f"<Opd {self.code}>"


class Person(VersionedMixin, TimestampMixin, Base):
    """An official: a leader, the head or secretary of an OPD, or Inspektorat staff."""

    __tablename__ = "person"
    __audited__ = True
    __table_args__ = (CheckConstraint("nip IS NULL OR length(nip) = 18", name="nip_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    nip: Mapped[str | None] = mapped_column(String(18), unique=True)
    position: Mapped[str] = mapped_column(String(200))
    hierarchy_role: Mapped[HierarchyRole] = mapped_column(
        str_enum(HierarchyRole), default=HierarchyRole.OTHER
    )
    opd_id: Mapped[int | None] = mapped_column(ForeignKey("opd.id"), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    #: E.164 without the "+" (``62812…``), normalised when saved (tracker.phones)
    phone: Mapped[str | None] = mapped_column(String(30))
    notify_by: Mapped[NotifyChannel] = mapped_column(
        str_enum(NotifyChannel, 10), default=NotifyChannel.BOTH, server_default="both"
    )
    notes: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    opd: Mapped[Opd | None] = relationship(back_populates="people")
    user: Mapped[User | None] = relationship(back_populates="person")

    def __repr__(self) -> str:
        return f"<Person {self.name}>"
