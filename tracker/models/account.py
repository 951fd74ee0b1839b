"""Logins: users and the record of login attempts used for throttling."""

from __future__ import annotations

import datetime as dt

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, TimestampMixin, UTCDateTime, VersionedMixin, str_enum, utcnow
from tracker.models.enums import Role
from tracker.models.organisation import Opd, Person


class User(UserMixin, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "user_account"
    __audited__ = True
    __audit_redacted__ = frozenset({"password_hash"})
    __table_args__ = (
        CheckConstraint(
            "(role = 'opd' AND opd_id IS NOT NULL) OR (role <> 'opd' AND opd_id IS NULL)",
            name="opd_only_for_opd_role",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    opd_id: Mapped[int | None] = mapped_column(ForeignKey("opd.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: set when an administrator chose or generated the password: the user must choose
    #: their own at the next login before doing anything else
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sa_false()
    )
    #: may approve review decisions and issue letters (the Inspektur, or a deputy an
    #: administrator names); administrators always may
    approves_decisions: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sa_false()
    )

    opd: Mapped[Opd | None] = relationship()
    person: Mapped[Person | None] = relationship(back_populates="user")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return bool(self.active)

    def get_id(self) -> str:
        # The password timestamp makes a password change end other sessions.
        stamp = 0
        if self.password_changed_at is not None:
            epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
            stamp = (self.password_changed_at - epoch) // dt.timedelta(microseconds=1)
        return f"{self.id}:{stamp}"

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class LoginAttempt(Base):
    """One login attempt; failures count towards the per-account and per-address limits."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_ip_at", "ip", "at"),
        Index("ix_login_attempt_email_at", "email", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(45))
    success: Mapped[bool] = mapped_column(Boolean)


class UserSession(Base):
    """One login on one browser, kept on the server: logging out, a password change or
    deactivation ends it, and it expires after a time idle and a time in all, whatever the
    cookie says. The cookie holds a random key; only its SHA-256 is stored."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    ended_reason: Mapped[str | None] = mapped_column(String(20))
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))


class InboxSeen(Base):
    """When a user last opened their review inbox: what arrived since is marked new. Kept
    apart from the (versioned, audited) account so that reading the inbox changes neither."""

    __tablename__ = "inbox_seen"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
