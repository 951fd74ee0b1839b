"""Changes that reach the invitees: moving or cancelling a workshop whose invitations were
sent asks for a confirmation, then e-mails every invitee who was sent an invitation a
calendar file that updates (or removes) the same event; the workshop page shows who was sent
which version."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from tests.admin.factories_admin import form_data
from tests.conftest import SmtpSink
from tests.workshops.factories_workshops import make_city, make_workshop
from tests.workshops.helpers import form_pairs
from tracker.extensions import db
from tracker.i18n import WIB
from tracker.models import Invitation, Workshop, WorkshopStatus
from tracker.models.base import utcnow
from tracker.services import passes
from tracker.services import workshop_notices as notices
from tracker.services import workshops as service

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

START = dt.datetime(2030, 3, 4, 9, 0, tzinfo=WIB)  # Senin, 4 Maret 2030, 09.00 WIB
URL = "https://tracker.example/workshops/1"


def _html(response) -> str:
    return response.get_data(as_text=True)


def _reload(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def _calendar(message) -> tuple[Any, Any, Any]:
    """The message's calendar attachment: (the attachment, the calendar, its one event)."""
    (attachment,) = [
        a for a in message.iter_attachments() if a.get_content_type() == "text/calendar"
    ]
    calendar = Calendar.from_ical(attachment.get_payload(decode=True))
    (event,) = calendar.walk("VEVENT")
    return attachment, calendar, event


def _invited_and_sent(city, client, *, sent, unsent=()) -> Workshop:
    """A workshop whose invitation e-mail went to ``sent``; ``unsent`` invited afterwards."""
    workshop = make_workshop(starts_at=START.astimezone(dt.UTC), organiser=city.inspektorat)
    response = client.post(
        f"/workshops/{workshop.id}/invite",
        data={"person_ids": [str(p.id) for p in sent], "send_emails": "y"},
    )
    assert response.status_code == 302
    if unsent:
        response = client.post(
            f"/workshops/{workshop.id}/invite", data={"person_ids": [str(p.id) for p in unsent]}
        )
        assert response.status_code == 302
    return workshop


def _move(client, workshop, **changes: str) -> tuple[str, Any]:
    """Open the edit form, change it and save: the confirmation page and its response."""
    data = form_data(_html(client.get(f"/workshops/{workshop.id}/edit")))
    data.update(changes)
    response = client.post(f"/workshops/{workshop.id}/edit", data=data)
    return _html(response), response


def _sent(workshop) -> dict[int, tuple[int | None, dt.datetime | None]]:
    db.session.expire_all()
    return {
        inv.person_id: (inv.sent_sequence, inv.invitation_sent_at)
        for inv in db.session.scalars(
            select(Invitation).where(Invitation.workshop_id == workshop.id)
        )
    }


# --- the update, by SMTP ------------------------------------------------------------------


