"""An invitee with no account opens their personal link on a phone (390x844) during the
check-in window: the arrival is recorded and the page says who was checked in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import LiveServer
from tracker.audit import Actor, acting_as
from tracker.extensions import db
from tracker.models import (
    AttendanceStatus,
    HierarchyRole,
    Invitation,
    Opd,
    Person,
    Workshop,
    WorkshopStatus,
)
from tracker.models.base import utcnow
from tracker.services import pass_links, passes

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _invitee(live_server: LiveServer, *, starts_in: dt.timedelta) -> tuple[int, str]:
    with live_server.app.test_request_context(), acting_as(Actor(None, "browser-test")):
        dinkes = db.session.scalar(select(Opd).where(Opd.code == "DINKES"))
        head = Person(
            name="dr. Husnul Muarif",
            position="Kepala Dinas Kesehatan",
            hierarchy_role=HierarchyRole.KEPALA_OPD,
            opd=dinkes,
        )
        start = utcnow() + starts_in
        workshop = Workshop(
            title="Workshop Penguatan Integritas",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=3),
            venue="Ruang Sidang Balai Kota Malang",
            status=WorkshopStatus.PLANNED,
        )
        invitation = Invitation(workshop=workshop, person=head)
        db.session.add_all([head, workshop, invitation])
        db.session.flush()
        link = pass_links.pass_url(passes.issue(invitation))
        db.session.commit()
        invitation_id = invitation.id
        db.session.remove()
    return invitation_id, link


def _stored(live_server: LiveServer, invitation_id: int) -> tuple[AttendanceStatus, Any]:
    with live_server.app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        assert invitation is not None
        found = invitation.status, invitation.checked_in_via
        db.session.remove()
    return found


def test_an_invitee_without_an_account_checks_in_with_their_link(
    live_server: LiveServer, new_page: Callable[..., Any]
) -> None:
    invitation_id, link = _invitee(live_server, starts_in=-dt.timedelta(minutes=20))
    assert link.startswith(live_server.url + "/hadir/")
    page = new_page(**PHONE)
    page.goto(link)
    confirmation = page.get_by_test_id("pass-checked-in")
    expect(confirmation).to_be_visible()
    expect(confirmation).to_contain_text("dr. Husnul Muarif tercatat hadir")
    expect(confirmation).to_contain_text("WIB")
    expect(page.get_by_test_id("pass-name")).to_have_text("dr. Husnul Muarif")
    expect(page.get_by_test_id("pass-workshop")).to_contain_text("Workshop Penguatan Integritas")
    # the page fits the phone: nothing wider than the screen
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    assert _stored(live_server, invitation_id) == (AttendanceStatus.HADIR, "pass")
    # opened again: nothing changes, and the page says so
    page.reload()
    expect(page.get_by_test_id("pass-already")).to_be_visible()
    # they sign on their own phone, and the signature stands on the page from then on
    canvas = page.locator("[data-signature-canvas]")
    expect(page.get_by_test_id("signature-pad")).to_have_attribute("data-strokes", "0")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 0.1 * box["width"], box["y"] + 0.6 * box["height"])
    page.mouse.down()
    for x, y in ((0.3, 0.2), (0.5, 0.7), (0.8, 0.3)):
        page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"], steps=4)
    page.mouse.up()
    page.get_by_test_id("signature-save").click()
    expect(page.get_by_test_id("signature-status")).to_contain_text("Tanda tangan tersimpan")
    page.reload()
    expect(page.get_by_test_id("pass-signature").locator("img")).to_be_visible()


def test_before_the_window_an_invitee_names_a_representative(
    live_server: LiveServer, new_page: Callable[..., Any]
) -> None:
    invitation_id, link = _invitee(live_server, starts_in=dt.timedelta(days=2))
    page = new_page(**PHONE)
    page.goto(link)
    expect(page.get_by_test_id("pass-window")).to_contain_text("Presensi dibuka")
    expect(page.get_by_test_id("pass-hadir")).to_have_count(0)
    page.get_by_text("Saya diwakili").click()
    form = page.get_by_test_id("pass-representative-form")
    form.get_by_label("Atau ketik namanya").fill("Drs. Wahyu Hidayat")
    form.get_by_label("Jabatan").fill("Kepala Bidang Pelayanan")
    form.get_by_label("NIP (tidak wajib)").fill("19750312 200003 2 004")
    form.get_by_test_id("pass-representative-save").click()  # the CSRF token goes along
    expect(page.get_by_test_id("pass-notice")).to_be_visible()
    expect(page.get_by_test_id("pass-representative")).to_contain_text("Drs. Wahyu Hidayat")
    expect(page.get_by_test_id("pass-representative")).to_contain_text("197503122000032004")
    assert _stored(live_server, invitation_id) == (AttendanceStatus.INVITED, None)
