"""A user's in-app notifications: the list (only their own rows, newest first, all or the
unread ones, one page), the unread count the navigation shows on every page, and marking
them read. Rows are written by :mod:`tracker.services.notices`; nothing here writes one.

Every query is filtered to ``Notification.user_id == user.id``: another user's notification
is simply not found (the view answers 404), and marking it read changes nothing.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Select, func, select, update

from tracker.extensions import db
from tracker.guards import DB_INT_MAX
from tracker.listing import Listing, ListSpec
from tracker.models.notification import Notification

#: rows per page of the list
PER_PAGE = 25

SPEC = ListSpec(
    sorts={"created": [Notification.created_at, Notification.id]},
    default_sort="created",
    default_direction="desc",
)


class Show(enum.StrEnum):
    """Which notifications the list shows (``?status=``)."""

    ALL = "all"
    UNREAD = "unread"

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Show:
        raw = args.get("status", "")
        return cls(raw) if raw in {s.value for s in cls} else cls.ALL


def own(user: Any) -> Select[tuple[Notification]]:
    """The notifications addressed to ``user``'s login."""
    return select(Notification).where(Notification.user_id == user.id)


@dataclass(frozen=True)
class Page:
    listing: Listing
    show: Show
    #: the user's unread notifications, whatever the filter
    unread: int


def page(user: Any, args: Mapping[str, str]) -> Page:
    """One page of ``user``'s notifications, newest first (only the unread ones when
    ``?status=unread``). Three queries: the unread count, the page's count and its rows."""
    show = Show.from_args(args)
    stmt = own(user)
    if show is Show.UNREAD:
        stmt = stmt.where(Notification.read_at.is_(None))
    paging = {k: args.get(k, "") for k in ("page", "per_page")}
    return Page(
        listing=Listing(stmt, SPEC, paging, per_page=PER_PAGE),
        show=show,
        unread=unread_count(user),
    )


def unread_count(user: Any) -> int:
    """How many of ``user``'s notifications are unread, in one query."""
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def get(user: Any, notification_id: int) -> Notification | None:
    """``user``'s notification with this id (None: no such id, or someone else's)."""
    if not 0 < notification_id <= DB_INT_MAX:
        return None
    return db.session.scalar(own(user).where(Notification.id == notification_id))


def mark_read(user: Any, ids: Iterable[int] | None, now: dt.datetime) -> int:
    """Mark ``user``'s unread notifications with these ids (None: all of them) read at
    ``now``; another user's ids are ignored. Flushes; returns how many were marked."""
    stmt = (
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now)
        .returning(Notification.id)
        .execution_options(synchronize_session="fetch")
    )
    if ids is not None:
        wanted = sorted({i for i in ids if isinstance(i, int) and 0 < i <= DB_INT_MAX})
        if not wanted:
            return 0
        stmt = stmt.where(Notification.id.in_(wanted))
    marked = len(db.session.scalars(stmt).all())
    db.session.flush()
    return marked


def safe_target(url: str | None) -> str | None:
    """The item's address if it is a path of this application ('/commitments/12'), else
    None: nothing that leads elsewhere ('//host', '/\\host', 'https://…', 'javascript:…')."""
    if not url or not url.startswith("/") or url.startswith(("//", "/\\")):
        return None
    if "\\" in url or any(ord(c) < 0x20 or ord(c) == 0x7F or c.isspace() for c in url):
        return None
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None
    return url


def safe_link(url: Any) -> str | None:
    """An absolute web address from a notification's parameters (the personal pass), or
    None when it is not an http(s) address."""
    if not isinstance(url, str) or any(ord(c) < 0x21 or c == "\\" for c in url):
        return None
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None