def test_moving_a_workshop_sends_the_update_after_confirmation(app, client, login_as, smtp_server):
    sink, port = smtp_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    city = make_city(1)
    login_as("inspektorat")
    workshop = _invited_and_sent(
        city, client, sent=[city.wali_kota, city.sekda], unsent=[city.heads[0]]
    )
    assert len(sink.received) == 2
    _a, _c, invitation_event = _calendar(sink.received[0])
    assert int(invitation_event["sequence"]) == 0
    assert {s for s, _at in _sent(workshop).values()} == {0, None}
    uid, version = workshop.ical_uid, workshop.version

    # First submit: the confirmation step; nothing is saved and nothing is sent.
    html, response = _move(
        client,
        workshop,
        starts_at="2030-03-06T13:00",
        ends_at="2030-03-06T16:00",
        venue="Hotel Tugu Malang",
    )
    assert response.status_code == 200
    assert 'data-testid="confirm-notice"' in html
    assert "2 invitees received an invitation" in html
    assert "Hotel Tugu Malang" in html and "Ruang Sidang Balai Kota Malang" in html
    stored = _reload(Workshop, workshop.id)
    assert (stored.version, stored.ical_sequence, stored.venue) == (
        version,
        0,
        "Ruang Sidang Balai Kota Malang",
    )
    assert len(sink.received) == 2

    # Second submit: saved, sequence raised, the two invitees e-mailed.
    # Without the confirm button's name and value, it is asked again.
    response = client.post(
        f"/workshops/{workshop.id}/edit", data=MultiDict(form_pairs(html, "confirm-form"))
    )
    assert response.status_code == 200 and 'data-testid="confirm-notice"' in _html(response)
    assert len(sink.received) == 2
    pairs = [*form_pairs(html, "confirm-form"), ("confirm_notice", "y")]
    response = client.post(f"/workshops/{workshop.id}/edit", data=MultiDict(pairs))
    assert response.status_code == 302
    stored = _reload(Workshop, workshop.id)
    assert stored.ical_sequence == 1
    assert stored.starts_at == dt.datetime(2030, 3, 6, 6, 0, tzinfo=dt.UTC)
    updates = sink.received[2:]
    assert sorted(m["To"] for m in updates) == sorted([city.wali_kota.email, city.sekda.email])
    assert [rcpt for _f, rcpt in sink.envelopes[2:]] == [[m["To"]] for m in updates]
    message = next(m for m in updates if m["To"] == city.sekda.email)
    assert message["Subject"] == f"Perubahan jadwal: {workshop.title}"
    body = message.get_body(("plain",)).get_content()
    assert "Rabu, 6 Maret 2030, 13.00 WIB" in body
    assert "sebelumnya: Senin, 4 Maret 2030, 09.00 WIB" in body
    assert "sebelumnya: Ruang Sidang Balai Kota Malang" in body
    assert "perubahan.ics" in body
    attachment, calendar, event = _calendar(message)
    assert attachment.get_param("method") == "REQUEST"
    assert str(calendar["method"]) == "REQUEST"
    assert str(event["uid"]) == uid == str(invitation_event["uid"])
    assert int(event["sequence"]) == int(invitation_event["sequence"]) + 1 == 1
    assert event.decoded("dtstart") == dt.datetime(2030, 3, 6, 13, 0, tzinfo=WIB)
    assert event.decoded("dtend") == dt.datetime(2030, 3, 6, 16, 0, tzinfo=WIB)
    assert str(event["location"]) == "Hotel Tugu Malang"
    assert str(event["status"]) == "CONFIRMED"
    assert str(event["attendee"]) == f"mailto:{city.sekda.email}"
    # The update carries the invitee's own personal pass again, the same link as before.
    sekda_invitation = next(
        i for i in _reload(Workshop, workshop.id).invitations if i.person_id == city.sekda.id
    )
    personal = f"/hadir/{passes.token_for(sekda_invitation)}"
    assert personal in body
    assert any(p.get_filename() == "kode-qr-hadir.png" for p in message.iter_attachments())
    sent = _sent(workshop)
    assert sent[city.wali_kota.id][0] == sent[city.sekda.id][0] == 1
    assert sent[city.heads[0].id] == (None, None)  # never sent an invitation: no update

    detail = _html(client.get(f"/workshops/{workshop.id}"))
    assert "The change has been sent to 2 invitees." in detail
    assert detail.count(">Update no. 1</span> ·") == 2
    assert 'data-testid="not-latest"' not in detail

    # The invitation sent now to the third invitee carries the current version.
    client.post(f"/workshops/{workshop.id}/invite", data={"send_emails": "y"})
    _a, _c, late = _calendar(sink.received[-1])
    assert sink.received[-1]["To"] == city.heads[0].email
    assert int(late["sequence"]) == 1
    assert _sent(workshop)[city.heads[0].id][0] == 1


def test_only_the_title_changed_sends_nothing(client, login_as, outbox):
    city = make_city(1)
    login_as("inspektorat")
    workshop = _invited_and_sent(city, client, sent=[city.wali_kota])
    assert len(outbox.messages()) == 1
    _html_page, response = _move(
        client, workshop, title="Workshop Penguatan SAKIP", agenda="Pembukaan"
    )
    assert response.status_code == 302
    stored = _reload(Workshop, workshop.id)
    assert (stored.title, stored.ical_sequence) == ("Workshop Penguatan SAKIP", 0)
    assert len(outbox.messages()) == 1
    detail = _html(client.get(f"/workshops/{workshop.id}"))
    assert ">Invitation</span> ·" in detail


