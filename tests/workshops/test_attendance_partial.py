"""The attendance screen saves every valid row and reports the others row by row: a row
marked present before the check-in window no longer stops a valid excuse."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from tests.workshops.factories_workshops import make_city, make_workshop, statuses
from tests.workshops.helpers import form_pairs, with_values
from tracker.extensions import db
from tracker.models import AttendanceStatus, AuditAction, AuditLog, Invitation, WorkshopStatus
from tracker.models.base import utcnow
from tracker.services import workshops as service

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")


def _html(response) -> str:
    return response.get_data(as_text=True)


def _form(client, workshop) -> list[tuple[str, str]]:
    response = client.get(f"/workshops/{workshop.id}/attendance")
    assert response.status_code == 200
    return form_pairs(_html(response), "attendance-form")


def _rows_by_person(html: str) -> dict[str, str]:
    """Each row's HTML, by the invitee's name."""
    parts = html.split('data-testid="attendance-row"')[1:]
    rows = {}
    for part in parts:
        name = part.split('data-person="', 1)[1].split('"', 1)[0]
        rows[name] = part.split("</li>", 1)[0]
    return rows


def test_early_present_does_not_stop_a_valid_excuse(client, login_as):
    city = make_city(1)
    workshop = make_workshop(invite=city.leaders)  # a week ahead: the window is not open
    inv = {i.person_id: i.id for i in workshop.invitations}
    w, ww = inv[city.wali_kota.id], inv[city.wawali.id]
    login_as("inspektorat")
    data = with_values(
        _form(client, workshop),
        **{
            f"status__{w}": "hadir",
            f"status__{ww}": "izin",
            f"excuse_reason__{ww}": "Kunjungan kerja ke Jakarta",
        },
    )
    response = client.post(f"/workshops/{workshop.id}/attendance", data=MultiDict(data))
    html = _html(response)
    assert response.status_code == 200
    assert "1 of 2 changed rows were saved" in html
    result = statuses(workshop)
    assert result[city.wawali.id] is AttendanceStatus.IZIN
    assert result[city.wali_kota.id] is AttendanceStatus.INVITED
    rows = _rows_by_person(html)
    assert 'data-testid="row-saved"' in rows[city.wawali.name]
    assert 'data-testid="row-not-saved"' in rows[city.wali_kota.name]
    assert "only &#39;Excused&#39; can be recorded" in rows[city.wali_kota.name]
    assert 'data-testid="row-saved"' not in rows[city.sekda.name]
    # The refused row keeps what the user chose; the saved one shows what is stored.
    again = dict(form_pairs(html, "attendance-form"))
    assert again[f"status-{w}"] == "hadir"
    assert again[f"excuse_reason-{ww}"] == "Kunjungan kerja ke Jakarta"
    assert _reload_workshop_status(workshop) is WorkshopStatus.PLANNED


def _reload_workshop_status(workshop):
    db.session.expire_all()
    return workshop.status


def test_all_valid_rows_saved_redirects_with_a_flash(client, login_as):
    city = make_city(1)
    workshop = make_workshop(invite=city.leaders)
    inv = {i.person_id: i.id for i in workshop.invitations}
    login_as("inspektorat")
    data = with_values(
        _form(client, workshop),
        **{f"status__{inv[city.sekda.id]}": "izin", f"excuse_reason__{inv[city.sekda.id]}": "Cuti"},
    )
    response = client.post(f"/workshops/{workshop.id}/attendance", data=MultiDict(data))
    assert response.status_code == 302
    page = _html(client.get(response.headers["Location"]))
    assert "Attendance saved: 1 invitee updated." in page


def test_nothing_valid_is_refused_whole(client, login_as):
    city = make_city(1)
    workshop = make_workshop(invite=city.leaders)
    inv = {i.person_id: i.id for i in workshop.invitations}
    login_as("inspektorat")
    data = with_values(_form(client, workshop), **{f"status__{inv[city.wali_kota.id]}": "hadir"})
    response = client.post(f"/workshops/{workshop.id}/attendance", data=MultiDict(data))
    assert response.status_code == 400
    assert "Nothing was saved." in _html(response)
    assert 'data-testid="row-saved"' not in _html(response)


def test_a_conflict_is_reported_and_not_overwritten(app, client, login_as):
    city = make_city(1)
    workshop = make_workshop(starts_at=utcnow() - dt.timedelta(minutes=30), invite=city.leaders)
    inv = {i.person_id: i.id for i in workshop.invitations}
    w, s, i = inv[city.wali_kota.id], inv[city.sekda.id], inv[city.inspektur.id]
    login_as("inspektorat")
    stale = _form(client, workshop)
    # Another door marks the Wali Kota absent meanwhile.
    other = db.session.get(Invitation, w)
    other.status = AttendanceStatus.TIDAK_HADIR
    db.session.commit()
    data = with_values(
        stale,
        **{
            f"status__{w}": "hadir",  # conflict
            f"status__{s}": "diwakili",  # invalid: no representative
            f"status__{i}": "hadir",  # valid
        },
    )
    response = client.post(f"/workshops/{workshop.id}/attendance", data=MultiDict(data))
    html = _html(response)
    assert response.status_code == 200
    assert "1 of 3 changed rows were saved" in html
    rows = _rows_by_person(html)
    assert 'data-testid="row-conflict"' in rows[city.wali_kota.name]
    assert 'data-testid="row-error"' in rows[city.sekda.name]
    assert 'data-testid="row-saved"' in rows[city.inspektur.name]
    result = statuses(workshop)
    assert result[city.wali_kota.id] is AttendanceStatus.TIDAK_HADIR
    assert result[city.sekda.id] is AttendanceStatus.INVITED
    assert result[city.inspektur.id] is AttendanceStatus.HADIR
    assert _reload_workshop_status(workshop) is WorkshopStatus.HELD


def test_each_row_whole_with_its_own_version(app):
    """Service level: per row all or nothing, versions kept, the audit log only for rows
    saved."""
    city = make_city(1)
    start = dt.datetime(2023, 7, 26, 6, 0, tzinfo=dt.UTC)
    workshop = make_workshop(starts_at=start, invite=city.leaders)
    by_person = {i.person_id: i for i in workshop.invitations}
    a, b = by_person[city.wali_kota.id], by_person[city.wawali.id]

    def row(inv, **values):
        shown = service.row_values(inv)
        return service.AttendanceRow(inv.id, inv.version, {**shown, **values}, shown)

    rows = [
        # Represented, with a valid name but a check-in time out of the window: the whole
        # row is refused (the representative is not half saved).
        row(
            a,
            status="diwakili",
            representative_name="Budi",
            representative_position="Kabag",
            checked_in_time="03:00",
        ),
        row(b, status="izin", excuse_reason="Sakit"),
    ]
    versions = (a.version, b.version)
    result = service.record_attendance(
        workshop, rows, actor=None, now=start + dt.timedelta(minutes=10)
    )
    db.session.commit()
    assert result.partial and result.changed == 1 and result.refused == 1
    assert list(result.errors) == [a.id]
    db.session.expire_all()
    assert (a.status, a.representative_name, a.version) == (
        AttendanceStatus.INVITED,
        None,
        versions[0],
    )
    assert (b.status, b.version) == (AttendanceStatus.IZIN, versions[1] + 1)
    logged = set(
        db.session.scalars(
            select(AuditLog.entity_id).where(
                AuditLog.entity_type == "Invitation", AuditLog.action == AuditAction.UPDATE
            )
        )
    )
    assert logged == {b.id}


def test_a_row_saved_elsewhere_at_the_same_moment_is_reported(app):
    """The row passed the version check, but another writer saved it before this flush:
    that row is reported and left as the other writer saved it, the others are kept."""
    city = make_city(1)
    start = dt.datetime(2023, 7, 26, 6, 0, tzinfo=dt.UTC)
    workshop = make_workshop(starts_at=start, invite=city.leaders)
    by_person = {i.person_id: i for i in workshop.invitations}
    a, b = by_person[city.wali_kota.id], by_person[city.wawali.id]
    shown = {inv.id: service.row_values(inv) for inv in (a, b)}
    rows = [
        service.AttendanceRow(a.id, a.version, {**shown[a.id], "status": "hadir"}, shown[a.id]),
        service.AttendanceRow(b.id, b.version, {**shown[b.id], "status": "hadir"}, shown[b.id]),
    ]
    # Another writer, on its own connection, saves the Wali Kota's row now.
    with db.engine.connect() as other:
        other.execute(
            Invitation.__table__.update()
            .where(Invitation.id == a.id)
            .values(status=AttendanceStatus.IZIN, version=a.version + 1)
        )
        other.commit()
    result = service.record_attendance(
        workshop, rows, actor=None, now=start + dt.timedelta(minutes=5)
    )
    db.session.commit()
    assert result.saved_ids == [b.id]
    assert list(result.conflicts) == [a.id]
    assert "at the same moment" in result.conflicts[a.id]
    result_statuses = statuses(workshop)
    assert result_statuses[city.wali_kota.id] is AttendanceStatus.IZIN
    assert result_statuses[city.wawali.id] is AttendanceStatus.HADIR
    logged = set(
        db.session.scalars(
            select(AuditLog.entity_id).where(
                AuditLog.entity_type == "Invitation", AuditLog.action == AuditAction.UPDATE
            )
        )
    )
    assert logged == {b.id}


def test_the_wakil_wali_kota_is_never_represented_by_the_wali_kota(client, login_as):
    city = make_city(1)
    workshop = make_workshop(starts_at=utcnow() - dt.timedelta(minutes=30), invite=city.leaders)
    inv = {i.person_id: i.id for i in workshop.invitations}
    ww = inv[city.wawali.id]
    login_as("inspektorat")
    rows = _rows_by_person(_html(client.get(f"/workshops/{workshop.id}/attendance")))
    wawali_row = rows[city.wawali.name]
    assert f'<option value="{city.wali_kota.id}"' not in wawali_row
    assert f'<option value="{city.wawali.id}"' in rows[city.wali_kota.name]
    data = with_values(
        _form(client, workshop),
        **{
            f"status__{ww}": "diwakili",
            f"representative_person_id__{ww}": str(city.wali_kota.id),
        },
    )
    response = client.post(f"/workshops/{workshop.id}/attendance", data=MultiDict(data))
    assert "must be below the invitee in protocol order" in _html(response)
    assert statuses(workshop)[city.wawali.id] is AttendanceStatus.INVITED
