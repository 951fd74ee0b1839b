"""Organisation and reference data: OPDs, officials, logins and thematic areas.

Plain functions taking values; they check the rules (uniqueness before the database
complains, optimistic locking through :func:`tracker.services.records.apply_changes`),
flush, raise :class:`DomainError` naming the field at fault, and never commit.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker import phones
from tracker.extensions import db
from tracker.models import (
    HierarchyRole,
    NotifyChannel,
    Opd,
    OpdKind,
    Person,
    Role,
    ThematicArea,
    User,
)
from tracker.models.base import Base, utcnow
from tracker.services import accounts, sessions
from tracker.services.errors import DomainError
from tracker.services.records import apply_changes
from tracker.services.records import clean_text as _text
from tracker.services.records import flush as _flush
from tracker.services.records import optional_text as _optional
from tracker.services.records import required_text as _required

CODE_RE = re.compile(r"^[A-Z0-9_]+$")
OPD_CODE_MAX = 20
AREA_CODE_MAX = 30
NAME_MAX = 200
EMAIL_MAX = 254
PHONE_MAX = 30
NIP_LENGTH = 18
TEXT_MAX = 2000


# --- helpers ---------------------------------------------------------------------------


NIP_SEPARATORS = re.compile(r"[\s.\-]+")


def normalise_nip(value: str | None) -> str | None:
    """A NIP as it is stored: its digits, without the spaces (or dots, dashes) people
    type between its parts ("19750312 200003 2 004" → "197503122000032004")."""
    if not isinstance(value, str):
        return value
    return NIP_SEPARATORS.sub("", value) or None


def _code(value: str | None, limit: int) -> str:
    code = _required(value, "code", limit).upper()
    if not CODE_RE.match(code):
        raise DomainError(_("Use only capital letters, digits and underscores."), field="code")
    return code


def _update(
    record: Base,
    values: Mapping[str, Any],
    *,
    expected_version: int | None,
    original: Mapping[str, Any] | None,
    check: Callable[[], None],
) -> dict[str, tuple[Any, Any]]:
    """Conflict first (so the user sees what changed), then the rules, then the write."""
    if expected_version is not None and getattr(record, "version", None) != expected_version:
        apply_changes(record, values, expected_version=expected_version, original=original)
    check()
    changed = apply_changes(record, values, expected_version=expected_version, original=original)
    _flush()
    return changed


def _exists(stmt: Any) -> bool:
    return db.session.scalar(stmt.limit(1)) is not None


# --- OPDs ------------------------------------------------------------------------------


def _check_opd_unique(code: str, name: str, exclude_id: int | None) -> None:
    same_code = select(Opd.id).where(func.upper(Opd.code) == code)
    same_name = select(Opd.id).where(func.lower(Opd.name) == name.lower())
    if exclude_id is not None:
        same_code = same_code.where(Opd.id != exclude_id)
        same_name = same_name.where(Opd.id != exclude_id)
    if _exists(same_code):
        raise DomainError(
            _("An OPD with the code %(code)s already exists.", code=code), field="code"
        )
    if _exists(same_name):
        raise DomainError(_("An OPD with this name already exists."), field="name")


def opd_values(*, code: str, name: str, kind: OpdKind, sort_order: int) -> dict[str, Any]:
    """An OPD's values as stored, checked on their own (uniqueness aside): no database
    access, so an import can check every row before writing any."""
    return {
        "code": _code(code, OPD_CODE_MAX),
        "name": _required(name, "name", NAME_MAX),
        "kind": OpdKind(kind),
        "sort_order": sort_order,
    }


def create_opd(*, code: str, name: str, kind: OpdKind, sort_order: int = 1000) -> Opd:
    values = opd_values(code=code, name=name, kind=kind, sort_order=sort_order)
    _check_opd_unique(values["code"], values["name"], None)
    opd = Opd(**values, active=True)
    db.session.add(opd)
    _flush()
    return opd


def update_opd(
    opd: Opd,
    *,
    code: str,
    name: str,
    kind: OpdKind,
    sort_order: int,
    expected_version: int | None,
    original: Mapping[str, Any] | None = None,
) -> dict[str, tuple[Any, Any]]:
    values = opd_values(code=code, name=name, kind=kind, sort_order=sort_order)
    return _update(
        opd,
        values,
        expected_version=expected_version,
        original=original,
        check=lambda: _check_opd_unique(values["code"], values["name"], opd.id),
    )


def set_opd_active(opd: Opd, active: bool) -> None:
    opd.active = active
    _flush()


# --- officials -------------------------------------------------------------------------


def person_values(
    *,
    name: str,
    nip: str | None,
    position: str,
    hierarchy_role: HierarchyRole,
    opd_id: int | None,
    email: str | None,
    phone: str | None,
    notes: str | None,
    notify_by: NotifyChannel = NotifyChannel.BOTH,
) -> dict[str, Any]:
    """An official's values as stored, checked on their own (the OPD's and the NIP's
    checks aside): no database access, so an import can check every row before writing."""
    nip = normalise_nip(_text(nip))
    if nip is not None and (not nip.isdigit() or len(nip) != NIP_LENGTH):
        raise DomainError(_("The NIP must be exactly %(n)d digits.", n=NIP_LENGTH), field="nip")
    notify_by = NotifyChannel(notify_by)
    phone = _phone(_optional(phone, "phone", PHONE_MAX), notify_by)
    return {
        "name": _required(name, "name", NAME_MAX),
        "nip": nip,
        "position": _required(position, "position", NAME_MAX),
        "hierarchy_role": HierarchyRole(hierarchy_role),
        "opd_id": opd_id,
        "email": _optional(email, "email", EMAIL_MAX),
        "phone": phone,
        "notify_by": notify_by,
        "notes": _optional(notes, "notes", TEXT_MAX),
    }


def _person_values(*, current_opd_id: int | None = None, **kw: Any) -> dict[str, Any]:
    values = person_values(**kw)
    opd_id = values["opd_id"]
    if opd_id is not None and opd_id != current_opd_id:
        opd = db.session.get(Opd, opd_id)
        if opd is None or not opd.active:
            raise DomainError(_("Choose an active OPD."), field="opd_id")
    return values


def _phone(raw: str | None, notify_by: NotifyChannel) -> str | None:
    """The number as stored (E.164 without "+"), fit for the channel the official chose:
    WhatsApp reaches mobile numbers only."""
    try:
        phone = phones.normalise(raw)
    except phones.InvalidPhone as exc:
        raise DomainError(str(exc), field="phone") from exc
    if phone is None and notify_by is NotifyChannel.WHATSAPP:
        raise DomainError(
            _("Enter a mobile number to send by WhatsApp, or choose another channel."),
            field="phone",
        )
    if phone is not None and notify_by is not NotifyChannel.EMAIL and not phones.is_mobile(phone):
        raise DomainError(
            _(
                "WhatsApp needs a mobile number: enter one (such as 0812-3456-7890), "
                "or choose “E-mail only”."
            ),
            field="phone",
        )
    return phone


def _check_nip_unique(nip: str | None, exclude_id: int | None) -> None:
    if nip is None:
        return
    stmt = select(Person.id).where(Person.nip == nip)
    if exclude_id is not None:
        stmt = stmt.where(Person.id != exclude_id)
    if _exists(stmt):
        raise DomainError(_("Another official already has the NIP %(nip)s.", nip=nip), field="nip")


def create_person(
    *,
    name: str,
    position: str,
    hierarchy_role: HierarchyRole = HierarchyRole.OTHER,
    nip: str | None = None,
    opd_id: int | None = None,
    email: str | None = None,
    phone: str | None = None,
    notes: str | None = None,
    notify_by: NotifyChannel = NotifyChannel.BOTH,
) -> Person:
    values = _person_values(
        name=name,
        nip=nip,
        position=position,
        hierarchy_role=hierarchy_role,
        opd_id=opd_id,
        email=email,
        phone=phone,
        notes=notes,
        notify_by=notify_by,
    )
    _check_nip_unique(values["nip"], None)
    person = Person(**values, active=True)
    db.session.add(person)
    _flush()
    return person


def update_person(
    person: Person,
    *,
    name: str,
    position: str,
    hierarchy_role: HierarchyRole,
    nip: str | None,
    opd_id: int | None,
    email: str | None,
    phone: str | None,
    notes: str | None,
    expected_version: int | None,
    original: Mapping[str, Any] | None = None,
    notify_by: NotifyChannel = NotifyChannel.BOTH,
) -> dict[str, tuple[Any, Any]]:
    values = _person_values(
        name=name,
        nip=nip,
        position=position,
        hierarchy_role=hierarchy_role,
        opd_id=opd_id,
        email=email,
        phone=phone,
        notes=notes,
        notify_by=notify_by,
        current_opd_id=person.opd_id,
    )
    return _update(
        person,
        values,
        expected_version=expected_version,
        original=original,
        check=lambda: _check_nip_unique(values["nip"], person.id),
    )


def set_person_active(person: Person, active: bool) -> None:
    person.active = active
    _flush()


# --- logins ----------------------------------------------------------------------------


def _opd_for_user(opd_id: int | None, current_opd_id: int | None = None) -> Opd | None:
    if opd_id is None:
        return None
    opd = db.session.get(Opd, opd_id)
    if opd is None or (not opd.active and opd_id != current_opd_id):
        raise DomainError(_("Choose an active OPD."), field="opd_id")
    return opd


def _person_for_user(
    person_id: int | None, user_id: int | None, role: Role, opd: Opd | None
) -> Person | None:
    if person_id is None:
        return None
    person = db.session.get(Person, person_id)
    if person is None:
        raise DomainError(_("Choose an official from the list."), field="person_id")
    if role is Role.OPD and opd is not None and person.opd_id != opd.id:
        # An OPD login reads its OPD's records, and its official's reminders: both must
        # be the same OPD.
        raise DomainError(
            _("The official must belong to the same OPD as the login (%(code)s).", code=opd.code),
            field="person_id",
        )
    taken = select(User.id).where(User.person_id == person_id)
    if user_id is not None:
        taken = taken.where(User.id != user_id)
    if _exists(taken):
        raise DomainError(_("This official already has a login."), field="person_id")
    return person


def create_account(
    *,
    email: str,
    name: str,
    role: Role,
    opd_id: int | None,
    person_id: int | None,
    password: str | None,
    now: dt.datetime,
) -> tuple[User, str | None]:
    """Create a login; with no password one is generated and returned (shown once).
    Either way the password is the administrator's choice: the user must choose their
    own at the first login."""
    name = _required(name, "name", NAME_MAX)
    if len(accounts.normalise_email(email)) > EMAIL_MAX:
        raise DomainError(_("At most %(n)d characters.", n=EMAIL_MAX), field="email")
    role = Role(role)
    opd = _opd_for_user(opd_id)
    accounts.validate_role_opd(role, opd)
    person = _person_for_user(person_id, None, role, opd)
    generated = None
    if not password:
        password = generated = accounts.generate_password()
    user = accounts.create_user(
        email=email,
        name=name,
        role=role,
        password=password,
        opd=opd,
        person=person,
        now=now,
        must_change_password=True,
    )
    return user, generated


def update_account(
    user: User,
    *,
    name: str,
    role: Role,
    opd_id: int | None,
    person_id: int | None,
    actor: User,
    expected_version: int | None,
    original: Mapping[str, Any] | None = None,
) -> dict[str, tuple[Any, Any]]:
    role = Role(role)
    values = {
        "name": _required(name, "name", NAME_MAX),
        "role": role,
        "opd_id": opd_id,
        "person_id": person_id,
    }

    def check() -> None:
        if user.id == actor.id and role != user.role:
            raise DomainError(_("You cannot change your own role."), field="role")
        opd = _opd_for_user(opd_id, user.opd_id)
        accounts.validate_role_opd(role, opd)
        _person_for_user(person_id, user.id, role, opd)

    return _update(user, values, expected_version=expected_version, original=original, check=check)


def set_account_active(user: User, active: bool, *, actor: User) -> None:
    accounts.set_active(user, active, actor=actor)
    if not active:
        sessions.end_all(user, now=utcnow(), reason="deactivated")


def reset_password(user: User, *, actor: User, now: dt.datetime) -> str:
    """Give ``user`` a new generated password and return it (to be shown once); the user
    must replace it with their own at the next login."""
    if user.id == actor.id:
        raise DomainError(_("Change your own password on the My account page."))
    password = accounts.generate_password()
    accounts.set_password(user, password, now=now, chosen_by_user=False)
    sessions.end_all(user, now=now, reason="reset")
    return password


# --- thematic areas --------------------------------------------------------------------


def _area_values(
    *,
    year: int,
    code: str,
    name: str,
    description: str | None,
    is_priority: bool,
    sort_order: int,
) -> dict[str, Any]:
    if not 2000 <= year <= 2100:
        raise DomainError(_("Enter a year between 2000 and 2100."), field="year")
    return {
        "year": year,
        "code": _code(code, AREA_CODE_MAX),
        "name": _required(name, "name", NAME_MAX),
        "description": _optional(description, "description", TEXT_MAX),
        "is_priority": bool(is_priority),
        "sort_order": sort_order,
    }


def _check_area_unique(year: int, code: str, exclude_id: int | None) -> None:
    stmt = select(ThematicArea.id).where(
        ThematicArea.year == year, func.upper(ThematicArea.code) == code
    )
    if exclude_id is not None:
        stmt = stmt.where(ThematicArea.id != exclude_id)
    if _exists(stmt):
        raise DomainError(
            _(
                "A thematic area with the code %(code)s already exists for %(year)d.",
                code=code,
                year=year,
            ),
            field="code",
        )


def create_thematic_area(
    *,
    year: int,
    code: str,
    name: str,
    description: str | None = None,
    is_priority: bool = False,
    sort_order: int = 100,
) -> ThematicArea:
    values = _area_values(
        year=year,
        code=code,
        name=name,
        description=description,
        is_priority=is_priority,
        sort_order=sort_order,
    )
    _check_area_unique(values["year"], values["code"], None)
    area = ThematicArea(**values, active=True)
    db.session.add(area)
    _flush()
    return area


def update_thematic_area(
    area: ThematicArea,
    *,
    year: int,
    code: str,
    name: str,
    description: str | None,
    is_priority: bool,
    sort_order: int,
    expected_version: int | None,
    original: Mapping[str, Any] | None = None,
) -> dict[str, tuple[Any, Any]]:
    values = _area_values(
        year=year,
        code=code,
        name=name,
        description=description,
        is_priority=is_priority,
        sort_order=sort_order,
    )
    return _update(
        area,
        values,
        expected_version=expected_version,
        original=original,
        check=lambda: _check_area_unique(values["year"], values["code"], area.id),
    )


def set_thematic_area_active(area: ThematicArea, active: bool) -> None:
    area.active = active
    _flush()


#: the roles that head an OPD (the Sekda heads the Setda, the Inspektur the Inspektorat)
HEAD_ROLES = (HierarchyRole.KEPALA_OPD, HierarchyRole.SEKDA, HierarchyRole.INSPEKTUR)


def opd_officials(
    opd_ids: Iterable[int | None] | None = None,
) -> tuple[dict[int, Person], dict[int, Person]]:
    """Each OPD's head and secretary (the first active one of each, as recorded), for
    ``opd_ids`` or, with None, every OPD: one query, their logins loaded with them."""
    stmt = (
        select(Person)
        .where(
            Person.active.is_(True),
            Person.opd_id.is_not(None),
            Person.hierarchy_role.in_([*HEAD_ROLES, HierarchyRole.SEKRETARIS_OPD]),
        )
        .options(selectinload(Person.user))
        .order_by(Person.id)
    )
    if opd_ids is not None:
        wanted = sorted({i for i in opd_ids if i is not None})
        if not wanted:
            return {}, {}
        stmt = stmt.where(Person.opd_id.in_(wanted))
    heads: dict[int, Person] = {}
    secretaries: dict[int, Person] = {}
    for person in db.session.scalars(stmt):
        assert person.opd_id is not None
        target = secretaries if person.hierarchy_role is HierarchyRole.SEKRETARIS_OPD else heads
        target.setdefault(person.opd_id, person)
    return heads, secretaries
