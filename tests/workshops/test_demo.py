"""The demo workshops: 26 July 2023 with its attendance, and one upcoming meeting."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import func, select

from tracker.demo import load_demo
from tracker.demo.workshops import JULY_TITLE, UPCOMING_TITLE, seed_workshops
from tracker.extensions import db
from tracker.i18n import WIB
from tracker.models import (
    AttendanceStatus,
    HierarchyRole,
    Invitation,
    Opd,
    Person,
    User,
    Workshop,
    WorkshopStatus,
)
from tracker.services.workshops import attendance_summary, load_invitations, protocol_key

NOW = dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def demo(app):
    load_demo(now=NOW, core_only=True)
    first = seed_workshops(NOW)
    db.session.commit()
    return first


def _workshop(title: str) -> Workshop:
    return db.session.scalar(select(Workshop).where(Workshop.title == title))


def test_seeding_twice_adds_nothing(app, demo):
    assert demo["workshop"] == 2
    people = db.session.scalar(select(func.count()).select_from(Person))
    assert demo["invitation"] > 0
    again = seed_workshops(NOW + dt.timedelta(days=40))
    db.session.commit()
    assert again == {"workshop": 0, "invitation": 0}
    assert db.session.scalar(select(func.count()).select_from(Workshop)) == 2
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == demo["invitation"]
    assert db.session.scalar(select(func.count()).select_from(Person)) == people


def test_the_workshop_of_26_july_2023(app, demo):
    workshop = _workshop(JULY_TITLE)
    assert workshop.status is WorkshopStatus.HELD
    assert workshop.starts_at.astimezone(WIB).date() == dt.date(2023, 7, 26)
    assert workshop.organiser.code == "INSPEKTORAT"
    assert {a.code for a in workshop.thematic_areas} == {
        "KEMISKINAN",
        "DIGITALISASI",
        "STUNTING",
        "INVESTASI",
    }
    invitations = load_invitations(workshop)
    roles = Counter(i.person.hierarchy_role for i in invitations)
    active_opds = db.session.scalar(
        select(func.count()).select_from(Opd).where(Opd.active.is_(True))
    )
    # The leaders, every head and every secretary.
    for role in (
        HierarchyRole.WALI_KOTA,
        HierarchyRole.WAWALI,
        HierarchyRole.SEKDA,
        HierarchyRole.INSPEKTUR,
    ):
        assert roles[role] == 1
    assert roles[HierarchyRole.SEKRETARIS_OPD] == active_opds
    assert (
        roles[HierarchyRole.KEPALA_OPD] == active_opds - 2
    )  # Setda: Sekda; Inspektorat: Inspektur
    assert [i.person_id for i in invitations] == [
        p.id for p in sorted((i.person for i in invitations), key=protocol_key)
    ]
    summary = attendance_summary(invitations)
    assert summary.all_leaders_present
    counts = summary.overall.counts
    assert counts[AttendanceStatus.DIWAKILI] == 3
    assert counts[AttendanceStatus.IZIN] == 2
    assert counts[AttendanceStatus.INVITED] == 0
    assert summary.opds_without_attendance == []
    represented = [i for i in invitations if i.status is AttendanceStatus.DIWAKILI]
    assert all(
        i.representative or (i.representative_name and i.representative_position)
        for i in represented
    )
    assert all(i.checked_in_at for i in invitations if i.status.attended)
    assert all(i.excuse_reason for i in invitations if i.status is AttendanceStatus.IZIN)


def test_the_upcoming_meeting(app, demo):
    workshop = _workshop(UPCOMING_TITLE)
    assert workshop.status is WorkshopStatus.PLANNED
    assert workshop.starts_at > NOW
    assert workshop.starts_at.astimezone(WIB).hour == 9
    statuses = {i.status for i in workshop.invitations}
    assert statuses == {AttendanceStatus.INVITED}
    # The demo OPD user (the DINKES secretary) sees both workshops.
    opd_user = db.session.scalar(select(User).where(User.email == "opd.dinkes@example.org"))
    assert {
        i.workshop.title
        for i in db.session.scalars(
            select(Invitation).where(Invitation.person_id == opd_user.person_id)
        )
    } == {JULY_TITLE, UPCOMING_TITLE}
