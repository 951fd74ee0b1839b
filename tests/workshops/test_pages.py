"""The workshop pages through HTTP: plan, edit, cancel, list, invite (with e-mails),
mark attendance (with conflicts), self check-in, QR code, calendar and the sheets."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from icalendar import Calendar
from openpyxl import load_workbook
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from tests import factories
from tests.admin.factories_admin import form_data
from tests.workshops.factories_workshops import (
    link,
    make_city,
    make_now_workshop,
    make_workshop,
    statuses,
)
from tests.workshops.helpers import form_pairs, pdf_text, with_values
from tracker.blueprints.workshops.documents import SHEET_COLUMNS, qr_svg
from tracker.extensions import db
from tracker.i18n import WIB
from tracker.links import base_url
from tracker.models import (
    AttendanceStatus,
    AuditAction,
    AuditLog,
    Invitation,
    Role,
    Workshop,
    WorkshopStatus,
)
from tracker.models.base import utcnow

# The messages asserted below are the English msgids.
pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")


def _html(response) -> str:
    return response.get_data(as_text=True)


def _reload(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


# --- plan, edit, cancel ----------------------------------------------------------------------


def test_plan_a_workshop_in_wib(client, login_as):
    city = make_city(1)
    area = factories.make_thematic_area(code="STUNTING", name="Percepatan Penurunan Stunting")
    login_as("inspektorat")
    page = _html(client.get("/workshops/new"))
    # The organiser defaults to the Inspektorat.
    selected = re.search(
        r"<option ([^>]*)selected([^>]*)>", page.split('name="organiser_opd_id"')[1]
    )
    assert selected and f'value="{city.inspektorat.id}"' in selected.group(0)
    response = client.post(
        "/workshops/new",
        data={
            "title": "Workshop Penguatan Kapasitas Perangkat Daerah",
            "theme": "Reformasi birokrasi",
            "kind": "workshop",
            "starts_at": "2030-07-24T13:00",
            "ends_at": "2030-07-24T16:00",
            "venue": "Balai Kota Malang",
            "organiser_opd_id": str(city.inspektorat.id),
            "thematic_area_ids": [str(area.id)],
            "agenda": "13.00 Pembukaan\n14.00 Paparan",
        },
    )
    assert response.status_code == 302
    workshop = db.session.scalar(select(Workshop))
    assert response.headers["Location"].endswith(f"/workshops/{workshop.id}")
    assert workshop.starts_at == dt.datetime(2030, 7, 24, 6, 0, tzinfo=dt.UTC)
    assert [a.id for a in workshop.thematic_areas] == [area.id]
    detail = _html(client.get(f"/workshops/{workshop.id}"))
    assert "Wednesday, 24 July 2030, 13:00–16:00 WIB" in detail
    assert "Percepatan Penurunan Stunting" in detail
    assert "has been planned" in detail


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": ""}, "This field is required"),
        ({"ends_at": "2030-07-24T12:00"}, "The end must be after the start."),
        ({"starts_at": "24/07/2030"}, "Not a valid datetime value"),
        ({"ends_at": "2030-08-24T12:00"}, "at most 14 days"),
        ({"kind": "party"}, "Not a valid choice"),
        ({"organiser_opd_id": "abc"}, "Invalid Choice"),
        ({"thematic_area_ids": "99999"}, "not a valid choice"),
    ],
)
def test_plan_validation(client, login_as, change, message):
    login_as("admin")
    data = {
        "title": "Workshop",
        "kind": "workshop",
        "starts_at": "2030-07-24T13:00",
        "ends_at": "2030-07-24T16:00",
        "venue": "Balai Kota",
        "organiser_opd_id": "",
        **change,
    }
    response = client.post("/workshops/new", data=data)
    assert response.status_code == 400
    assert message.lower() in _html(response).lower()
    assert db.session.scalar(select(Workshop)) is None


def test_edit_with_conflict(client, login_as):
    workshop = make_workshop(starts_at=dt.datetime(2030, 1, 10, 2, 0, tzinfo=dt.UTC))
    login_as("inspektorat")
    page = _html(client.get(f"/workshops/{workshop.id}/edit"))
    data = form_data(page)
    assert data["starts_at"] == "2030-01-10T09:00"  # shown in WIB
    assert data["version"] == "1"

    workshop.venue = "Hotel Tugu Malang"  # someone else, meanwhile
    db.session.commit()

    data.update(venue="Ruang Rapat Inspektorat", ends_at="2030-01-10T13:00")
    response = client.post(f"/workshops/{workshop.id}/edit", data=data)
    html = _html(response)
    assert response.status_code == 409
    assert 'data-testid="conflict"' in html
    assert "Hotel Tugu Malang" in html
    assert _reload(Workshop, workshop.id).venue == "Hotel Tugu Malang"

    again = form_data(html)
    assert again["version"] == "2"
    assert client.post(f"/workshops/{workshop.id}/edit", data=again).status_code == 302
    saved = _reload(Workshop, workshop.id)
    assert saved.venue == "Ruang Rapat Inspektorat"
    assert saved.ends_at == dt.datetime(2030, 1, 10, 6, 0, tzinfo=dt.UTC)


def test_cancel_needs_a_reason(client, login_as):
    workshop = make_workshop()
    login_as("inspektorat")
    response = client.post(f"/workshops/{workshop.id}/cancel", data={"reason": " "})
    assert response.status_code == 400
    assert "This field is required" in _html(response)
    assert _reload(Workshop, workshop.id).status is WorkshopStatus.PLANNED

    response = client.post(f"/workshops/{workshop.id}/cancel", data={"reason": "Bentrok jadwal."})
    assert response.status_code == 302
    assert _reload(Workshop, workshop.id).status is WorkshopStatus.CANCELLED
    html = _html(client.get(f"/workshops/{workshop.id}"))
    assert "Bentrok jadwal." in html
    assert 'data-testid="attendance-link"' not in html
    # A cancelled workshop cannot be edited or invited to any more.
    assert client.get(f"/workshops/{workshop.id}/edit").status_code == 302
    assert client.get(f"/workshops/{workshop.id}/invite").status_code == 302


# --- list ----------------------------------------------------------------------------------------


def test_list_filters_and_search(client, login_as):
    now = utcnow()
    make_workshop(title="Rapat Mendatang", starts_at=now + dt.timedelta(days=3))
    make_workshop(title="Workshop Lalu", starts_at=now - dt.timedelta(days=30))
    make_workshop(
        title="Sosialisasi Batal",
        starts_at=now + dt.timedelta(days=5),
        status=WorkshopStatus.CANCELLED,
    )
    login_as("pimpinan")

    def titles(url: str) -> list[str]:
        html = _html(client.get(url)).split('data-testid="workshop-cards"')[0]  # the table
        return re.findall(r'<a class="fw-semibold" href="/workshops/\d+">([^<]+)</a>', html)

    assert titles("/workshops/") == ["Sosialisasi Batal", "Rapat Mendatang", "Workshop Lalu"]
    assert titles("/workshops/?when=upcoming") == ["Rapat Mendatang", "Sosialisasi Batal"]
    assert titles("/workshops/?when=past") == ["Workshop Lalu"]
    assert titles("/workshops/?q=lalu") == ["Workshop Lalu"]
    assert titles("/workshops/?status=cancelled") == ["Sosialisasi Batal"]
    assert titles("/workshops/?when=bogus&status=bogus&sort=bogus&page=x") == titles("/workshops/")
    assert titles("/workshops/?sort=title&dir=asc") == [
        "Rapat Mendatang",
        "Sosialisasi Batal",
        "Workshop Lalu",
    ]
    assert 'data-testid="empty-state"' in _html(client.get("/workshops/?q=tidak-ada"))


def test_opd_users_see_only_workshops_of_their_opd(client, login):
    city = make_city(2)
    own, other = city.opds
    user = link(factories.make_user(Role.OPD, opd=own), city.secretaries[1])
    mine = make_workshop(title="Undangan Sekretaris", invite=[city.secretaries[1]])
    colleague = make_workshop(title="Undangan Kepala", invite=[city.heads[0], city.heads[1]])
    foreign = make_workshop(title="Undangan Lain", invite=[city.heads[1]])
    login(user)
    html = _html(client.get("/workshops/"))
    assert "Undangan Sekretaris" in html
    assert "Undangan Kepala" in html
    assert "Undangan Lain" not in html
    assert client.get(f"/workshops/{foreign.id}").status_code == 404
    assert client.get(f"/workshops/{foreign.id}/calendar.ics").status_code == 404
    # On a workshop of the OPD, only the OPD's own invitees are listed, without a summary.
    detail = _html(client.get(f"/workshops/{colleague.id}"))
    assert city.heads[0].name in detail
    assert city.heads[1].name not in detail
    assert 'data-testid="summary"' not in detail
    assert 'data-testid="sheet-pdf"' not in detail
    assert "Invitees from your OPD" in detail
    mine_html = _html(client.get(f"/workshops/{mine.id}"))
    assert 'data-testid="my-attendance"' in mine_html
    del other


# --- invitations ----------------------------------------------------------------------


def test_invite_all_heads_and_send_calendar_invitations(client, login_as, outbox):
    city = make_city(2)
    city.heads[1].email = None
    db.session.commit()
    workshop = make_workshop(title="Workshop RB", organiser=city.inspektorat)
    login_as("inspektorat")
    page = _html(client.get(f"/workshops/{workshop.id}/invite"))
    assert "All heads of OPD" in page
    response = client.post(
        f"/workshops/{workshop.id}/invite", data={"presets": ["heads"], "send_emails": "y"}
    )
    assert response.status_code == 302
    invitations = db.session.scalars(
        select(Invitation).where(Invitation.workshop_id == workshop.id)
    ).all()
    assert {i.person_id for i in invitations} == {
        city.sekda.id,
        city.inspektur.id,
        *(p.id for p in city.heads),
    }
    messages = outbox.messages()
    assert sorted(m["To"] for m in messages) == sorted(
        p.email for p in [city.sekda, city.inspektur, city.heads[0]]
    )
    message = next(m for m in messages if m["To"] == city.sekda.email)
    assert "Workshop RB" in message["Subject"]
    assert city.sekda.name in message.get_body(("plain",)).get_content()
    attachment = next(a for a in message.iter_attachments() if a.get_content_maintype() == "text")
    assert attachment.get_filename() == "undangan.ics"
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "REQUEST"
    calendar = Calendar.from_ical(attachment.get_payload(decode=True))
    (event,) = calendar.walk("VEVENT")
    assert str(event["attendee"]) == f"mailto:{city.sekda.email}"
    assert str(event["uid"]) == workshop.ical_uid
    sent = {i.person_id: i.invitation_sent_at for i in invitations}
    assert sent[city.heads[1].id] is None
    assert all(sent[p.id] for p in [city.sekda, city.inspektur, city.heads[0]])
    detail = _html(client.get(f"/workshops/{workshop.id}"))
    assert "4 officials have been invited." in detail
    assert "3 invitation e-mails have been sent." in detail
    assert "No e-mail address recorded for: Kepala Dinas 001" in detail

    # Sending again reaches nobody twice.
    client.post(f"/workshops/{workshop.id}/invite", data={"send_emails": "y"})
    assert len(outbox.messages()) == 3


def test_failed_delivery_keeps_the_invitation(app, client, login_as, smtp_server):
    sink, port = smtp_server
    sink.fail_with = 554
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    city = make_city(1)
    workshop = make_workshop()
    login_as("admin")
    response = client.post(
        f"/workshops/{workshop.id}/invite",
        data={"person_ids": [str(city.wali_kota.id)], "send_emails": "y"},
    )
    assert response.status_code == 302
    (invitation,) = db.session.scalars(select(Invitation)).all()
    assert invitation.invitation_sent_at is None
    html = _html(client.get(f"/workshops/{workshop.id}"))
    assert "Could not send to: Drs. H. Sutiaji" in html

    sink.fail_with = None
    client.post(f"/workshops/{workshop.id}/invite", data={"send_emails": "y"})
    assert len(sink.received) == 1
    assert _reload(Invitation, invitation.id).invitation_sent_at is not None


def test_invite_needs_a_choice_and_refuses_bad_ids(client, login_as):
    workshop = make_workshop()
    login_as("admin")
    response = client.post(f"/workshops/{workshop.id}/invite", data={})
    assert response.status_code == 400
    assert "Choose at least one official" in _html(response)
    response = client.post(f"/workshops/{workshop.id}/invite", data={"person_ids": ["abc"]})
    assert response.status_code == 400
    response = client.post(f"/workshops/{workshop.id}/invite", data={"presets": ["mayors"]})
    assert response.status_code == 400


def test_uninvite(client, login_as):
    city = make_city(1)
    workshop = make_workshop(invite=[city.wali_kota, city.wawali])
    done = db.session.scalar(select(Invitation).where(Invitation.person_id == city.wawali.id))
    done.status = AttendanceStatus.IZIN
    db.session.commit()
    open_one = db.session.scalar(
        select(Invitation).where(Invitation.person_id == city.wali_kota.id)
    )
    login_as("inspektorat")
    url = f"/workshops/{workshop.id}/invitations/{open_one.id}/remove"
    assert client.post(url).status_code == 302
    assert _reload(Invitation, open_one.id) is None
    response = client.post(f"/workshops/{workshop.id}/invitations/{done.id}/remove")
    assert response.status_code == 302
    assert _reload(Invitation, done.id) is not None
    assert "has been recorded" in _html(client.get(f"/workshops/{workshop.id}"))
    other = make_workshop()
    assert client.post(f"/workshops/{other.id}/invitations/{done.id}/remove").status_code == 404


# --- attendance ----------------------------------------------------------------------


def _attendance_form(client, workshop) -> list[tuple[str, str]]:
    response = client.get(f"/workshops/{workshop.id}/attendance")
    assert response.status_code == 200
    return form_pairs(_html(response), "attendance-form")


def test_mark_everyone_on_one_screen(client, login_as):
    city = make_city(2)
    workshop = make_now_workshop(invite=city.everyone)
    inv = {i.person_id: i.id for i in workshop.invitations}
    officer = login_as("inspektorat")
    pairs = _attendance_form(client, workshop)
    # Rows come in protocol order.
    assert [int(v) for n, v in pairs if n == "row"] == [inv[p.id] for p in city.everyone]
    w, h0, h1, s0 = (
        inv[city.wali_kota.id],
        inv[city.heads[0].id],
        inv[city.heads[1].id],
        inv[city.secretaries[0].id],
    )
    data = with_values(
        pairs,
        **{
            f"status__{w}": "hadir",
            f"status__{h0}": "diwakili",
            f"representative_name__{h0}": "Budi Santoso",
            f"representative_position__{h0}": "Kepala Bidang",
            f"status__{h1}": "izin",
            f"excuse_reason__{h1}": "Tugas luar kota",
            f"status__{s0}": "tidak_hadir",
        },
    )
    response = client.post(f"/workshops/{workshop.id}/attendance", data=MultiDict(data))
    assert response.status_code == 302
    result = statuses(workshop)
    assert result[city.wali_kota.id] is AttendanceStatus.HADIR
    assert result[city.heads[0].id] is AttendanceStatus.DIWAKILI
    assert result[city.heads[1].id] is AttendanceStatus.IZIN
    assert result[city.secretaries[0].id] is AttendanceStatus.TIDAK_HADIR
    assert result[city.wawali.id] is AttendanceStatus.INVITED
    assert _reload(Workshop, workshop.id).status is WorkshopStatus.HELD
    # Every change is in the audit log, by the officer.
    entries = db.session.scalars(
        select(AuditLog)
        .where(AuditLog.entity_type == "Invitation", AuditLog.entity_id == w)
        .order_by(AuditLog.id)
    ).all()
    assert [(e.action, e.actor_id) for e in entries][-1] == (AuditAction.UPDATE, officer.id)
    assert entries[-1].changes["status"] == ["invited", "hadir"]
    assert city.wali_kota.name in entries[-1].entity_label
    page = _html(client.get(f"/workshops/{workshop.id}/attendance"))
    assert "Attendance saved: 4 invitees updated." in page
    detail = _html(client.get(f"/workshops/{workshop.id}"))
    assert "by Budi Santoso" in detail
    assert "Tugas luar kota" in detail
    assert 'data-testid="rate">22%' in detail  # 2 of 9


def test_invalid_rows_come_back_with_their_messages(client, login_as):
    city = make_city(1)
    workshop = make_now_workshop(invite=city.leaders)
    inv = {i.person_id: i.id for i in workshop.invitations}
    login_as("admin")
    pairs = _attendance_form(client, workshop)
    w, ww = inv[city.wali_kota.id], inv[city.wawali.id]
    data = with_values(pairs, **{f"status__{w}": "diwakili", f"status__{ww}": "hadir"})
    response = client.post(f"/workshops/{workshop.id}/attendance", data=MultiDict(data))
    html = _html(response)
    assert response.status_code == 200  # the valid row was saved
    assert "1 of 2 changed rows were saved" in html
    assert "Name the representative" in html
    assert html.count('data-testid="row-error"') == 1
    # The user's choice is kept on the refused row.
    again = dict(form_pairs(html, "attendance-form"))
    assert again[f"status-{w}"] == "diwakili"
    assert again[f"status-{ww}"] == "hadir"
    assert statuses(workshop)[city.wawali.id] is AttendanceStatus.HADIR
    assert statuses(workshop)[city.wali_kota.id] is AttendanceStatus.INVITED


def test_two_doors_marking_the_same_row(app, client, login_as, login):
    city = make_city(1)
    workshop = make_now_workshop(invite=city.leaders)
    inv = {i.person_id: i.id for i in workshop.invitations}
    w, ww = inv[city.wali_kota.id], inv[city.wawali.id]
    login_as("inspektorat")
    door_a = _attendance_form(client, workshop)

    other = app.test_client()
    officer = factories.make_user(Role.INSPEKTORAT)
    other.post("/login", data={"email": officer.email, "password": factories.DEFAULT_PASSWORD})
    door_b = form_pairs(_html(other.get(f"/workshops/{workshop.id}/attendance")), "attendance-form")
    response = other.post(
        f"/workshops/{workshop.id}/attendance",
        data=MultiDict(with_values(door_b, **{f"status__{w}": "hadir", f"status__{ww}": "hadir"})),
    )
    assert response.status_code == 302

    # Door A marks the Wali Kota excused and the Sekda present, from its stale page.
    s = inv[city.sekda.id]
    data = with_values(
        door_a,
        **{
            f"status__{w}": "izin",
            f"excuse_reason__{w}": "Rapat di Jakarta",
            f"status__{s}": "hadir",
        },
    )
    response = client.post(f"/workshops/{workshop.id}/attendance", data=MultiDict(data))
    html = _html(response)
    assert response.status_code == 200  # the Sekda's row was saved
    assert 'data-testid="row-conflict"' in html
    assert "Changed meanwhile by someone else: now Present" in html
    result = statuses(workshop)
    assert result[city.wali_kota.id] is AttendanceStatus.HADIR  # not overwritten
    assert result[city.sekda.id] is AttendanceStatus.HADIR
    # The Wawali, untouched by door A, shows door B's value now.
    again = form_pairs(html, "attendance-form")
    assert dict(again)[f"status-{ww}"] == "hadir"
    assert dict(again)[f"status-{w}"] == "izin"  # door A's choice is kept

    # Saving again overwrites knowingly, and keeps door B's Wawali.
    response = client.post(f"/workshops/{workshop.id}/attendance", data=MultiDict(again))
    assert response.status_code == 302
    result = statuses(workshop)
    assert result[city.wali_kota.id] is AttendanceStatus.IZIN
    assert result[city.sekda.id] is AttendanceStatus.HADIR
    assert result[city.wawali.id] is AttendanceStatus.HADIR


def test_attendance_screen_refuses_a_forged_form(client, login_as):
    city = make_city(1)
    workshop = make_now_workshop(invite=[city.wali_kota])
    inv = workshop.invitations[0]
    login_as("admin")
    junk = MultiDict(
        [("row", "abc"), ("row", str(inv.id)), (f"status-{inv.id}", "hadir"), ("original", "x")]
    )
    response = client.post(f"/workshops/{workshop.id}/attendance", data=junk)
    assert response.status_code == 302  # no original: the row counts as changed, version absent
    assert statuses(workshop)[city.wali_kota.id] is AttendanceStatus.HADIR


# --- self check-in ----------------------------------------------------------------------


def test_self_check_in_by_qr(client, login):
    city = make_city(1)
    user = link(factories.make_user(Role.OPD, opd=city.opds[0]), city.secretaries[1])
    workshop = make_now_workshop(invite=[city.secretaries[1], city.heads[0]])
    login(user)
    url = f"/workshops/{workshop.id}/checkin"
    page = _html(client.get(url))
    assert 'data-testid="checkin-submit"' in page
    response = client.post(url)
    assert response.status_code == 302
    page = _html(client.get(url))
    assert "You are checked in at" in page
    assert 'data-testid="checked-in"' in page
    first = db.session.scalar(select(Invitation).where(Invitation.person_id == user.person_id))
    assert first.status is AttendanceStatus.HADIR
    assert first.self_checked_in
    stamp = first.checked_in_at

    response = client.post(url)
    assert response.status_code == 302
    assert "nothing has changed" in _html(client.get(url))
    assert _reload(Invitation, first.id).checked_in_at == stamp


def test_check_in_refusals(client, login):
    city = make_city(2)
    now_workshop = make_now_workshop(invite=[city.heads[0]])
    later = make_workshop(invite=[city.secretaries[1]], starts_at=utcnow() + dt.timedelta(days=2))
    # An OPD user whose colleague is invited, but not themselves: 403 with the reason.
    colleague = link(factories.make_user(Role.OPD, opd=city.opds[0]), city.secretaries[1])
    login(colleague)
    response = client.get(f"/workshops/{now_workshop.id}/checkin")
    assert response.status_code == 403
    assert "not on the invitation list" in _html(response)
    assert client.post(f"/workshops/{now_workshop.id}/checkin").status_code == 403
    # Invited, but too early: the page explains, the POST is refused.
    response = client.get(f"/workshops/{later.id}/checkin")
    assert response.status_code == 200
    assert "Check-in opens at" in _html(response)
    response = client.post(f"/workshops/{later.id}/checkin")
    assert response.status_code == 400
    assert statuses(later)[city.secretaries[1].id] is AttendanceStatus.INVITED
    client.post("/logout")

    # An OPD user of an OPD not invited: not found, with a clear message.
    outsider = link(factories.make_user(Role.OPD, opd=city.opds[1]), city.heads[1])
    login(outsider)
    response = client.get(f"/workshops/{now_workshop.id}/checkin")
    assert response.status_code == 404
    assert "neither you nor your OPD is invited" in _html(response)
    client.post("/logout")

    # A login without an official: 403 saying why.
    login(factories.make_user(Role.INSPEKTORAT))
    response = client.get(f"/workshops/{now_workshop.id}/checkin")
    assert response.status_code == 403
    assert "not linked to an official" in _html(response)


# --- QR code, calendar, sheets ------------------------------------------------------------


def test_qr_code_links_to_the_check_in_page(app, client, login_as):
    workshop = make_workshop()
    login_as("inspektorat")
    response = client.get(f"/workshops/{workshop.id}/qr.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert response.data.lstrip().startswith(b"<?xml") or b"<svg" in response.data[:200]
    with app.test_request_context():
        expected = qr_svg(
            f"{base_url()}/workshops/{workshop.id}/checkin",  # BASE_URL, not the Host
            title=f"Check-in: {workshop.title}",
        )
    assert response.data == expected
    detail = _html(client.get(f"/workshops/{workshop.id}"))
    assert f'src="/workshops/{workshop.id}/qr.svg"' in detail
    assert f"http://127.0.0.1:5000/workshops/{workshop.id}/checkin" in detail  # BASE_URL


def test_calendar_download(client, login):
    city = make_city(1)
    user = link(factories.make_user(Role.OPD, opd=city.opds[0]), city.heads[0])
    workshop = make_workshop(
        invite=[city.heads[0]], starts_at=dt.datetime(2030, 5, 2, 1, 30, tzinfo=dt.UTC)
    )
    login(user)
    response = client.get(f"/workshops/{workshop.id}/calendar.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    calendar = Calendar.from_ical(response.data)
    assert str(calendar["method"]) == "PUBLISH"
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == dt.datetime(2030, 5, 2, 8, 30, tzinfo=WIB)
    assert str(event["url"]) == f"http://127.0.0.1:5000/workshops/{workshop.id}"  # BASE_URL


def _marked_workshop():
    city = make_city(2)
    workshop = make_workshop(
        title="Workshop Penguatan Kapasitas Perangkat Daerah",
        starts_at=dt.datetime(2023, 7, 26, 6, 0, tzinfo=dt.UTC),
        venue="Balai Kota Malang",
        organiser=city.inspektorat,
        status=WorkshopStatus.HELD,
        invite=list(reversed(city.everyone)),
    )
    inv = {i.person_id: i for i in workshop.invitations}
    for person in city.everyone:
        inv[person.id].status = AttendanceStatus.HADIR
        inv[person.id].checked_in_at = dt.datetime(2023, 7, 26, 5, 45, tzinfo=dt.UTC)
    inv[city.heads[0].id].status = AttendanceStatus.DIWAKILI
    inv[city.heads[0].id].representative = city.secretaries[1]
    inv[city.heads[1].id].status = AttendanceStatus.IZIN
    inv[city.heads[1].id].excuse_reason = "Sakit"
    inv[city.heads[1].id].checked_in_at = None
    db.session.commit()
    return city, workshop


def test_attendance_sheet_pdf(client, login_as):
    city, workshop = _marked_workshop()
    login_as("pimpinan")
    response = client.get(f"/workshops/{workshop.id}/daftar-hadir.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "daftar-hadir-2023-07-26" in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    # The letterhead, the title, date and venue, and the columns, in Indonesian.
    for expected in (
        "PEMERINTAH KOTA MALANG",
        "INSPEKTORAT",
        "DAFTAR HADIR",
        "Workshop Penguatan Kapasitas Perangkat Daerah",
        "Rabu, 26 Juli 2023",
        "13.00 – 16.00 WIB",
        "Balai Kota Malang",
        "No Nama Jabatan OPD Keterangan Tanda Tangan",
        "Hadir (12.45 WIB)",
        f"Diwakili oleh {city.secretaries[1].name}",
        "Izin: Sakit",
    ):
        assert expected in text, expected
    # Everyone, in protocol order.
    positions = [text.index(f"{n} {p.name}") for n, p in enumerate(city.everyone, start=1)]
    assert positions == sorted(positions)


def test_attendance_sheet_xlsx(client, login_as):
    city, workshop = _marked_workshop()
    login_as("inspektorat")
    response = client.get(f"/workshops/{workshop.id}/daftar-hadir.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Daftar Hadir", "Rekap"]
    sheet = book["Daftar Hadir"]
    rows = [tuple(c for c in row) for row in sheet.iter_rows(values_only=True)]
    header_index = rows.index(SHEET_COLUMNS)
    assert rows[1][0] == "DAFTAR HADIR"
    assert "Rabu, 26 Juli 2023" in rows[3][0]
    assert "Balai Kota Malang" in rows[5][0]
    body = rows[header_index + 1 :]
    assert [r[1] for r in body] == [p.name for p in city.everyone]
    assert [r[0] for r in body] == list(range(1, len(city.everyone) + 1))
    by_name = {r[1]: r for r in body}
    assert by_name[city.heads[1].name][4] == "Izin: Sakit"
    assert by_name[city.heads[0].name][3] == city.opds[0].name
    recap = {r[0]: r[1] for r in book["Rekap"].iter_rows(values_only=True) if r and r[0]}
    assert recap["Diundang"] == 9
    assert recap["Izin"] == 1
    assert recap["Tingkat kehadiran (hadir + diwakili)"] == pytest.approx(8 / 9)


def test_sheets_for_an_empty_workshop(client, login_as):
    workshop = make_workshop()
    login_as("admin")
    assert "Belum ada undangan" in pdf_text(
        client.get(f"/workshops/{workshop.id}/daftar-hadir.pdf").data
    )
    assert client.get(f"/workshops/{workshop.id}/daftar-hadir.xlsx").status_code == 200


def test_pages_in_indonesian(app, client, login_as):
    app.config["BABEL_DEFAULT_LOCALE"] = "id"
    city = make_city(1)
    workshop = make_now_workshop(invite=city.leaders)
    link(login_as("inspektorat"), city.inspektur)
    for url in (
        "/workshops/",
        f"/workshops/{workshop.id}",
        f"/workshops/{workshop.id}/attendance",
        f"/workshops/{workshop.id}/invite",
        f"/workshops/{workshop.id}/edit",
        f"/workshops/{workshop.id}/checkin",
        "/workshops/new",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        page = _html(response)
        assert '<html lang="id">' in page
        # The content security policy allows no inline script or style.
        assert " style=" not in page, url
        for tag in re.findall(r"<script[^>]*>", page):
            assert "src=" in tag, (url, tag)


def test_spreadsheet_never_runs_a_name_as_formula(client, login_as):
    person = factories.make_person(name='=HYPERLINK("http://evil.example","klik")')
    workshop = make_workshop(invite=[person])
    login_as("admin")
    data = client.get(f"/workshops/{workshop.id}/daftar-hadir.xlsx").data
    sheet = load_workbook(io.BytesIO(data))["Daftar Hadir"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value)]
    assert cells
    assert all(c.data_type == "s" for c in cells)


@pytest.mark.app_config(CHECKIN_MARGIN_MINUTES=10)
def test_check_in_margin_is_configurable(client, login):
    city = make_city(1)
    user = link(factories.make_user(Role.PIMPINAN), city.wali_kota)
    soon = make_workshop(invite=[city.wali_kota], starts_at=utcnow() + dt.timedelta(minutes=30))
    login(user)
    response = client.post(f"/workshops/{soon.id}/checkin")
    assert response.status_code == 400
    assert "Check-in opens at" in _html(response)
    assert statuses(soon)[city.wali_kota.id] is AttendanceStatus.INVITED


def test_cancelled_workshop_refuses_attendance(client, login_as):
    city = make_city(1)
    workshop = make_now_workshop(invite=[city.wali_kota], status=WorkshopStatus.CANCELLED)
    login_as("inspektorat")
    page = client.get(f"/workshops/{workshop.id}/attendance")
    assert page.status_code == 200
    pairs = form_pairs(_html(page), "attendance-form")
    inv = workshop.invitations[0].id
    response = client.post(
        f"/workshops/{workshop.id}/attendance",
        data=MultiDict(with_values(pairs, **{f"status__{inv}": "hadir"})),
    )
    assert response.status_code == 400
    assert "has been cancelled" in _html(response)
    assert statuses(workshop)[city.wali_kota.id] is AttendanceStatus.INVITED
