"""Notification rows for the tests (the notices service writes them in the application)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tracker.extensions import db
from tracker.models import User
from tracker.models.base import utcnow
from tracker.models.notification import NoticeEvent, Notification


def make_notification(
    user: User | None,
    event: NoticeEvent = NoticeEvent.COMMITMENT_RETURNED,
    *,
    params: dict[str, Any] | None = None,
    created_at: dt.datetime | None = None,
    read_at: dt.datetime | None = None,
    commit: bool = True,
    **kw: Any,
) -> Notification:
    """A notification for ``user``'s login about a commitment (by default: returned)."""
    item_id = kw.pop("item_id", 1)
    notification = Notification(
        event=event,
        user_id=user.id if user is not None else None,
        item_type=kw.pop("item_type", "commitment"),
        item_id=item_id,
        title=kw.pop("title", "Menyusun SOP layanan digital"),
        url=kw.pop("url", f"/commitments/{item_id}"),
        params={"note": "Lampirkan SK penetapan.", "by": "Budi"} if params is None else params,
        created_at=created_at or utcnow(),
        read_at=read_at,
        **kw,
    )
    db.session.add(notification)
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return notification
