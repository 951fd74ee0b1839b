"""The reminders list: whose digests the user sees, the filters, search, sort, count and
paging, the count per delivery state and, for the Inspektorat, the last runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from tracker.extensions import db
from tracker.listing import Listing, ListSpec
from tracker.models.reminder import Channel, DigestState, ReminderDigest, ReminderRun
from tracker.permissions import scope_digests

RECENT_RUNS = 5
SPEC = ListSpec(
    sorts={
        "date": ReminderDigest.for_date,
        "recipient": ReminderDigest.recipient_name,
        "state": ReminderDigest.state,
        "attempts": ReminderDigest.attempts,
    },
    default_sort="date",
    default_direction="desc",
    search=[
        ReminderDigest.recipient_name,
        ReminderDigest.recipient_email,
        ReminderDigest.recipient_phone,
    ],
    tiebreak=ReminderDigest.id,
)


def scoped() -> Select[tuple[ReminderDigest]]:
    """Staff see every digest; everyone else what ``scope_digests`` allows."""
    return scope_digests(select(ReminderDigest))


@dataclass(frozen=True)
class Filters:
    #: a DigestState value, or "" for every state
    state: str = ""
    #: a Channel value, or "" for every channel
    channel: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


@dataclass(frozen=True)
class Page:
    listing: Listing
    #: digests per delivery state, under the user's scope and no other filter
    counts: dict[DigestState, int]


def page(filters: Filters, args: Mapping[str, str]) -> Page:
    stmt = scoped().options(selectinload(ReminderDigest.items))
    if filters.state in {s.value for s in DigestState}:
        stmt = stmt.where(ReminderDigest.state == DigestState(filters.state))
    if filters.channel in {c.value for c in Channel}:
        stmt = stmt.where(ReminderDigest.channel == Channel(filters.channel))
    if filters.date_from:
        stmt = stmt.where(ReminderDigest.for_date >= filters.date_from)
    if filters.date_to:
        stmt = stmt.where(ReminderDigest.for_date <= filters.date_to)
    counts: dict[Any, Any] = dict(
        db.session.execute(
            scoped()
            .with_only_columns(ReminderDigest.state, func.count())
            .group_by(ReminderDigest.state)
        ).all()
    )
    return Page(listing=Listing(stmt, SPEC, args), counts=counts)


def recent_runs() -> list[ReminderRun]:
    return list(
        db.session.scalars(select(ReminderRun).order_by(ReminderRun.id.desc()).limit(RECENT_RUNS))
    )
