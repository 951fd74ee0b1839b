"""The workshops list: who sees which, the filters, search, sort, count and paging, and
each listed workshop's invitation and attendance counts (one query per page)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from tracker.extensions import db
from tracker.listing import Listing, ListSpec
from tracker.models import AttendanceStatus, Invitation, Workshop, WorkshopStatus
from tracker.permissions import scope_invitations, scope_workshops

WHEN = ("all", "upcoming", "past")
SPEC = ListSpec(
    sorts={
        "date": [Workshop.starts_at],
        "title": [Workshop.title],
        "venue": [Workshop.venue],
        "status": [Workshop.status, Workshop.starts_at],
    },
    default_sort="date",
    default_direction="desc",
    search=[Workshop.title, Workshop.theme, Workshop.venue],
    tiebreak=Workshop.id,
)


@dataclass(frozen=True)
class Filters:
    #: "all", "upcoming" (not yet ended) or "past"
    when: str = "all"
    #: a WorkshopStatus value, or "" for every status
    status: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        """The filters of the query string; anything unknown means no filter."""
        when = args.get("when", "all")
        status = args.get("status", "")
        return cls(
            when=when if when in WHEN else "all",
            status=status if status in {s.value for s in WorkshopStatus} else "",
        )


@dataclass(frozen=True)
class Page:
    listing: Listing
    #: workshop id → (invited, attended) among the invitations the user may see
    counts: dict[int, tuple[int, int]]


def page(filters: Filters, now: dt.datetime, args: Mapping[str, str]) -> Page:
    stmt = scope_workshops(select(Workshop)).options(selectinload(Workshop.organiser))
    if filters.when == "upcoming":
        stmt = stmt.where(Workshop.ends_at >= now)
    elif filters.when == "past":
        stmt = stmt.where(Workshop.ends_at < now)
    if filters.status:
        stmt = stmt.where(Workshop.status == WorkshopStatus(filters.status))
    # Upcoming workshops read soonest first; the others most recent first.
    spec = dataclasses.replace(
        SPEC, default_direction="asc" if filters.when == "upcoming" else "desc"
    )
    listing = Listing(stmt, spec, args)
    return Page(listing=listing, counts=_counts([w.id for w in listing.items]))


def _counts(ids: list[int]) -> dict[int, tuple[int, int]]:
    if not ids:
        return {}
    attended = case(
        (Invitation.status.in_([AttendanceStatus.HADIR, AttendanceStatus.DIWAKILI]), 1),
        else_=0,
    )
    rows = db.session.execute(
        scope_invitations(
            select(Invitation.workshop_id, func.count(), func.sum(attended))
            .where(Invitation.workshop_id.in_(ids))
            .group_by(Invitation.workshop_id)
        )
    ).all()
    return {row[0]: (int(row[1]), int(row[2] or 0)) for row in rows}
