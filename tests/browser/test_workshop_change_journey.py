"""Moving a workshop whose invitations were sent, in a real Chromium at a desk (1366x768):
the edit asks to confirm that the invitees will be told, shows what changes, and only then
saves and e-mails each of them a calendar update; the invitee list shows who has which
version."""

from __future__ import annotations

import datetime as dt
import email
import re
from email import policy
from typing import Any

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer
from tracker.extensions import db
from tracker.i18n import WIB
from tracker.models import HierarchyRole, Invitation, Opd, OpdKind, Person, Workshop
from tracker.models.base import utcnow

# One worker runs every browser test, so the session starts one Chromium.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

DESK = {"viewport": {"width": 1366, "height": 768}}
START = dt.datetime(2030, 3, 4, 9, 0, tzinfo=WIB)


def _workshop_with_invitations_sent(live_server: LiveServer) -> tuple[int, str]:
    """A workshop whose invitation went to two heads of OPD (a third is invited, not
    e-mailed yet)."""
    with live_server.app.app_context():
        inspektorat = Opd(code="INSPEKTORAT", name="Inspektorat Daerah", kind=OpdKind.INSPEKTORAT)
        dishub = Opd(code="DISHUB", name="Dinas Perhubungan", kind=OpdKind.DINAS)
        db.session.add_all([inspektorat, dishub])
        people = [
            Person(
                name=name,
                position=position,
                hierarchy_role=HierarchyRole.KEPALA_OPD,
                opd=opd,
                email=address,
            )
            for name, position, opd, address in [
                ("Inspektur Kota Malang", "Inspektur", inspektorat, "inspektur@example.org"),
                ("Kepala Dinas Perhubungan", "Kepala Dinas", dishub, "dishub@example.org"),
                ("Sekretaris Dinas Perhubungan", "Sekretaris", dishub, "sek.dishub@example.org"),
            ]
        ]
        workshop = Workshop(
            title="Workshop Penguatan Kapasitas Perangkat Daerah",
            starts_at=START.astimezone(dt.UTC),
            ends_at=(START + dt.timedelta(hours=3)).astimezone(dt.UTC),
            venue="Ruang Sidang Balai Kota Malang",
            organiser=inspektorat,
        )
        sent_at = utcnow() - dt.timedelta(days=2)
        for index, person in enumerate(people):
            db.session.add(
                Invitation(
                    workshop=workshop,
                    person=person,
                    invitation_sent_at=sent_at if index < 2 else None,
                    sent_sequence=0 if index < 2 else None,
                )
            )
        db.session.add(workshop)
        db.session.commit()
        result = (workshop.id, workshop.ical_uid)
        db.session.remove()
    return result


def test_moving_a_workshop_asks_then_updates_every_calendar(
    live_server: LiveServer, new_page: Any, log_in: Any, tmp_path: Any
) -> None:
    workshop_id, uid = _workshop_with_invitations_sent(live_server)
    page = new_page(**DESK)
    log_in(page, "admin")
    expect(page).to_have_url(live_server("/"))
    page.goto(live_server(f"/workshops/{workshop_id}"))
    versions = page.get_by_test_id("sent-version")
    expect(versions.filter(has_text="Undangan")).to_have_count(2)

    # Move it two days later, to another venue.
    page.get_by_test_id("edit-link").click()
    page.locator("#starts_at").fill("2030-03-06T13:00")
    page.locator("#ends_at").fill("2030-03-06T16:00")
    page.locator("#venue").fill("Hotel Tugu Malang")
    page.get_by_test_id("save").click()

    # The confirmation step: what changes, for how many; nothing saved yet.
    confirm = page.get_by_test_id("confirm-notice")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("2 peserta")
    changes = page.get_by_test_id("confirm-changes")
    expect(changes).to_contain_text("Ruang Sidang Balai Kota Malang")
    expect(changes).to_contain_text("Hotel Tugu Malang")
    expect(changes).to_contain_text("Rabu, 6 Maret 2030, 13.00 WIB")
    box = page.get_by_test_id("confirm-save").bounding_box()
    assert box is not None and box["y"] + box["height"] <= 768  # in view without scrolling
    widths = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["inner"], f"page scrolls sideways: {widths}"
    with live_server.app.app_context():
        stored = db.session.get(Workshop, workshop_id)
        assert (stored.venue, stored.ical_sequence) == ("Ruang Sidang Balai Kota Malang", 0)
        db.session.remove()
    outbox = tmp_path / "instance" / "outbox"
    assert not list(outbox.glob("*.eml"))

    # Confirmed: saved, and the two invitees who had the invitation get the update.
    page.get_by_test_id("confirm-save").click()
    expect(page).to_have_url(re.compile(rf"/workshops/{workshop_id}$"))
    expect(page.get_by_test_id("workshop-when")).to_contain_text("Rabu, 6 Maret 2030")
    expect(page.locator(".alert-success").first).to_be_visible()
    expect(versions.filter(has_text="Perubahan ke-1")).to_have_count(2)
    expect(page.get_by_test_id("notices-behind")).to_have_count(0)

    messages = [
        email.message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in outbox.glob("*.eml")
    ]
    assert sorted(m["To"] for m in messages) == ["dishub@example.org", "inspektur@example.org"]
    for message in messages:
        (attachment,) = [
            a for a in message.iter_attachments() if a.get_content_type() == "text/calendar"
        ]
        calendar = Calendar.from_ical(attachment.get_payload(decode=True))
        (event,) = calendar.walk("VEVENT")
        assert str(calendar["method"]) == "REQUEST"
        assert str(event["uid"]) == uid
        assert int(event["sequence"]) == 1
        assert event.decoded("dtstart") == dt.datetime(2030, 3, 6, 13, 0, tzinfo=WIB)
        assert str(event["location"]) == "Hotel Tugu Malang"
