"""When a user last opened their inbox: what arrived since is shown as new.

Reading the inbox is not a change of any record: the moment is kept in ``inbox_seen``,
apart from the (versioned, audited) account, and writes no audit entry.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from tracker.extensions import db
from tracker.models.account import InboxSeen

#: the oldest moment a link may carry (nothing in the tracker is older)
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def mark_seen(user: Any, now: dt.datetime) -> None:
    """Record ``now`` as the moment ``user`` last opened the inbox (one statement, safe
    when two tabs open it at once)."""
    values = {"user_id": user.id, "seen_at": now}
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(InboxSeen).values(**values)
    db.session.execute(
        stmt.on_conflict_do_update(
            index_elements=[InboxSeen.user_id], set_={"seen_at": stmt.excluded.seen_at}
        )
    )


def since_token(moment: dt.datetime | None) -> str | None:
    """A moment as the inbox's paging links carry it (microseconds since the epoch)."""
    if moment is None:
        return None
    return str(int((moment - EARLIEST).total_seconds() * 1_000_000))


def parse_since(token: str | None, now: dt.datetime) -> dt.datetime | None:
    """The moment a paging link carries, or None when absent or not a sensible moment
    (the page then counts from the user's previous visit)."""
    if not token or not token.isdigit() or len(token) > 16:
        return None
    moment = EARLIEST + dt.timedelta(microseconds=int(token))
    return moment if moment <= now else None