def test_moving_a_workshop_without_invitations_sent_needs_no_confirmation(client, login_as, outbox):
    city = make_city(1)
    login_as("inspektorat")
    workshop = make_workshop(starts_at=START.astimezone(dt.UTC), invite=[city.wali_kota])
    _html_page, response = _move(client, workshop, venue="Aula Inspektorat")
    assert response.status_code == 302
    stored = _reload(Workshop, workshop.id)
    assert (stored.venue, stored.ical_sequence) == ("Aula Inspektorat", 1)
    assert outbox.messages() == []


def test_the_service_saves_nothing_without_confirmation(app, client, login_as, outbox):
    city = make_city(1)
    login_as("inspektorat")
    workshop = _invited_and_sent(city, client, sent=[city.wali_kota])
    values = {
        "title": workshop.title,
        "starts_at": START + dt.timedelta(days=1),
        "ends_at": START + dt.timedelta(days=1, hours=3),
        "venue": workshop.venue,
        "kind": workshop.kind,
        "theme": None,
        "organiser_opd_id": workshop.organiser_opd_id,
        "description": None,
        "agenda": None,
        "thematic_area_ids": [],
        "status": WorkshopStatus.PLANNED,
        "expected_version": workshop.version,
    }
    with pytest.raises(notices.ConfirmationNeeded) as info:
        notices.update_and_notify(
            workshop, actor=None, now=utcnow(), url=URL, confirmed=False, **values
        )
    assert info.value.recipients == 1
    db.session.rollback()
    assert _reload(Workshop, workshop.id).starts_at == START
    result = notices.update_and_notify(
        workshop, actor=None, now=utcnow(), url=URL, confirmed=True, **values
    )
    db.session.commit()
    assert set(result.changed) == {"starts_at", "ends_at"}
    assert result.notice is not None and result.notice.sent == 1
    assert len(outbox.messages()) == 2


# --- cancellation ---------------------------------------------------------------------


def test_cancelling_asks_then_sends_the_cancellation(client, login_as, outbox):
    city = make_city(1)
    login_as("inspektorat")
    workshop = _invited_and_sent(city, client, sent=[city.wali_kota, city.wawali])
    uid = workshop.ical_uid
    page = _html(client.get(f"/workshops/{workshop.id}"))
    assert 'data-testid="cancel-notice"' in page
    assert "Send the cancellation to the 2 invitees who received an invitation" in page

    response = client.post(f"/workshops/{workshop.id}/cancel", data={"reason": "Bentrok jadwal."})
    assert response.status_code == 400
    assert "Confirm that the 2 invitees who received an invitation" in _html(response)
    assert _reload(Workshop, workshop.id).status is WorkshopStatus.PLANNED
    assert len(outbox.messages()) == 2

    response = client.post(
        f"/workshops/{workshop.id}/cancel",
        data={"reason": "Bentrok jadwal.", "confirm_notice": "y"},
    )
    assert response.status_code == 302
    stored = _reload(Workshop, workshop.id)
    assert (stored.status, stored.ical_sequence) == (WorkshopStatus.CANCELLED, 1)
    cancellations = [m for m in outbox.messages() if m["Subject"].startswith("Dibatalkan")]
    assert sorted(m["To"] for m in cancellations) == sorted(
        [city.wali_kota.email, city.wawali.email]
    )
    message = cancellations[0]
    assert message["Subject"] == f"Dibatalkan: {workshop.title}"
    body = message.get_body(("plain",)).get_content()
    assert "dibatalkan" in body and "Bentrok jadwal." in body
    assert "Senin, 4 Maret 2030, 09.00 WIB" in body
    attachment, calendar, event = _calendar(message)
    assert attachment.get_filename() == "pembatalan.ics"
    assert attachment.get_param("method") == "CANCEL"
    assert str(calendar["method"]) == "CANCEL"
    assert str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == uid
    assert int(event["sequence"]) == 1
    assert {s for s, _at in _sent(workshop).values()} == {1}
    detail = _html(client.get(f"/workshops/{workshop.id}"))
    assert detail.count(">Cancellation</span> ·") == 2


def test_cancelling_with_no_invitation_sent_asks_nothing(client, login_as, outbox):
    city = make_city(1)
    workshop = make_workshop(invite=[city.wali_kota])
    login_as("inspektorat")
    assert 'data-testid="cancel-notice"' not in _html(client.get(f"/workshops/{workshop.id}"))
    response = client.post(f"/workshops/{workshop.id}/cancel", data={"reason": "Ditunda."})
    assert response.status_code == 302
    assert _reload(Workshop, workshop.id).ical_sequence == 1
    assert outbox.messages() == []


