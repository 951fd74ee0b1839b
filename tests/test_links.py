"""Links that leave the tracker are built from BASE_URL, never from the Host header."""

from __future__ import annotations

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from tests.workshops.factories_workshops import make_city, make_workshop
from tracker.extensions import db
from tracker.models import Invitation

BASE = "https://tracker.malangkota.example"
EVIL = {"HTTP_HOST": "evil.example"}  # what a request with "Host: evil.example" carries


@pytest.mark.app_config(BASE_URL=BASE + "/")
def test_invitations_qr_and_calendar_link_to_base_url_whatever_the_host(client, login_as, outbox):
    city = make_city(1)
    workshop = make_workshop(title="Workshop RB", organiser=city.inspektorat)
    login_as("inspektorat")
    # The same session, on requests that say they are for another host.
    client.set_cookie("session", client.get_cookie("session").value, domain="evil.example")
    response = client.post(
        f"/workshops/{workshop.id}/invite",
        data={"presets": ["heads"], "send_emails": "y"},
        environ_overrides=EVIL,
    )
    assert response.status_code == 302
    messages = outbox.messages()
    assert messages
    for message in messages:
        body = message.get_body(("plain",)).get_content()
        assert f"{BASE}/workshops/{workshop.id}" in body
        assert "evil.example" not in message.as_string()
        assert f"{BASE}/hadir/" in body
        attachment = next(
            a for a in message.iter_attachments() if a.get_filename() == "undangan.ics"
        )
        (event,) = Calendar.from_ical(attachment.get_payload(decode=True)).walk("VEVENT")
        assert str(event["url"]).startswith(BASE + "/")
    page = client.get(f"/workshops/{workshop.id}", environ_overrides=EVIL).get_data(as_text=True)
    assert f"{BASE}/workshops/{workshop.id}/checkin" in page
    assert "evil.example" not in page
    ics = client.get(f"/workshops/{workshop.id}/calendar.ics", environ_overrides=EVIL)
    assert ics.status_code == 200
    assert f"{BASE}/workshops/{workshop.id}".encode() in ics.data.replace(b"\r\n ", b"")
    assert b"evil.example" not in ics.data


@pytest.mark.app_config(TESTING=False, BASE_URL=None)
def test_without_base_url_reminders_refuse_to_run(app):
    result = app.test_cli_runner().invoke(args=["reminders", "run", "--date", "2023-08-21"])
    assert result.exit_code != 0
    assert "BASE_URL belum diatur" in result.output
    assert "TRACKER_BASE_URL" in result.output


@pytest.mark.app_config(TESTING=False, BASE_URL=None)
def test_without_base_url_invitations_are_not_sent_and_nothing_is_saved(client, login_as, outbox):
    city = make_city(1)
    workshop = make_workshop(title="Workshop RB", organiser=city.inspektorat)
    login_as("inspektorat")
    response = client.post(
        f"/workshops/{workshop.id}/invite", data={"presets": ["heads"], "send_emails": "y"}
    )
    assert response.status_code == 500
    assert "BASE_URL" in response.get_data(as_text=True)
    assert outbox.messages() == []
    db.session.expire_all()
    count = select(func.count()).select_from(Invitation)
    assert db.session.scalar(count.where(Invitation.workshop_id == workshop.id)) == 0
