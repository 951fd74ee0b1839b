"""Server-side sessions: what ends a login, whatever the browser's cookie says.

A login gets a random key (256 bits) kept in the signed session cookie; the server keeps
its SHA-256 in ``user_session``. A request is logged in only while that row is live: not
ended (logout, password change, deactivation, an administrator's reset) and seen within
``SESSION_IDLE_MINUTES``, begun within ``SESSION_MAX_HOURS``. A copied cookie therefore
stops working when its session ends.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import current_app
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from tracker.extensions import db
from tracker.models import User, UserSession

# last_seen_at is written at most this often (a GET writes nothing more often).
TOUCH_EVERY = dt.timedelta(minutes=1)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start(user: User, *, now: dt.datetime, ip: str | None, user_agent: str | None) -> str:
    """Open a session for ``user``; return the key for the cookie (shown nowhere else)."""
    key = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            key_hash=key_hash(key),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            ip=(ip or "")[:45] or None,
            user_agent=(user_agent or "")[:200] or None,
        )
    )
    db.session.flush()
    return key


def is_live(record: UserSession, now: dt.datetime) -> bool:
    config = current_app.config
    idle = dt.timedelta(minutes=float(config["SESSION_IDLE_MINUTES"]))
    lifetime = dt.timedelta(hours=float(config["SESSION_MAX_HOURS"]))
    return (
        record.ended_at is None
        and now - record.last_seen_at <= idle
        and now - record.created_at <= lifetime
    )


def touch(record: UserSession, now: dt.datetime) -> None:
    """Note the activity (in a transaction of its own: a GET commits nothing)."""
    if now - record.last_seen_at < TOUCH_EVERY:
        return
    with db.engine.begin() as connection:
        connection.execute(
            update(UserSession).where(UserSession.id == record.id).values(last_seen_at=now)
        )
    set_committed_value(record, "last_seen_at", now)  # known, not a change to save


def end(key: str | None, *, now: dt.datetime, reason: str) -> None:
    if not key:
        return
    db.session.execute(
        update(UserSession)
        .where(UserSession.key_hash == key_hash(key), UserSession.ended_at.is_(None))
        .values(ended_at=now, ended_reason=reason)
    )


def end_all(user: User, *, now: dt.datetime, reason: str, keep: str | None = None) -> None:
    """End every live session of ``user`` (but the one whose key is ``keep``)."""
    stmt = update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if keep:
        stmt = stmt.where(UserSession.key_hash != key_hash(keep))
    db.session.execute(stmt.values(ended_at=now, ended_reason=reason))
