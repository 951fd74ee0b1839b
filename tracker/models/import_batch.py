"""An import: the uploaded file (kept), what its dry run found, and who confirmed it."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.account import User
from tracker.models.base import Base, TimestampMixin, UTCDateTime, VersionedMixin, str_enum, utcnow
from tracker.models.enums import LabeledEnum


class ImportStatus(LabeledEnum):
    CHECKED = "checked"
    IMPORTED = "imported"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {"checked": _l("Checked (dry run)"), "imported": _l("Imported")}


class ImportBatch(VersionedMixin, TimestampMixin, Base):
    __tablename__ = "import_batch"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    #: opds, officials, commitments, findings (tracker.imports.base.ImportKind)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    file_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(300))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[ImportStatus] = mapped_column(
        str_enum(ImportStatus, length=20), default=ImportStatus.CHECKED, index=True
    )
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    problems: Mapped[int] = mapped_column(Integer, default=0)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    imported_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    uploaded_by: Mapped[User] = relationship(foreign_keys=[uploaded_by_id])
    imported_by: Mapped[User | None] = relationship(foreign_keys=[imported_by_id])

    def audit_label(self) -> str:
        return f"{self.kind}: {self.file_name}"[:254]
