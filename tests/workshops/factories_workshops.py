"""Factories for the workshop tests: workshops, invitations and a small city."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from tests import factories
from tracker.extensions import db
from tracker.models import (
    AttendanceStatus,
    HierarchyRole,
    Invitation,
    Opd,
    OpdKind,
    Person,
    User,
    Workshop,
    WorkshopStatus,
)
from tracker.models.base import utcnow


def make_workshop(
    *,
    starts_at: dt.datetime | None = None,
    hours: float = 3,
    title: str = "Workshop Penguatan Kapasitas Perangkat Daerah",
    invite: list[Person] | tuple[Person, ...] = (),
    **kw: Any,
) -> Workshop:
    start = starts_at or utcnow() + dt.timedelta(days=7)
    workshop = Workshop(
        title=title,
        starts_at=start,
        ends_at=kw.pop("ends_at", start + dt.timedelta(hours=hours)),
        venue=kw.pop("venue", "Ruang Sidang Balai Kota Malang"),
        status=kw.pop("status", WorkshopStatus.PLANNED),
        **kw,
    )
    db.session.add(workshop)
    for person in invite:
        db.session.add(Invitation(workshop=workshop, person=person))
    db.session.commit()
    return workshop


def make_now_workshop(**kw: Any) -> Workshop:
    """A workshop that started half an hour ago (check-in is open)."""
    return make_workshop(starts_at=utcnow() - dt.timedelta(minutes=30), **kw)


def invite(workshop: Workshop, person: Person, **kw: Any) -> Invitation:
    invitation = Invitation(workshop=workshop, person=person, **kw)
    db.session.add(invitation)
    db.session.commit()
    return invitation


def link(user: User, person: Person) -> User:
    user.person = person
    db.session.commit()
    return user


@dataclass
class City:
    """Leaders, an Inspektorat and ``n`` OPDs each with a head and a secretary."""

    inspektorat: Opd
    setda: Opd
    opds: list[Opd]
    wali_kota: Person
    wawali: Person
    sekda: Person
    inspektur: Person
    heads: list[Person] = field(default_factory=list)
    secretaries: list[Person] = field(default_factory=list)

    @property
    def leaders(self) -> list[Person]:
        return [self.wali_kota, self.wawali, self.sekda, self.inspektur]

    @property
    def everyone(self) -> list[Person]:
        return [*self.leaders, *self.heads, *self.secretaries]


def make_city(n: int = 3, *, start: int = 0) -> City:
    setda = factories.make_opd(
        f"SETDA{start}", f"Sekretariat Daerah {start}", kind=OpdKind.SEKRETARIAT, sort_order=10
    )
    inspektorat = factories.make_opd(
        f"INSP{start}", f"Inspektorat Daerah {start}", kind=OpdKind.INSPEKTORAT, sort_order=30
    )
    city = City(
        inspektorat=inspektorat,
        setda=setda,
        opds=[],
        wali_kota=factories.make_person(
            None,
            name="Drs. H. Sutiaji",
            position="Wali Kota Malang",
            hierarchy_role=HierarchyRole.WALI_KOTA,
        ),
        wawali=factories.make_person(
            None,
            name="Ir. H. Sofyan Edi Jarwoko",
            position="Wakil Wali Kota Malang",
            hierarchy_role=HierarchyRole.WAWALI,
        ),
        sekda=factories.make_person(
            setda,
            name="Erik Setyo Santoso",
            position="Sekretaris Daerah",
            hierarchy_role=HierarchyRole.SEKDA,
        ),
        inspektur=factories.make_person(
            inspektorat,
            name="Inspektur Kota Malang",
            position="Inspektur",
            hierarchy_role=HierarchyRole.INSPEKTUR,
        ),
    )
    city.secretaries.append(
        factories.make_person(
            inspektorat,
            name=f"Sekretaris Inspektorat {start}",
            position="Sekretaris Inspektorat",
            hierarchy_role=HierarchyRole.SEKRETARIS_OPD,
        )
    )
    for i in range(start, start + n):
        opd = factories.make_opd(f"DINAS{i}", f"Dinas Nomor {i:03d}", sort_order=100 + i)
        city.opds.append(opd)
        city.heads.append(
            factories.make_person(
                opd,
                name=f"Kepala Dinas {i:03d}",
                position=f"Kepala Dinas Nomor {i:03d}",
                hierarchy_role=HierarchyRole.KEPALA_OPD,
            )
        )
        city.secretaries.append(
            factories.make_person(
                opd,
                name=f"Sekretaris Dinas {i:03d}",
                position=f"Sekretaris Dinas Nomor {i:03d}",
                hierarchy_role=HierarchyRole.SEKRETARIS_OPD,
            )
        )
    return city


def statuses(workshop: Workshop) -> dict[int, AttendanceStatus]:
    db.session.expire_all()
    return {
        inv.person_id: inv.status
        for inv in db.session.scalars(
            db.select(Invitation).where(Invitation.workshop_id == workshop.id)
        )
    }
