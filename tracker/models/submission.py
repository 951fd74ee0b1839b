"""One row per create form sent: a double click (or a second tab) creates one record."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.models.base import Base, UTCDateTime, utcnow


class FormSubmission(Base):
    """The one-time token of a create form, kept once the form's record was saved.

    The token is unique in the database, so of two requests carrying it only one can
    commit; the other finds this row and is sent where the first one went."""

    __tablename__ = "form_submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    endpoint: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # Where the first request sent the user (the new record's page), once known.
    location: Mapped[str | None] = mapped_column(String(500))
