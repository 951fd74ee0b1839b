"""The commitments list: who sees which, the filters, search, sort, count and paging, and
the same rows for the export. The page and the export read their rows only from here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, case, select
from sqlalchemy.orm import contains_eager, selectinload

from tracker.extensions import db
from tracker.listing import Listing, ListSpec
from tracker.models import Opd, ThematicArea
from tracker.models.commitment import Commitment, CommitmentStatus
from tracker.models.workshop import Workshop
from tracker.permissions import P, can, scope_commitments
from tracker.services.commitments import OPEN_STATUSES, due_soon_clause, overdue_clause

STATUS_ORDER = case({s: i for i, s in enumerate(CommitmentStatus)}, value=Commitment.status)
SPEC = ListSpec(
    sorts={
        "due": [Commitment.due_on],
        "opd": [Opd.sort_order, Opd.code, Commitment.due_on],
        "area": [ThematicArea.sort_order, Commitment.due_on],
        "status": [STATUS_ORDER, Commitment.due_on],
        "progress": [Commitment.progress],
        "updated": [Commitment.updated_at],
        "statement": [Commitment.statement],
    },
    default_sort="due",
    search=[Commitment.statement, Commitment.indicator, Commitment.target, Opd.code, Opd.name],
    tiebreak=Commitment.id,
)


@dataclass(frozen=True)
class Filters:
    opd_id: int | None = None
    thematic_area_id: int | None = None
    #: a CommitmentStatus value, or "open" (not verified nor cancelled)
    status: str | None = None
    #: "overdue" or "due_soon"
    deadline: str | None = None
    workshop_id: int | None = None
    due_from: dt.date | None = None
    due_to: dt.date | None = None


def apply_filters(stmt: Select[Any], filters: Filters, today: dt.date) -> Select[Any]:
    if filters.opd_id is not None:
        stmt = stmt.where(Commitment.opd_id == filters.opd_id)
    if filters.thematic_area_id is not None:
        stmt = stmt.where(Commitment.thematic_area_id == filters.thematic_area_id)
    if filters.status == "open":
        stmt = stmt.where(Commitment.status.in_(OPEN_STATUSES))
    elif filters.status in {s.value for s in CommitmentStatus}:
        stmt = stmt.where(Commitment.status == CommitmentStatus(filters.status))
    if filters.deadline == "overdue":
        stmt = stmt.where(overdue_clause(today))
    elif filters.deadline == "due_soon":
        stmt = stmt.where(due_soon_clause(today))
    if filters.workshop_id is not None:
        stmt = stmt.where(Commitment.workshop_id == filters.workshop_id)
    if filters.due_from is not None:
        stmt = stmt.where(Commitment.due_on >= filters.due_from)
    if filters.due_to is not None:
        stmt = stmt.where(Commitment.due_on <= filters.due_to)
    return stmt


def statement(filters: Filters, today: dt.date) -> Select[Any]:
    """The commitments the current user may see under ``filters``, with what a row shows."""
    stmt = (
        select(Commitment)
        .join(Commitment.opd)
        .outerjoin(Commitment.thematic_area)
        .outerjoin(Commitment.workshop)
        .options(
            contains_eager(Commitment.opd),
            contains_eager(Commitment.thematic_area),
            contains_eager(Commitment.workshop),
            selectinload(Commitment.made_by),
            selectinload(Commitment.carried_out_by),
        )
    )
    return apply_filters(scope_commitments(stmt), filters, today)


def listing(
    filters: Filters, today: dt.date, args: Mapping[str, str], *, paginate: bool = True
) -> Listing:
    """One page of the list (or, with ``paginate=False``, the whole list for the export)."""
    return Listing(statement(filters, today), SPEC, args, paginate=paginate)


# --- what the filters offer ----------------------------------------------------------------


def opd_options() -> list[Row[Any]]:
    """The OPDs to filter by: all of them for a reader of every OPD, none for an OPD user
    (who only ever sees their own)."""
    if not can(P.VIEW_ALL):
        return []
    return list(
        db.session.execute(select(Opd.id, Opd.code, Opd.name).order_by(Opd.sort_order, Opd.name))
    )


def workshop_options() -> list[Row[Any]]:
    """Only the workshops of commitments the user can see."""
    linked = scope_commitments(
        select(Commitment.workshop_id).where(Commitment.workshop_id.is_not(None))
    )
    return list(
        db.session.execute(
            select(Workshop.id, Workshop.title, Workshop.starts_at)
            .where(Workshop.id.in_(linked))
            .order_by(Workshop.starts_at.desc(), Workshop.id)
        )
    )