# --- a failed delivery ----------------------------------------------------------------


class _Refusing(SmtpSink):
    """Refuses the messages to one address (a full mailbox), takes the others."""

    refuse: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        if address == self.refuse:
            return "550 Mailbox unavailable (test)"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def refusing_smtp() -> Iterator[tuple[_Refusing, int]]:
    from aiosmtpd.controller import Controller

    sink = _Refusing()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


def test_a_failed_delivery_is_recorded_and_sent_again(app, client, login_as, refusing_smtp):
    sink, port = refusing_smtp
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    city = make_city(1)
    login_as("inspektorat")
    workshop = _invited_and_sent(city, client, sent=[city.wali_kota, city.sekda, city.inspektur])
    assert len(sink.received) == 3

    sink.refuse = city.sekda.email
    html, response = _move(client, workshop, venue="Aula Inspektorat")
    pairs = [*form_pairs(html, "confirm-form"), ("confirm_notice", "y")]
    response = client.post(f"/workshops/{workshop.id}/edit", data=MultiDict(pairs))
    assert response.status_code == 302  # a refused address is no 500
    assert sorted(m["To"] for m in sink.received[3:]) == sorted(
        [city.wali_kota.email, city.inspektur.email]
    )
    sent = _sent(workshop)
    assert sent[city.sekda.id][0] == 0  # still the invitation
    assert sent[city.wali_kota.id][0] == sent[city.inspektur.id][0] == 1
    detail = _html(client.get(f"/workshops/{workshop.id}"))
    assert f"Could not send the change to: {city.sekda.name}" in detail
    assert "1 invitee has not received the latest change." in detail
    assert detail.count('data-testid="not-latest"') == 1
    assert _reload(Workshop, workshop.id).venue == "Aula Inspektorat"

    # Sent again once the mailbox takes it: only to the one behind.
    sink.refuse = None
    response = client.post(f"/workshops/{workshop.id}/notices/resend")
    assert response.status_code == 302
    assert [m["To"] for m in sink.received[5:]] == [city.sekda.email]
    _a, _c, event = _calendar(sink.received[-1])
    assert (int(event["sequence"]), str(event["location"])) == (1, "Aula Inspektorat")
    assert _sent(workshop)[city.sekda.id][0] == 1
    detail = _html(client.get(f"/workshops/{workshop.id}"))
    assert 'data-testid="notices-behind"' not in detail
    # Nothing left to send: a refusal, not a 500.
    response = client.post(f"/workshops/{workshop.id}/notices/resend")
    assert response.status_code == 302
    assert "has the latest version" in _html(client.get(f"/workshops/{workshop.id}"))


# --- the versions, directly ---------------------------------------------------------------


def test_sent_version_labels(app):
    city = make_city(1)
    workshop = make_workshop(invite=[city.wali_kota, city.wawali, city.sekda])
    a, b, c = sorted(workshop.invitations, key=lambda i: i.person_id)
    now = utcnow()
    a.invitation_sent_at, a.sent_sequence = now, 0
    b.invitation_sent_at, b.sent_sequence = now, 2
    workshop.ical_sequence = 2
    db.session.commit()
    versions = notices.sent_versions(workshop, [a, b, c])
    assert versions[c.id] is None
    assert (versions[a.id].label, versions[a.id].behind) == ("invitation", True)
    assert (versions[b.id].label, versions[b.id].behind) == ("update no. 2", False)
    assert [inv.id for inv in notices.behind(workshop)] == [a.id]
    workshop.status, workshop.ical_sequence = WorkshopStatus.CANCELLED, 3
    b.sent_sequence = 3
    assert notices.sent_version(workshop, b).label == "cancellation"


def test_the_invitation_carries_the_current_sequence(app, outbox):
    city = make_city(1)
    workshop = make_workshop(invite=[city.wali_kota], ical_sequence=2)
    with app.test_request_context():  # the invitation carries links built from the request
        outcome = service.send_invitations(workshop, workshop.invitations, now=utcnow(), url=URL)
        db.session.commit()
    assert outcome.sent == 1
    (message,) = outbox.messages()
    _a, _c, event = _calendar(message)
    assert int(event["sequence"]) == 2
    assert workshop.invitations[0].sent_sequence == 2
