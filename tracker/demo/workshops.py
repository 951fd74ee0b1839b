"""Demo workshops: the one of 26 July 2023 with its attendance, and one upcoming meeting.

Idempotent like the rest of the demo data: a workshop is looked up by its title (and, for
the July workshop, its date); one that exists is left as it is, invitations included.
Runs after the core demo data (OPDs, officials, thematic areas); flushes, never commits.

The July workshop is public record (jatimtimes.com, 26 July 2023: organised by the
Inspektorat "pada Rabu (26/7/2023) siang"; the Wali Kota, the Wawali, the Sekda, every
head of OPD and their secretaries were brought together). The source names neither the
exact hours nor the venue: the demo uses 13.00-16.00 WIB in Kota Malang and says so in the
description. Who was represented or excused is made up for realism, as the issue asks.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from tracker.extensions import db
from tracker.i18n import WIB
from tracker.models import (
    AttendanceStatus,
    HierarchyRole,
    Invitation,
    Opd,
    OpdKind,
    Person,
    ThematicArea,
    Workshop,
    WorkshopKind,
    WorkshopStatus,
)

JULY_TITLE = "Workshop Penguatan Kapasitas Perangkat Daerah"
JULY_STARTS = dt.datetime(2023, 7, 26, 13, 0, tzinfo=WIB)
JULY_ENDS = dt.datetime(2023, 7, 26, 16, 0, tzinfo=WIB)
JULY_THEME = "Penguatan kapasitas perangkat daerah dalam rangka reformasi birokrasi"
JULY_DESCRIPTION = (
    "Diselenggarakan oleh Inspektorat Kota Malang. Wali Kota, Wakil Wali Kota, Sekretaris "
    "Daerah, seluruh kepala perangkat daerah beserta sekretarisnya dihadirkan untuk membangun "
    "komitmen; para sekretaris menjalankan komitmen tersebut. Menindaklanjuti catatan hasil "
    "evaluasi SAKIP (nilai A) dan Reformasi Birokrasi (nilai BB), dengan empat target: "
    "penurunan kemiskinan ekstrem, digitalisasi pelayanan, penurunan stunting dan "
    "pertumbuhan investasi.\n"
    "Catatan data demo: sumber berita hanya menyebut Rabu, 26 Juli 2023 siang; jam dan tempat "
    "di sini perkiraan."
)
JULY_AGENDA = (
    "13.00 Registrasi peserta (daftar hadir)\n"
    "13.30 Pembukaan dan arahan Wali Kota Malang\n"
    "14.00 Paparan catatan hasil evaluasi SAKIP dan Reformasi Birokrasi\n"
    "15.00 Penyusunan komitmen kepala perangkat daerah\n"
    "16.00 Penutup"
)
JULY_AREAS = ("KEMISKINAN", "DIGITALISASI", "STUNTING", "INVESTASI")

#: Heads represented at the July workshop: OPD code → (official of the OPD by hierarchy
#: role, or a typed name and position).
REPRESENTED: dict[str, HierarchyRole | tuple[str, str]] = {
    "DISHUB": HierarchyRole.SEKRETARIS_OPD,
    "RSUD": (
        "Wakil Direktur Pelayanan RSUD Kota Malang",
        "Wakil Direktur Pelayanan RSUD Kota Malang",
    ),
    "BPBD": (
        "Kepala Bidang Kedaruratan dan Logistik BPBD",
        "Kepala Bidang Kedaruratan dan Logistik BPBD Kota Malang",
    ),
}
#: Secretaries excused at the July workshop: OPD code → reason.
EXCUSED: dict[str, str] = {
    "DISPORAPAR": "Tugas kedinasan ke luar kota (surat tugas terlampir).",
    "KEC_KEDUNGKANDANG": "Sakit, dengan surat keterangan dokter.",
}

UPCOMING_TITLE = "Rapat Koordinasi Tindak Lanjut Komitmen Reformasi Birokrasi"
UPCOMING_THEME = "Pemantauan tindak lanjut komitmen workshop 26 Juli 2023"
UPCOMING_VENUE = "Ruang Rapat Inspektorat Kota Malang"
UPCOMING_AGENDA = (
    "09.00 Pembukaan oleh Inspektur\n"
    "09.30 Paparan capaian komitmen per perangkat daerah\n"
    "11.00 Tanya jawab dan tindak lanjut\n"
    "12.00 Penutup"
)
UPCOMING_IN_DAYS = 14

PROTOCOL_ROLES = (
    HierarchyRole.WALI_KOTA,
    HierarchyRole.WAWALI,
    HierarchyRole.SEKDA,
    HierarchyRole.INSPEKTUR,
    HierarchyRole.KEPALA_OPD,
    HierarchyRole.SEKRETARIS_OPD,
)


def _inspektorat() -> Opd | None:
    return db.session.scalars(
        select(Opd).where(Opd.kind == OpdKind.INSPEKTORAT).order_by(Opd.sort_order, Opd.id)
    ).first()


def _people(roles: tuple[HierarchyRole, ...]) -> list[Person]:
    """Active officials with these roles (of active OPDs), in protocol order."""
    from tracker.services.workshops import protocol_key

    people = db.session.scalars(
        select(Person)
        .outerjoin(Person.opd)
        .where(
            Person.active.is_(True),
            Person.hierarchy_role.in_(roles),
            (Person.opd_id.is_(None)) | (Opd.active.is_(True)),
        )
    ).all()
    return sorted(people, key=protocol_key)


def _areas(codes: tuple[str, ...], year: int) -> list[ThematicArea]:
    return list(
        db.session.scalars(
            select(ThematicArea)
            .where(ThematicArea.year == year, func.upper(ThematicArea.code).in_(codes))
            .order_by(ThematicArea.sort_order)
        )
    )


def _find(title: str) -> list[Workshop]:
    return list(
        db.session.scalars(select(Workshop).where(func.lower(Workshop.title) == title.lower()))
    )


def _seed_july() -> tuple[int, int]:
    july_day = JULY_STARTS.date()
    for workshop in _find(JULY_TITLE):
        if workshop.starts_at.astimezone(WIB).date() == july_day:
            return 0, 0
    organiser = _inspektorat()
    workshop = Workshop(
        title=JULY_TITLE,
        theme=JULY_THEME,
        kind=WorkshopKind.WORKSHOP,
        starts_at=JULY_STARTS.astimezone(dt.UTC),
        ends_at=JULY_ENDS.astimezone(dt.UTC),
        venue="Kota Malang",
        organiser=organiser,
        description=JULY_DESCRIPTION,
        agenda=JULY_AGENDA,
        status=WorkshopStatus.HELD,
    )
    workshop.thematic_areas = _areas(JULY_AREAS, 2023)
    db.session.add(workshop)
    people = _people(PROTOCOL_ROLES)
    by_opd_role = {(p.opd.code if p.opd else None, p.hierarchy_role): p for p in people}
    arrival = dt.datetime(2023, 7, 26, 12, 30, tzinfo=WIB)
    for index, person in enumerate(people):
        code = person.opd.code if person.opd else None
        invitation = Invitation(workshop=workshop, person=person, status=AttendanceStatus.HADIR)
        checked_in = (arrival + dt.timedelta(minutes=(index * 7) % 45)).astimezone(dt.UTC)
        if person.hierarchy_role is HierarchyRole.KEPALA_OPD and code in REPRESENTED:
            invitation.status = AttendanceStatus.DIWAKILI
            stand_in = REPRESENTED[code]
            if isinstance(stand_in, HierarchyRole):
                invitation.representative = by_opd_role.get((code, stand_in))
            if invitation.representative is None:
                name, position = (
                    stand_in if isinstance(stand_in, tuple) else (person.position, person.position)
                )
                invitation.representative_name = f"{name}"
                invitation.representative_position = position
            invitation.checked_in_at = checked_in
        elif person.hierarchy_role is HierarchyRole.SEKRETARIS_OPD and code in EXCUSED:
            invitation.status = AttendanceStatus.IZIN
            invitation.excuse_reason = EXCUSED[code]
        else:
            invitation.checked_in_at = checked_in
        db.session.add(invitation)
    db.session.flush()
    return 1, len(people)


def _seed_upcoming(now: dt.datetime) -> tuple[int, int]:
    if _find(UPCOMING_TITLE):
        return 0, 0
    day = now.astimezone(WIB).date() + dt.timedelta(days=UPCOMING_IN_DAYS)
    starts = dt.datetime.combine(day, dt.time(9, 0), tzinfo=WIB)
    workshop = Workshop(
        title=UPCOMING_TITLE,
        theme=UPCOMING_THEME,
        kind=WorkshopKind.MEETING,
        starts_at=starts.astimezone(dt.UTC),
        ends_at=(starts + dt.timedelta(hours=3)).astimezone(dt.UTC),
        venue=UPCOMING_VENUE,
        organiser=_inspektorat(),
        agenda=UPCOMING_AGENDA,
        status=WorkshopStatus.PLANNED,
    )
    workshop.thematic_areas = _areas(JULY_AREAS, 2023)
    db.session.add(workshop)
    people = _people((HierarchyRole.INSPEKTUR, HierarchyRole.SEKRETARIS_OPD))
    for person in people:
        db.session.add(
            Invitation(workshop=workshop, person=person, status=AttendanceStatus.INVITED)
        )
    db.session.flush()
    return 1, len(people)


def seed_workshops(now: dt.datetime) -> dict[str, int]:
    """Add the demo workshops that are missing; returns how many rows were added."""
    july = _seed_july()
    upcoming = _seed_upcoming(now)
    return {"workshop": july[0] + upcoming[0], "invitation": july[1] + upcoming[1]}
