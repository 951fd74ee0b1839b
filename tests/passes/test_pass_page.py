"""The personal pass page ``/hadir/<token>`` as an anonymous visitor (no login)."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import make_opd, make_person
from tests.workshops.factories_workshops import invite, make_now_workshop, make_workshop
from tracker.extensions import db
from tracker.models import AttendanceStatus, AuditLog, Invitation, WorkshopStatus
from tracker.models.base import utcnow
from tracker.services import passes

#: What a browser sends when a person opens the link (typed, tapped or scanned).
NAVIGATION = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document", "Sec-Fetch-Site": "none"}


def _fresh(invitation: Invitation) -> Invitation:
    db.session.expire_all()
    found = db.session.get(Invitation, invitation.id)
    assert found is not None
    return found


def _pass(workshop_kw: dict | None = None, **person_kw: object) -> tuple[Invitation, str]:
    opd = make_opd("DINKES", "Dinas Kesehatan")
    person = make_person(
        opd, name="dr. Husnul Muarif", position="Kepala Dinas Kesehatan", **person_kw
    )
    workshop = make_workshop(**workshop_kw) if workshop_kw is not None else make_now_workshop()
    invitation = invite(workshop, person)
    token = passes.issue(invitation)
    db.session.commit()
    return invitation, token


def test_opening_the_link_in_the_window_checks_in_once(app: Flask, client: FlaskClient) -> None:
    invitation, token = _pass()
    before = utcnow()
    response = client.get(f"/hadir/{token}", headers=NAVIGATION)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-testid="pass-checked-in"' in html
    assert "dr. Husnul Muarif" in html and "Kepala Dinas Kesehatan" in html
    assert "Dinas Kesehatan" in html and "Ruang Sidang Balai Kota Malang" in html
    assert 'data-testid="pass-already"' not in html
    stored = _fresh(invitation)
    assert stored.status is AttendanceStatus.HADIR
    assert stored.checked_in_via == "pass" and stored.self_checked_in
    assert stored.checked_in_at is not None and stored.checked_in_at >= before
    first_time = stored.checked_in_at
    assert stored.workshop.status is WorkshopStatus.HELD
    # the audit log names the pass, not a user
    entry = db.session.scalars(
        select(AuditLog)
        .where(AuditLog.entity_type == "Invitation", AuditLog.entity_id == invitation.id)
        .order_by(AuditLog.id.desc())
    ).first()
    assert entry is not None and entry.actor_id is None
    assert entry.actor_label == "pass: dr. Husnul Muarif"

    again = client.get(f"/hadir/{token}", headers=NAVIGATION)
    html = again.get_data(as_text=True)
    assert again.status_code == 200
    assert 'data-testid="pass-already"' in html
    assert _fresh(invitation).checked_in_at == first_time
    # the time as Indonesians write it
    from tracker.i18n import time_wib

    with app.test_request_context():
        assert time_wib(first_time) in html
        assert "." in time_wib(first_time)


def test_the_page_is_private(client: FlaskClient) -> None:
    _invitation, token = _pass({})
    response = client.get(f"/hadir/{token}")
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    bad = client.get("/hadir/" + "A" * 43)
    assert bad.headers["Referrer-Policy"] == "no-referrer"
    assert bad.headers["Cache-Control"] == "no-store"


def test_a_link_previewer_records_nothing_and_sees_the_button(client: FlaskClient) -> None:
    invitation, token = _pass()
    for headers in (
        {},  # a chat app or mail scanner: no Sec-Fetch headers
        {"Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"},
        {**NAVIGATION, "Sec-Purpose": "prefetch"},
    ):
        response = client.get(f"/hadir/{token}", headers=headers)
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert 'data-testid="pass-hadir"' in html
        assert 'name="csrf_token"' in html
        assert _fresh(invitation).status is AttendanceStatus.INVITED
    assert client.head(f"/hadir/{token}", headers=NAVIGATION).status_code == 200
    assert _fresh(invitation).status is AttendanceStatus.INVITED


def test_the_hadir_button_records_the_arrival(client: FlaskClient) -> None:
    invitation, token = _pass()
    response = client.post(f"/hadir/{token}")
    assert response.status_code == 200
    assert 'data-testid="pass-checked-in"' in response.get_data(as_text=True)
    stored = _fresh(invitation)
    assert stored.status is AttendanceStatus.HADIR and stored.checked_in_via == "pass"
    first = stored.checked_in_at
    second = client.post(f"/hadir/{token}")
    assert 'data-testid="pass-already"' in second.get_data(as_text=True)
    assert _fresh(invitation).checked_in_at == first


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_the_button_needs_the_csrf_token(client: FlaskClient) -> None:
    invitation, token = _pass()
    refused = client.post(f"/hadir/{token}")
    assert refused.status_code == 400
    assert _fresh(invitation).status is AttendanceStatus.INVITED
    page = client.get(f"/hadir/{token}").get_data(as_text=True)
    marker = 'name="csrf_token" type="hidden" value="'
    csrf = page.split(marker, 1)[1].split('"', 1)[0]
    accepted = client.post(f"/hadir/{token}", data={"csrf_token": csrf})
    assert accepted.status_code == 200
    assert _fresh(invitation).status is AttendanceStatus.HADIR


def test_before_the_window_the_page_says_when_it_opens(client: FlaskClient) -> None:
    invitation, token = _pass({"starts_at": utcnow() + dt.timedelta(days=2)})
    response = client.get(f"/hadir/{token}", headers=NAVIGATION)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-testid="pass-window"' in html and "Presensi dibuka" in html
    assert 'data-testid="pass-hadir"' not in html
    refused = client.post(f"/hadir/{token}")
    assert refused.status_code == 400
    assert _fresh(invitation).status is AttendanceStatus.INVITED


def test_after_the_window_the_page_says_it_has_closed(client: FlaskClient) -> None:
    invitation, token = _pass({"starts_at": utcnow() - dt.timedelta(days=2)})
    html = client.get(f"/hadir/{token}", headers=NAVIGATION).get_data(as_text=True)
    assert 'data-testid="pass-window"' in html and "Presensi ditutup" in html
    assert client.post(f"/hadir/{token}").status_code == 400
    assert _fresh(invitation).status is AttendanceStatus.INVITED


def test_a_cancelled_workshop_records_nothing(client: FlaskClient) -> None:
    invitation, token = _pass()
    workshop = invitation.workshop
    workshop.status = WorkshopStatus.CANCELLED
    workshop.cancelled_at = utcnow()
    db.session.commit()
    html = client.get(f"/hadir/{token}", headers=NAVIGATION).get_data(as_text=True)
    assert 'data-testid="pass-window"' in html and "dibatalkan" in html
    assert _fresh(invitation).status is AttendanceStatus.INVITED


def _invalid(client: FlaskClient, token: str) -> None:
    for method in ("get", "post"):
        response = getattr(client, method)(f"/hadir/{token}", headers=NAVIGATION)
        html = response.get_data(as_text=True)
        assert response.status_code == 404
        assert 'data-testid="pass-invalid"' in html
        assert "Inspektorat" in html
        assert "Husnul" not in html and "Workshop" not in html and "Dinas Kesehatan" not in html
    for path in ("representative", "representative/remove"):
        assert client.post(f"/hadir/{token}/{path}", data={"rep-name": "X"}).status_code == 404


def test_forged_revoked_and_malformed_tokens_get_the_invalid_page(client: FlaskClient) -> None:
    invitation, token = _pass()
    forged = token[:-2] + ("AB" if not token.endswith("AB") else "CD")
    _invalid(client, forged)
    _invalid(client, "x")
    _invalid(client, "%C3%A9" * 40)
    new_token = passes.revoke(_fresh(invitation))
    db.session.commit()
    _invalid(client, token)
    assert _fresh(invitation).status is AttendanceStatus.INVITED
    assert client.get(f"/hadir/{new_token}").status_code == 200


def test_a_token_belongs_to_its_own_invitation_only(client: FlaskClient) -> None:
    invitation, _token = _pass()
    other_person = make_person(name="Sekretaris Lain")
    other = invite(make_now_workshop(title="Rapat Koordinasi Lain"), other_person)
    other_token = passes.issue(other)
    db.session.commit()
    html = client.get(f"/hadir/{other_token}", headers=NAVIGATION).get_data(as_text=True)
    assert "Sekretaris Lain" in html and "Rapat Koordinasi Lain" in html
    assert "Husnul" not in html
    assert _fresh(invitation).status is AttendanceStatus.INVITED
    assert _fresh(other).status is AttendanceStatus.HADIR
    # a token of another workshop's invitation checks in only that invitation
    assert _fresh(invitation).workshop_id != _fresh(other).workshop_id
