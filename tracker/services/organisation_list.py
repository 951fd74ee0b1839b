"""The administration lists (OPDs, officials, logins, thematic areas, the audit log): their
filters from the query string, search, sort, count and paging, in one place."""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, case, select
from sqlalchemy.orm import contains_eager, selectinload

from tracker.extensions import db
from tracker.i18n import WIB
from tracker.listing import Listing, ListSpec, int_arg
from tracker.models import (
    AuditAction,
    AuditLog,
    HierarchyRole,
    Opd,
    Person,
    Role,
    ThematicArea,
    User,
)

E = TypeVar("E", bound=enum.Enum)

ACTIVITY = ("all", "active", "inactive")


def _activity(args: Mapping[str, str]) -> str:
    """``?status=active|inactive|all`` (anything else means all)."""
    status = args.get("status", "all")
    return status if status in ACTIVITY else "all"


def _only(stmt: Select[Any], column: Any, activity: str) -> Select[Any]:
    if activity == "active":
        return stmt.where(column.is_(True))
    if activity == "inactive":
        return stmt.where(column.is_(False))
    return stmt


def _enum(args: Mapping[str, str], name: str, enum_cls: type[E]) -> E | None:
    raw = args.get(name, "")
    return enum_cls(raw) if raw in {m.value for m in enum_cls} else None


# --- OPDs ----------------------------------------------------------------------------------

OPD_SPEC = ListSpec(
    sorts={
        "code": Opd.code,
        "name": Opd.name,
        "kind": Opd.kind,
        "order": [Opd.sort_order, Opd.name],
        "active": Opd.active,
    },
    default_sort="code",
    search=[Opd.code, Opd.name],
    tiebreak=Opd.id,
)


@dataclass(frozen=True)
class OpdFilters:
    status: str = "all"

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> OpdFilters:
        return cls(status=_activity(args))


def opds(filters: OpdFilters, args: Mapping[str, str], *, paginate: bool = True) -> Listing:
    return Listing(
        _only(select(Opd), Opd.active, filters.status), OPD_SPEC, args, paginate=paginate
    )


def opd_filter_options() -> list[tuple[int, str]]:
    """Every OPD, for a list's OPD filter."""
    rows = db.session.execute(
        select(Opd.id, Opd.code, Opd.name).order_by(Opd.sort_order, Opd.name)
    ).all()
    return [(r.id, f"{r.code} — {r.name}") for r in rows]


# --- officials -----------------------------------------------------------------------------

RANK = case({r: i for i, r in enumerate(HierarchyRole)}, value=Person.hierarchy_role)
PERSON_SPEC = ListSpec(
    sorts={
        "name": Person.name,
        "position": Person.position,
        "role": [RANK, Person.name],
        "opd": [Opd.code, RANK, Person.name],
        "active": Person.active,
    },
    default_sort="name",
    search=[Person.name, Person.nip, Person.position, Person.email],
    tiebreak=Person.id,
)


@dataclass(frozen=True)
class PersonFilters:
    status: str = "all"
    #: an OPD's id as text, "none" (city leaders, no OPD) or "" for everyone
    opd: str = ""
    role: HierarchyRole | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> PersonFilters:
        opd_id = int_arg("opd", args)
        opd = "none" if args.get("opd") == "none" else (str(opd_id) if opd_id else "")
        return cls(status=_activity(args), opd=opd, role=_enum(args, "role", HierarchyRole))


def _nip_search(args: Mapping[str, str]) -> Mapping[str, str]:
    """A NIP typed the usual way ("19750312 200003 2 004") is searched as its digits."""
    q = args.get("q", "")
    digits = re.sub(r"[\s.\-]", "", q)
    if digits.isdigit() and digits != q.strip():
        return {**args, "q": digits}
    return args


def people(filters: PersonFilters, args: Mapping[str, str], *, paginate: bool = True) -> Listing:
    stmt = (
        select(Person)
        .outerjoin(Person.opd)
        .options(contains_eager(Person.opd), selectinload(Person.user))
    )
    stmt = _only(stmt, Person.active, filters.status)
    if filters.opd == "none":
        stmt = stmt.where(Person.opd_id.is_(None))
    elif filters.opd:
        stmt = stmt.where(Person.opd_id == int(filters.opd))
    if filters.role is not None:
        stmt = stmt.where(Person.hierarchy_role == filters.role)
    return Listing(stmt, PERSON_SPEC, _nip_search(args), paginate=paginate)


