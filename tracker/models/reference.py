"""Reference lists: thematic areas (per year), BPK's audit codes, letter-number patterns."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tracker.models.base import Base, TimestampMixin, VersionedMixin, str_enum
from tracker.models.enums import LabeledEnum


class ThematicArea(VersionedMixin, TimestampMixin, Base):
    """An RB thematic priority or general area, valid for one year."""

    __tablename__ = "thematic_area"
    __audited__ = True
    __table_args__ = (UniqueConstraint("year", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column()
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    is_priority: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_order: Mapped[int] = mapped_column(default=100)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CodeKind(LabeledEnum):
    """BPK's three code lists (Keputusan BPK 5/K/I-XIII.2/8/2010)."""

    FINDING = "finding"
    CAUSE = "cause"
    RECOMMENDATION = "recommendation"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "finding": _l("Finding codes"),
            "cause": _l("Cause codes"),
            "recommendation": _l("Recommendation codes"),
        }


class AuditCode(VersionedMixin, TimestampMixin, Base):
    """A finding, cause or recommendation code. Codes form a tree by their dotted prefix
    (``1`` → ``1.01`` → ``1.01.01``); ``parent_code`` names the level above."""

    __tablename__ = "audit_code"
    __audited__ = True
    __table_args__ = (UniqueConstraint("kind", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CodeKind] = mapped_column(str_enum(CodeKind, length=20), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(500))
    parent_code: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def depth(self) -> int:
        return self.code.count(".")

    def audit_label(self) -> str:
        return self.label[:254]


class LetterKind(LabeledEnum):
    DECISION = "decision"
    SKBT = "skbt"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "decision": _l("Review decision letter"),
            "skbt": _l("Certificate of no outstanding findings (SKBT)"),
        }


class LetterPattern(VersionedMixin, TimestampMixin, Base):
    """How the letters of one kind are numbered, e.g. ``700/{seq}/35.73.401/{year}``."""

    __tablename__ = "letter_pattern"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[LetterKind] = mapped_column(str_enum(LetterKind, length=20), unique=True)
    pattern: Mapped[str] = mapped_column(String(200))

    def audit_label(self) -> str:
        return f"{self.kind.value}: {self.pattern}"
