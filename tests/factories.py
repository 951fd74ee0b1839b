"""Factories: small functions that add a committed record with sensible defaults."""

from __future__ import annotations

import itertools
from typing import Any

from werkzeug.security import generate_password_hash

from tracker.extensions import db
from tracker.models import HierarchyRole, Opd, OpdKind, Person, Role, ThematicArea, User
from tracker.models.base import utcnow

DEFAULT_PASSWORD = "rahasia-12345"
# A cheap hash keeps the suite fast; the accounts service itself always uses scrypt.
_FAST_HASH = generate_password_hash(DEFAULT_PASSWORD, method="pbkdf2:sha256:1000")
_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


def make_opd(code: str | None = None, name: str | None = None, **kw: Any) -> Opd:
    n = _n()
    opd = Opd(
        code=code or f"OPD{n}",
        name=name or f"Dinas Contoh {n}",
        kind=kw.pop("kind", OpdKind.DINAS),
        **kw,
    )
    db.session.add(opd)
    db.session.commit()
    return opd


def make_person(opd: Opd | None = None, **kw: Any) -> Person:
    n = _n()
    person = Person(
        name=kw.pop("name", f"Pejabat {n}"),
        position=kw.pop("position", f"Jabatan {n}"),
        hierarchy_role=kw.pop("hierarchy_role", HierarchyRole.OTHER),
        opd=opd,
        email=kw.pop("email", f"pejabat{n}@example.org"),
        **kw,
    )
    db.session.add(person)
    db.session.commit()
    return person


def make_user(role: Role | str = Role.INSPEKTORAT, opd: Opd | None = None, **kw: Any) -> User:
    role = Role(role)
    if role is Role.OPD and opd is None:
        opd = make_opd()
    n = _n()
    user = User(
        email=kw.pop("email", f"{role.value}{n}@example.org"),
        name=kw.pop("name", f"Pengguna {role.value} {n}"),
        role=role,
        opd=opd if role is Role.OPD else None,
        password_hash=kw.pop("password_hash", _FAST_HASH),
        password_changed_at=kw.pop("password_changed_at", utcnow()),
        active=kw.pop("active", True),
        **kw,
    )
    db.session.add(user)
    db.session.commit()
    return user


def make_thematic_area(year: int = 2023, **kw: Any) -> ThematicArea:
    n = _n()
    area = ThematicArea(
        year=year,
        code=kw.pop("code", f"AREA{n}"),
        name=kw.pop("name", f"Area tematik {n}"),
        **kw,
    )
    db.session.add(area)
    db.session.commit()
    return area


def make_digest(email: str, for_date: Any = None, **kw: Any) -> Any:
    import datetime as dt

    from tracker.models.reminder import DigestState, ReminderDigest

    day = for_date or dt.date(2023, 9, 1)
    digest = ReminderDigest(
        dedupe_key=kw.pop("dedupe_key", f"digest:{day.isoformat()}:email:{email}"),
        for_date=day,
        recipient_email=email,
        recipient_name=kw.pop("recipient_name", email.split("@")[0]),
        subject=kw.pop("subject", "Pengingat"),
        payload=kw.pop("payload", []),
        state=kw.pop("state", DigestState.FAILED),
        attempts=kw.pop("attempts", 1),
        **kw,
    )
    db.session.add(digest)
    db.session.commit()
    return digest