# --- logins --------------------------------------------------------------------------------

USER_SPEC = ListSpec(
    sorts={
        "name": User.name,
        "email": User.email,
        "role": [User.role, User.name],
        "opd": [Opd.code, User.name],
        "last_login": User.last_login_at,
        "active": User.active,
    },
    default_sort="name",
    search=[User.email, User.name],
    tiebreak=User.id,
)


@dataclass(frozen=True)
class UserFilters:
    status: str = "all"
    role: Role | None = None
    opd_id: int | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> UserFilters:
        return cls(
            status=_activity(args), role=_enum(args, "role", Role), opd_id=int_arg("opd", args)
        )


def users(filters: UserFilters, args: Mapping[str, str]) -> Listing:
    stmt = (
        select(User)
        .outerjoin(User.opd)
        .options(contains_eager(User.opd), selectinload(User.person))
    )
    stmt = _only(stmt, User.active, filters.status)
    if filters.role is not None:
        stmt = stmt.where(User.role == filters.role)
    if filters.opd_id is not None:
        stmt = stmt.where(User.opd_id == filters.opd_id)
    return Listing(stmt, USER_SPEC, args)


# --- thematic areas ------------------------------------------------------------------------

AREA_SPEC = ListSpec(
    sorts={
        "year": [ThematicArea.year, ThematicArea.sort_order, ThematicArea.code],
        "code": ThematicArea.code,
        "name": ThematicArea.name,
        "order": [ThematicArea.sort_order, ThematicArea.code],
        "priority": [ThematicArea.is_priority, ThematicArea.sort_order],
        "active": ThematicArea.active,
    },
    default_sort="year",
    default_direction="desc",
    search=[ThematicArea.code, ThematicArea.name],
    tiebreak=ThematicArea.id,
)


@dataclass(frozen=True)
class AreaFilters:
    status: str = "all"
    year: int | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> AreaFilters:
        return cls(status=_activity(args), year=int_arg("year", args))


def thematic_areas(filters: AreaFilters, args: Mapping[str, str]) -> Listing:
    stmt = _only(select(ThematicArea), ThematicArea.active, filters.status)
    if filters.year is not None:
        stmt = stmt.where(ThematicArea.year == filters.year)
    return Listing(stmt, AREA_SPEC, args)


def area_years() -> list[int]:
    return list(
        db.session.scalars(select(ThematicArea.year).distinct().order_by(ThematicArea.year.desc()))
    )


# --- the audit log -------------------------------------------------------------------------

AUDIT_SPEC = ListSpec(
    sorts={"at": [AuditLog.at, AuditLog.id]},
    default_sort="at",
    default_direction="desc",
    search=[AuditLog.entity_label],
)


@dataclass(frozen=True)
class AuditFilters:
    entity_type: str | None = None
    action: AuditAction | None = None
    #: an account's id, "system" (no account) or None for everyone
    actor: int | str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _wib_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=WIB).astimezone(dt.UTC)


def audit_log(filters: AuditFilters, args: Mapping[str, str]) -> Listing:
    stmt = select(AuditLog)
    if filters.entity_type:
        stmt = stmt.where(AuditLog.entity_type == filters.entity_type)
    if filters.action is not None:
        stmt = stmt.where(AuditLog.action == filters.action)
    if filters.actor == "system":
        stmt = stmt.where(AuditLog.actor_id.is_(None))
    elif isinstance(filters.actor, int):
        stmt = stmt.where(AuditLog.actor_id == filters.actor)
    if filters.date_from:
        stmt = stmt.where(AuditLog.at >= _wib_start(filters.date_from))
    if filters.date_to:
        stmt = stmt.where(AuditLog.at < _wib_start(filters.date_to + dt.timedelta(days=1)))
    return Listing(stmt, AUDIT_SPEC, args)
