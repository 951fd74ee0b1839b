"""The register of SKBT requests and letters: search (name, NIP, letter number), the
status filter, sort, count and paging, in two queries whatever the data (the count and
the page, each letter joined in)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import contains_eager

from tracker.listing import MAX_QUERY_LENGTH, Listing, ListSpec, escape_like
from tracker.models.letter import Letter, Skbt, SkbtStatus
from tracker.services.organisation import normalise_nip

#: the status filter's extra value: issued, then revoked
REVOKED = "revoked"
#: the status filter's value for issued letters still valid
VALID = "valid"

SPEC = ListSpec(
    sorts={
        "requested": Skbt.requested_at,
        "name": Skbt.name,
        "status": [Skbt.status, Skbt.requested_at],
        "number": [Letter.year, Letter.seq],
        "issued": Letter.issued_on,
    },
    default_sort="requested",
    default_direction="desc",
    tiebreak=Skbt.id,
)


def status_values() -> list[str]:
    return [s.value for s in SkbtStatus] + [VALID, REVOKED]


@dataclass(frozen=True)
class Filters:
    #: a SkbtStatus value, VALID, REVOKED or ""
    status: str = ""
    q: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        status = args.get("status", "")
        return cls(
            status=status if status in status_values() else "",
            q=args.get("q", "").strip()[:MAX_QUERY_LENGTH],
        )


def _search(q: str) -> Any:
    pattern = f"%{escape_like(q)}%"
    conditions = [
        Skbt.name.ilike(pattern, escape="\\"),
        Skbt.purpose.ilike(pattern, escape="\\"),
        Letter.number.ilike(pattern, escape="\\"),
    ]
    nip = normalise_nip(q)
    if nip and nip.isdigit():  # a NIP typed in parts: "19750312 200003 2 004"
        conditions.append(Skbt.nip.like(f"%{nip}%"))
    return or_(*conditions)


def page(filters: Filters, args: Mapping[str, str]) -> Listing:
    stmt = select(Skbt).outerjoin(Skbt.letter).options(contains_eager(Skbt.letter))
    if filters.status == VALID:
        stmt = stmt.where(Skbt.status == SkbtStatus.ISSUED, Letter.revoked_at.is_(None))
    elif filters.status == REVOKED:
        stmt = stmt.where(and_(Skbt.status == SkbtStatus.ISSUED, Letter.revoked_at.is_not(None)))
    elif filters.status:
        stmt = stmt.where(Skbt.status == SkbtStatus(filters.status))
    if filters.q:
        stmt = stmt.where(_search(filters.q))
    return Listing(stmt, SPEC, args)


__all__ = ["REVOKED", "VALID", "Filters", "page", "status_values"]
