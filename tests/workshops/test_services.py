"""The workshop rules, directly on the services: planning, invitations, attendance,
the check-in window, the summary and the iCalendar file."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar
from sqlalchemy import select

from tests import factories
from tests.workshops.factories_workshops import (
    link,
    make_city,
    make_workshop,
)
from tracker.extensions import db
from tracker.i18n import WIB
from tracker.models import (
    AttendanceStatus,
    AuditAction,
    AuditLog,
    HierarchyRole,
    Invitation,
    Role,
    WorkshopStatus,
)
from tracker.services import workshops as service
from tracker.services.errors import ConflictError, DomainError, NotAllowed

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

START = dt.datetime(2023, 7, 26, 13, 0, tzinfo=WIB)


def _row(inv: Invitation, **values: str) -> service.AttendanceRow:
    """A submitted row: what the screen showed, with ``values`` changed."""
    shown = service.row_values(inv)
    return service.AttendanceRow(inv.id, inv.version, {**shown, **values}, shown)


def _july(**kw):
    return make_workshop(starts_at=START.astimezone(dt.UTC), **kw)


# --- planning --------------------------------------------------------------------------


def test_create_stores_utc_and_defaults(app):
    factories.make_thematic_area(code="STUNTING")
    workshop = service.create_workshop(
        actor=None,
        now=START,
        title="  Workshop  ",
        starts_at=START,
        ends_at=START + dt.timedelta(hours=3),
        venue="Balai Kota",
    )
    db.session.commit()
    assert workshop.title == "Workshop"
    assert workshop.status is WorkshopStatus.PLANNED
    assert workshop.starts_at == dt.datetime(2023, 7, 26, 6, 0, tzinfo=dt.UTC)
    assert workshop.ical_uid.endswith("@tracker-inspektorat")
    entry = db.session.scalar(select(AuditLog).where(AuditLog.entity_type == "Workshop"))
    assert entry.action is AuditAction.CREATE


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": " "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"venue": ""}, "venue"),
        ({"ends_at": START}, "ends_at"),
        ({"ends_at": START - dt.timedelta(hours=1)}, "ends_at"),
        ({"ends_at": START + dt.timedelta(days=15)}, "ends_at"),
        ({"starts_at": None}, "starts_at"),
        ({"kind": "party"}, "kind"),
        ({"organiser_opd_id": 99999}, "organiser_opd_id"),
        ({"thematic_area_ids": [99999]}, "thematic_area_ids"),
    ],
)
def test_create_validation(app, change, field):
    values = {
        "title": "Workshop",
        "starts_at": START,
        "ends_at": START + dt.timedelta(hours=2),
        "venue": "Balai Kota",
        **change,
    }
    with pytest.raises(DomainError) as info:
        service.create_workshop(actor=None, now=START, **values)
    assert info.value.field == field


def test_inactive_organiser_or_area_refused(app):
    opd = factories.make_opd(active=False)
    area = factories.make_thematic_area(active=False)
    base = {"title": "W", "starts_at": START, "ends_at": START + dt.timedelta(hours=1)}
    with pytest.raises(DomainError, match="active OPD"):
        service.create_workshop(actor=None, now=START, venue="V", organiser_opd_id=opd.id, **base)
    with pytest.raises(DomainError, match="active thematic"):
        service.create_workshop(
            actor=None, now=START, venue="V", thematic_area_ids=[area.id], **base
        )


def test_default_organiser_is_the_inspektorat(app):
    assert service.default_organiser_id() is None
    city = make_city(1)
    assert service.default_organiser_id() == city.inspektorat.id


def _update(workshop, **kw):
    values = {
        "title": workshop.title,
        "starts_at": workshop.starts_at,
        "ends_at": workshop.ends_at,
        "venue": workshop.venue,
        "kind": workshop.kind,
        "theme": workshop.theme,
        "organiser_opd_id": workshop.organiser_opd_id,
        "description": workshop.description,
        "agenda": workshop.agenda,
        "thematic_area_ids": [a.id for a in workshop.thematic_areas],
        "status": workshop.status,
        "expected_version": workshop.version,
        **kw,
    }
    return service.update_workshop(workshop, actor=None, now=kw.pop("now", START), **values)


def test_update_conflict_lists_what_changed(app):
    workshop = _july()
    original = service.editable_values(workshop)
    workshop.venue = "Hotel Tugu"
    db.session.commit()
    with pytest.raises(ConflictError) as info:
        _update(workshop, venue="Balai Kota", expected_version=1, original=original)
    assert info.value.changes == {"venue": ("Ruang Sidang Balai Kota Malang", "Hotel Tugu")}


def test_update_thematic_areas_moves_the_version(app):
    workshop = _july()
    area = factories.make_thematic_area()
    changed = _update(workshop, thematic_area_ids=[area.id])
    db.session.commit()
    assert changed == {"thematic_area_ids": ([], [area.id])}
    assert workshop.version == 2


def test_update_status_rules(app):
    workshop = make_workshop(starts_at=START.astimezone(dt.UTC) + dt.timedelta(days=1))
    with pytest.raises(DomainError, match="not started"):
        _update(workshop, status=WorkshopStatus.HELD)
    db.session.rollback()
    with pytest.raises(DomainError, match="Cancel workshop"):
        _update(workshop, status=WorkshopStatus.CANCELLED)


def test_cancel_needs_a_reason_and_no_attendance(app):
    city = make_city(1)
    workshop = _july(invite=[city.wali_kota])
    with pytest.raises(DomainError) as info:
        service.cancel_workshop(workshop, actor=None, now=START, reason="  ")
    assert info.value.field == "reason"
    service.cancel_workshop(workshop, actor=None, now=START, reason="Ditunda.")
    db.session.commit()
    assert workshop.status is WorkshopStatus.CANCELLED
    assert workshop.cancel_reason == "Ditunda."
    with pytest.raises(DomainError, match="already been cancelled"):
        service.cancel_workshop(workshop, actor=None, now=START, reason="Lagi.")
    db.session.rollback()
    # A cancelled workshop refuses edits, invitations and attendance.
    with pytest.raises(DomainError, match="cancelled"):
        _update(workshop, venue="Lain")
    db.session.rollback()
    with pytest.raises(DomainError, match="cancelled"):
        service.invite(workshop, actor=None, now=START, person_ids=[city.wawali.id])
    db.session.rollback()
    inv = workshop.invitations[0]
    with pytest.raises(service.AttendanceRejected):
        service.record_attendance(workshop, [_row(inv, status="hadir")], actor=None, now=START)

    held = _july(invite=[city.wawali])
    held.invitations[0].status = AttendanceStatus.HADIR
    db.session.commit()
    with pytest.raises(DomainError, match="Attendance has been recorded"):
        service.cancel_workshop(held, actor=None, now=START, reason="Ditunda.")


# --- invitations -----------------------------------------------------------------------


def test_presets_pick_leaders_heads_and_secretaries(app):
    city = make_city(2)
    closed = factories.make_opd(active=False)
    factories.make_person(closed, hierarchy_role=HierarchyRole.KEPALA_OPD)
    factories.make_person(city.opds[0], hierarchy_role=HierarchyRole.KEPALA_OPD, active=False)

    def ids(**kw):
        return [p.id for p in service.people_to_invite(**kw)]

    assert ids(presets=["leaders"]) == [p.id for p in city.leaders]
    # Heads: the Sekda (Setda) and the Inspektur (Inspektorat), then every kepala, in
    # protocol order; inactive officials and OPDs are left out.
    assert ids(presets=["heads"]) == [city.sekda.id, city.inspektur.id] + [p.id for p in city.heads]
    assert ids(presets=["secretaries"]) == [p.id for p in city.secretaries]
    assert ids(opd_ids=[city.opds[1].id]) == [city.heads[1].id, city.secretaries[2].id]
    assert ids(presets=["leaders", "heads"]) == [p.id for p in [*city.leaders, *city.heads]]


def test_invite_skips_those_already_invited(app):
    city = make_city(2)
    workshop = _july()
    first = service.invite(workshop, actor=None, now=START, presets=["leaders"])
    db.session.commit()
    assert len(first.added) == 4
    again = service.invite(
        workshop, actor=None, now=START, presets=["heads"], person_ids=[city.wali_kota.id]
    )
    db.session.commit()
    # Sekda, Inspektur and the Wali Kota were already there; the two kepala are new.
    assert (len(again.added), again.already) == (2, 3)
    assert len(workshop.invitations) == 6


def test_invite_refuses_nothing_and_unknown_people(app):
    workshop = _july()
    with pytest.raises(DomainError, match="Choose at least one"):
        service.invite(workshop, actor=None, now=START)
    gone = factories.make_person(active=False)
    with pytest.raises(DomainError) as info:
        service.invite(workshop, actor=None, now=START, person_ids=[gone.id])
    assert info.value.field == "person_ids"


def test_uninvite_only_while_not_recorded(app):
    city = make_city(1)
    workshop = _july(invite=[city.wali_kota, city.wawali])
    first, second = sorted(workshop.invitations, key=lambda i: i.id)
    second.status = AttendanceStatus.IZIN
    db.session.commit()
    service.uninvite(workshop, first, actor=None)
    db.session.commit()
    with pytest.raises(DomainError, match="has been recorded"):
        service.uninvite(workshop, second, actor=None)
    other = _july()
    with pytest.raises(DomainError, match="another workshop"):
        service.uninvite(other, second, actor=None)


# --- check-in window and self check-in -------------------------------------------------


def test_checkin_window_uses_the_configured_margin(app):
    workshop = _july()
    opens, closes = service.checkin_window(workshop)
    assert opens == START - dt.timedelta(minutes=60)
    assert closes == START + dt.timedelta(hours=3, minutes=60)
    app.config["CHECKIN_MARGIN_MINUTES"] = 15
    opens, closes = service.checkin_window(workshop)
    assert (opens, closes) == (START - dt.timedelta(minutes=15), START + dt.timedelta(minutes=195))
    app.config["CHECKIN_MARGIN_MINUTES"] = "nonsense"
    assert service.checkin_margin() == dt.timedelta(minutes=60)


@pytest.mark.parametrize(
    ("offset_minutes", "allowed"),
    [
        (-61, False),  # more than the margin before the start
        (-60, True),  # the window opens an hour before
        (0, True),
        (240, True),  # the end (16.00) plus the margin
        (241, False),
    ],
)
def test_self_check_in_only_within_the_window(app, offset_minutes, allowed):
    city = make_city(1)
    user = link(factories.make_user(Role.OPD, opd=city.opds[0]), city.heads[0])
    workshop = _july(invite=[city.heads[0]])
    now = START + dt.timedelta(minutes=offset_minutes)
    if allowed:
        result = service.self_check_in(workshop, user, now=now)
        db.session.commit()
        assert result.changed
        assert result.invitation.status is AttendanceStatus.HADIR
        assert result.invitation.checked_in_at == now
        assert result.invitation.self_checked_in
        assert workshop.status is WorkshopStatus.HELD
    else:
        with pytest.raises(DomainError, match=r"Check-in (opens|closed)"):
            service.self_check_in(workshop, user, now=now)


def test_second_check_in_changes_nothing(app):
    city = make_city(1)
    user = link(factories.make_user(Role.PIMPINAN), city.wali_kota)
    workshop = _july(invite=[city.wali_kota])
    first = service.self_check_in(workshop, user, now=START)
    db.session.commit()
    version = first.invitation.version
    second = service.self_check_in(workshop, user, now=START + dt.timedelta(minutes=20))
    db.session.commit()
    assert not second.changed
    assert second.invitation.checked_in_at == START
    assert second.invitation.version == version


def test_check_in_after_an_excuse_replaces_it(app):
    city = make_city(1)
    user = link(factories.make_user(Role.PIMPINAN), city.wawali)
    workshop = _july(invite=[city.wawali])
    inv = workshop.invitations[0]
    inv.status, inv.excuse_reason = AttendanceStatus.IZIN, "Rapat lain"
    db.session.commit()
    result = service.self_check_in(workshop, user, now=START)
    assert (result.invitation.status, result.invitation.excuse_reason) == (
        AttendanceStatus.HADIR,
        None,
    )


def test_non_invitees_are_refused(app):
    city = make_city(1)
    workshop = _july(invite=[city.wali_kota])
    stranger = link(factories.make_user(Role.PIMPINAN), city.wawali)
    unlinked = factories.make_user(Role.INSPEKTORAT)
    with pytest.raises(NotAllowed, match="not on the invitation list"):
        service.self_check_in(workshop, stranger, now=START)
    with pytest.raises(NotAllowed, match="not linked to an official"):
        service.self_check_in(workshop, unlinked, now=START)
    cancelled = _july(invite=[city.wawali], status=WorkshopStatus.CANCELLED)
    with pytest.raises(DomainError, match="cancelled"):
        service.self_check_in(cancelled, stranger, now=START)


# --- recording attendance --------------------------------------------------------------


def test_record_each_status_with_its_details(app):
    city = make_city(2)
    workshop = _july(invite=city.everyone)
    inv = {i.person_id: i for i in workshop.invitations}
    now = START + dt.timedelta(minutes=30)
    rows = [
        _row(inv[city.wali_kota.id], status="hadir", checked_in_time="12:45"),
        _row(inv[city.wawali.id], status="hadir"),
        _row(
            inv[city.heads[0].id],
            status="diwakili",
            representative_person_id=str(city.secretaries[1].id),
        ),
        _row(
            inv[city.heads[1].id],
            status="diwakili",
            representative_name="Budi Santoso",
            representative_position="Kepala Bidang Pelayanan",
            checked_in_time="13.10",
        ),
        _row(inv[city.sekda.id], status="izin", excuse_reason="Dinas luar kota"),
        _row(inv[city.inspektur.id], status="tidak_hadir", excuse_reason="ignored"),
    ]
    saved = service.record_attendance(workshop, rows, actor=None, now=now)
    db.session.commit()
    assert (saved.changed, saved.held_now) == (6, True)
    assert workshop.status is WorkshopStatus.HELD
    wk = inv[city.wali_kota.id]
    assert (wk.status, wk.checked_in_at) == (
        AttendanceStatus.HADIR,
        dt.datetime(2023, 7, 26, 12, 45, tzinfo=WIB),
    )
    assert inv[city.wawali.id].checked_in_at == now  # no time given: now, within the window
    assert inv[city.heads[0].id].representative_person_id == city.secretaries[1].id
    typed = inv[city.heads[1].id]
    assert (typed.representative_name, typed.representative_position) == (
        "Budi Santoso",
        "Kepala Bidang Pelayanan",
    )
    assert typed.checked_in_at == dt.datetime(2023, 7, 26, 13, 10, tzinfo=WIB)
    assert inv[city.sekda.id].excuse_reason == "Dinas luar kota"
    absent = inv[city.inspektur.id]
    assert (absent.status, absent.excuse_reason, absent.checked_in_at) == (
        AttendanceStatus.TIDAK_HADIR,
        None,
        None,
    )


def _errors(workshop, rows, now):
    with pytest.raises(service.AttendanceRejected) as info:
        service.record_attendance(workshop, rows, actor=None, now=now)
    db.session.rollback()
    return info.value


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"status": "diwakili"}, "Name the representative"),
        ({"status": "diwakili", "representative_name": "Budi"}, "position"),
        ({"status": "diwakili", "representative_position": "Kabid"}, "name"),
        ({"status": "diwakili", "representative_person_id": "999999"}, "from the list"),
        ({"status": "diwakili", "representative_person_id": "abc"}, "from the list"),
        ({"status": "izin"}, "reason"),
        ({"status": "izin", "excuse_reason": "x" * 1001}, "1000"),
        ({"status": "hadir", "checked_in_time": "25:99"}, "HH:MM"),
        ({"status": "hadir", "checked_in_time": "06:00"}, "between 12:00 WIB and 17:00 WIB"),
        ({"status": "hadir", "checked_in_time": "13:45"}, "in the future"),
        ({"status": "bolos"}, "valid attendance status"),
    ],
)
def test_row_validation(app, values, message):
    city = make_city(1)
    workshop = _july(invite=[city.wali_kota, city.wawali])
    target, other = sorted(workshop.invitations, key=lambda i: i.person_id)
    rows = [_row(target, **values), _row(other, status="hadir")]
    rejected = service.record_attendance(
        workshop, rows, actor=None, now=START + dt.timedelta(minutes=30)
    )
    db.session.commit()
    assert list(rejected.errors) == [target.id]
    assert message in " ".join(m for _f, m in rejected.errors[target.id])
    assert not rejected.conflict
    # Row by row: the valid row was saved, the invalid one not.
    assert rejected.saved_ids == [other.id]
    db.session.expire_all()
    assert (target.status, other.status) == (AttendanceStatus.INVITED, AttendanceStatus.HADIR)


def test_representative_rules(app):
    city = make_city(1)
    workshop = _july(invite=[city.heads[0]])
    inv = workshop.invitations[0]
    now = START
    own = _row(inv, status="diwakili", representative_person_id=str(city.heads[0].id))
    assert "themselves" in str(_errors(workshop, [own], now).errors)
    both = _row(
        inv,
        status="diwakili",
        representative_person_id=str(city.secretaries[1].id),
        representative_name="Budi",
        representative_position="Kabid",
    )
    assert "not both" in str(_errors(workshop, [both], now).errors)


def test_before_the_window_only_excuses(app):
    city = make_city(1)
    workshop = _july(invite=[city.wali_kota, city.wawali])
    a, b = sorted(workshop.invitations, key=lambda i: i.person_id)
    early = START - dt.timedelta(days=2)
    rejected = _errors(workshop, [_row(a, status="hadir")], early)
    assert "only 'Excused'" in str(rejected.errors)
    service.record_attendance(
        workshop, [_row(b, status="izin", excuse_reason="Cuti")], actor=None, now=early
    )
    db.session.commit()
    assert b.status is AttendanceStatus.IZIN
    assert workshop.status is WorkshopStatus.PLANNED


def test_untouched_rows_are_not_written(app):
    city = make_city(1)
    workshop = _july(invite=[city.wali_kota, city.wawali])
    a, b = sorted(workshop.invitations, key=lambda i: i.person_id)
    rows = [_row(a, status="hadir"), _row(b)]
    # Someone else marks b meanwhile; this screen did not touch b: no conflict.
    b.status = AttendanceStatus.IZIN
    b.excuse_reason = "Sakit"
    db.session.commit()
    saved = service.record_attendance(workshop, rows, actor=None, now=START)
    db.session.commit()
    assert saved.changed == 1
    assert (a.status, b.status) == (AttendanceStatus.HADIR, AttendanceStatus.IZIN)


def test_concurrent_change_of_the_same_row_is_a_conflict(app):
    city = make_city(1)
    workshop = _july(invite=[city.wali_kota, city.wawali])
    a, b = sorted(workshop.invitations, key=lambda i: i.person_id)
    rows = [_row(a, status="hadir"), _row(b, status="tidak_hadir")]
    # The other door marks b present meanwhile.
    b.status, b.checked_in_at = AttendanceStatus.HADIR, START
    db.session.commit()
    rejected = _errors(workshop, rows[1:], START + dt.timedelta(minutes=5))
    assert rejected.conflict
    assert list(rejected.conflicts) == [b.id]
    assert "now Present, 13:00 WIB" in rejected.conflicts[b.id]
    db.session.expire_all()
    assert b.status is AttendanceStatus.HADIR  # not overwritten

    # Both doors chose the same: not a conflict, nothing to write for that row.
    same = [
        _row(a, status="hadir"),
        service.AttendanceRow(
            b.id, 1, {"status": "hadir", "checked_in_time": "13:00"}, {"status": "invited"}
        ),
    ]
    saved = service.record_attendance(workshop, same, actor=None, now=START)
    assert saved.changed == 1


def test_removed_meanwhile_is_a_conflict(app):
    city = make_city(1)
    workshop = _july(invite=[city.wali_kota])
    inv = workshop.invitations[0]
    row = _row(inv, status="hadir")
    db.session.delete(inv)
    db.session.commit()
    rejected = _errors(workshop, [row], START)
    assert rejected.conflict
    assert "removed from the invitation list" in rejected.form_errors[0]


def test_stale_row_without_original_counts_as_changed(app):
    city = make_city(1)
    workshop = _july(invite=[city.wali_kota])
    inv = workshop.invitations[0]
    forged = service.AttendanceRow(inv.id, 99, {"status": "invited"}, None)
    inv.status = AttendanceStatus.HADIR
    db.session.commit()
    rejected = _errors(workshop, [forged], START)
    assert list(rejected.conflicts) == [inv.id]


def test_changing_status_keeps_or_clears_the_check_in(app):
    city = make_city(1)
    workshop = _july(invite=[city.wali_kota])
    inv = workshop.invitations[0]
    inv.status, inv.checked_in_at, inv.self_checked_in = AttendanceStatus.HADIR, START, True
    db.session.commit()
    late = START + dt.timedelta(hours=5)  # after the window
    rep = {"representative_name": "A", "representative_position": "B"}
    service.record_attendance(workshop, [_row(inv, status="diwakili", **rep)], actor=None, now=late)
    db.session.commit()
    assert inv.checked_in_at == START  # the time shown was kept
    assert not inv.self_checked_in  # recorded by the officer now
    service.record_attendance(
        workshop, [_row(inv, status="diwakili", checked_in_time="")], actor=None, now=late
    )
    db.session.commit()
    assert inv.checked_in_at is None  # cleared; after the window "now" is not used
    service.record_attendance(workshop, [_row(inv, status="invited")], actor=None, now=START)
    db.session.commit()
    assert (inv.status, inv.representative_name) == (AttendanceStatus.INVITED, None)


# --- summary and order -----------------------------------------------------------------


def test_protocol_order_and_summary(app):
    city = make_city(3)
    people = list(reversed(city.everyone))
    workshop = _july(invite=people)
    invitations = service.load_invitations(workshop)
    assert [i.person_id for i in invitations] == [p.id for p in city.everyone]

    marks = {
        city.wali_kota.id: AttendanceStatus.HADIR,
        city.wawali.id: AttendanceStatus.DIWAKILI,
        city.sekda.id: AttendanceStatus.HADIR,
        city.inspektur.id: AttendanceStatus.IZIN,
        city.heads[0].id: AttendanceStatus.HADIR,
        city.secretaries[1].id: AttendanceStatus.HADIR,  # secretary of DINAS0
        city.heads[1].id: AttendanceStatus.TIDAK_HADIR,
        city.secretaries[2].id: AttendanceStatus.IZIN,  # DINAS1: nobody there
    }
    for inv in invitations:
        inv.status = marks.get(inv.person_id, AttendanceStatus.INVITED)
    summary = service.attendance_summary(invitations)
    overall = summary.overall
    assert overall.invited == 11
    assert overall.attended == 5
    assert overall.rate == pytest.approx(5 / 11)
    assert overall.percent == 45
    assert overall.count("izin") == 2
    assert [i.person_id for i in summary.leaders] == [p.id for p in city.leaders]
    assert summary.all_leaders_present is False
    assert (summary.leaders_in_person, summary.leaders_attended) == (2, 3)
    roles = dict(summary.by_role)
    assert [r for r, _t in summary.by_role] == [
        HierarchyRole.WALI_KOTA,
        HierarchyRole.WAWALI,
        HierarchyRole.SEKDA,
        HierarchyRole.INSPEKTUR,
        HierarchyRole.KEPALA_OPD,
        HierarchyRole.SEKRETARIS_OPD,
    ]
    assert (roles[HierarchyRole.KEPALA_OPD].invited, roles[HierarchyRole.KEPALA_OPD].attended) == (
        3,
        1,
    )
    assert [opd.code if opd else None for opd, _t in summary.by_opd] == [
        None,
        city.setda.code,
        city.inspektorat.code,
        *[o.code for o in city.opds],
    ]
    # Nobody of the Inspektorat (Inspektur excused, secretary not recorded), DINAS1, DINAS2.
    assert [o.code for o in summary.opds_without_attendance] == [
        city.inspektorat.code,
        city.opds[1].code,
        city.opds[2].code,
    ]


def test_summary_before_any_attendance(app):
    city = make_city(1)
    workshop = _july(invite=city.everyone)
    summary = service.attendance_summary(service.load_invitations(workshop))
    assert not summary.recorded
    assert summary.opds_without_attendance == []
    assert summary.overall.rate == 0
    assert service.attendance_summary([]).overall.rate is None
    assert service.attendance_summary([]).all_leaders_present is None


# --- iCalendar -------------------------------------------------------------------------


def test_ics_round_trip(app):
    city = make_city(1)
    workshop = _july(
        organiser=city.inspektorat, agenda="13.00 Pembukaan", theme="Reformasi birokrasi"
    )
    data = service.workshop_ics(
        workshop,
        now=START,
        url="https://tracker.example/workshops/1",
        method="REQUEST",
        attendee=city.wali_kota,
    )
    calendar = Calendar.from_ical(data)
    assert str(calendar["method"]) == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == START
    assert event.decoded("dtend") == START + dt.timedelta(hours=3)
    assert str(event["summary"]) == workshop.title
    assert str(event["location"]) == workshop.venue
    assert str(event["uid"]) == workshop.ical_uid
    assert "13.00 Pembukaan" in str(event["description"])
    assert str(event["attendee"]) == f"mailto:{city.wali_kota.email}"
    assert event["attendee"].params["CN"] == city.wali_kota.name
    assert str(event["organizer"]).startswith("mailto:inspektorat@")
    assert str(event["status"]) == "CONFIRMED"

    workshop.status = WorkshopStatus.CANCELLED
    workshop.ical_sequence = 1  # raised by the cancellation
    db.session.commit()
    cancelled = Calendar.from_ical(service.workshop_ics(workshop, method="REQUEST"))
    assert str(cancelled["method"]) == "CANCEL"
    (event,) = cancelled.walk("VEVENT")
    assert str(event["status"]) == "CANCELLED"
    assert int(event["sequence"]) == 1
