"""The door kiosk in a real Chromium: a personal QR code shown to the camera (Chromium's fake
camera playing frames of the code), an arrival tapped while the connection is lost and sent
when it is back, and the search-and-tap fallback with a walk-in on a phone."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import segno
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, LiveServer
from tracker.audit import Actor, acting_as
from tracker.extensions import db
from tracker.models import (
    AttendanceStatus,
    AuditAction,
    AuditLog,
    HierarchyRole,
    Invitation,
    Opd,
    Person,
    Workshop,
)
from tracker.models.base import utcnow
from tracker.services import passes

# One worker runs every browser test, so the session starts one Chromium.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
TABLET = {"viewport": {"width": 1024, "height": 768}, "has_touch": True}


def _prepare(live_server: LiveServer) -> dict[str, Any]:
    """A workshop that started half an hour ago with three invitees, and an official of
    DINKES who was not invited."""
    with live_server.app.app_context(), acting_as(Actor(None, "browser-test")):
        now = utcnow()
        dinkes = db.session.scalar(select(Opd).where(Opd.code == "DINKES"))
        workshop = Workshop(
            title="Rapat Koordinasi Reformasi Birokrasi",
            starts_at=now - dt.timedelta(minutes=30),
            ends_at=now + dt.timedelta(hours=2),
            venue="Ruang Sidang Balai Kota Malang",
        )
        people = [
            Person(
                name="dr. Husnul Muarif",
                position="Kepala Dinas Kesehatan",
                hierarchy_role=HierarchyRole.KEPALA_OPD,
                opd=dinkes,
            ),
            Person(
                name="Ir. Diah Ayu Kusumadewi",
                position="Sekretaris Dinas Kesehatan",
                hierarchy_role=HierarchyRole.SEKRETARIS_OPD,
                opd=dinkes,
            ),
            Person(
                name="Erik Setyo Santoso",
                position="Sekretaris Daerah",
                hierarchy_role=HierarchyRole.SEKDA,
            ),
        ]
        walk_in = Person(
            name="Drs. Bambang Walkin",
            position="Kepala Bidang Pelayanan Kesehatan",
            hierarchy_role=HierarchyRole.OTHER,
            opd=dinkes,
        )
        db.session.add_all([workshop, *people, walk_in])
        invitations = [Invitation(workshop=workshop, person=p) for p in people]
        db.session.add_all(invitations)
        db.session.flush()
        tokens = passes.issue_all(invitations)
        db.session.commit()
        ids = {
            "workshop": workshop.id,
            "head": invitations[0].id,
            "secretary": invitations[1].id,
            "sekda": invitations[2].id,
            "walk_in_person": walk_in.id,
            "head_token": tokens[invitations[0].id],
        }
        db.session.remove()
    return ids


def _invitation(live_server: LiveServer, invitation_id: int) -> dict[str, Any]:
    with live_server.app.app_context():
        inv = db.session.get(Invitation, invitation_id)
        assert inv is not None
        updates = db.session.scalar(
            select(func.count())
            .select_from(AuditLog)
            .where(
                AuditLog.entity_id == invitation_id,
                AuditLog.entity_type.ilike("invitation"),
                AuditLog.action == AuditAction.UPDATE,
            )
        )
        found = {
            "status": inv.status,
            "checked_in_at": inv.checked_in_at,
            "via": inv.checked_in_via,
            "updates": updates,
        }
        db.session.remove()
    return found


def _qr_video(text: str, path: Path) -> Path:
    """An MJPEG file of a white 640x480 picture with the QR code of ``text`` in the middle
    (Chromium's fake camera plays it in a loop)."""
    png = io.BytesIO()
    segno.make(text, error="m").save(png, kind="png", scale=8, border=4)
    code = Image.open(io.BytesIO(png.getvalue())).convert("RGB")
    frame = Image.new("RGB", (640, 480), "white")
    frame.paste(code, ((640 - code.width) // 2, (480 - code.height) // 2))
    jpeg = io.BytesIO()
    frame.save(jpeg, format="JPEG", quality=90)
    path.write_bytes(jpeg.getvalue() * 10)
    return path


def test_a_pass_shown_to_the_camera_checks_the_invitee_in(
    live_server: LiveServer,
    log_in: Callable[[Any, str], Any],
    tmp_path: Path,
    playwright_driver: Any,
) -> None:
    ids = _prepare(live_server)
    updates_before = _invitation(live_server, ids["head"])["updates"]
    video = _qr_video(live_server(f"/hadir/{ids['head_token']}"), tmp_path / "pass.mjpeg")
    expect.set_options(timeout=TIMEOUT_MS)
    # The fake camera is chosen when the browser starts: a browser of its own.
    browser = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = browser.new_context(locale="id-ID", permissions=["camera"], **TABLET)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        log_in(page, "admin")
        page.goto(live_server(f"/workshops/{ids['workshop']}"))
        page.get_by_test_id("door-link").click()
        expect(page).to_have_url(live_server(f"/workshops/{ids['workshop']}/door"))

        result = page.get_by_test_id("door-result")
        expect(result).to_be_visible()
        expect(result).to_have_attribute("data-state", "recorded")
        expect(page.get_by_test_id("door-result-name")).to_have_text("dr. Husnul Muarif")
        expect(result).to_contain_text("Kepala Dinas Kesehatan")
        expect(result).to_contain_text("Dinas Kesehatan")
        expect(page.get_by_test_id("door-result-message")).to_contain_text("WIB")
        # The confirmation goes away by itself; the camera keeps seeing the same code,
        # which records nothing more.
        expect(result).to_be_hidden()
        page.wait_for_timeout(1500)
    finally:
        browser.close()

    head = _invitation(live_server, ids["head"])
    assert head["status"] is AttendanceStatus.HADIR
    assert head["via"] == "door"
    assert head["updates"] == updates_before + 1


def test_a_tap_without_connection_is_kept_and_sent_once_when_back(
    live_server: LiveServer, log_in: Callable[[Any, str], Any], new_page: Callable[..., Any]
) -> None:
    ids = _prepare(live_server)
    updates_before = _invitation(live_server, ids["secretary"])["updates"]
    page = new_page(**PHONE)
    log_in(page, "admin")
    page.goto(live_server(f"/workshops/{ids['workshop']}/door"))
    page.get_by_test_id("tab-list").click()

    page.context.set_offline(True)
    tapped_from = utcnow().replace(microsecond=0)
    page.get_by_test_id("door-invitee").filter(has_text="Ir. Diah Ayu Kusumadewi").click()
    result = page.get_by_test_id("door-result")
    expect(result).to_have_attribute("data-state", "queued")
    expect(result).to_contain_text("Ir. Diah Ayu Kusumadewi")
    expect(result).to_contain_text("Tersimpan di perangkat ini")
    tapped_until = utcnow()
    expect(page.get_by_test_id("door-pending")).to_be_visible()
    assert page.evaluate("window.doorKiosk.queue().length") == 1
    # A while without connection: what is recorded is the moment of the tap.
    page.wait_for_timeout(2500)
    assert _invitation(live_server, ids["secretary"])["checked_in_at"] is None

    back_at = utcnow()
    page.context.set_offline(False)
    expect(page.get_by_test_id("door-pending")).to_be_hidden()
    assert page.evaluate("window.doorKiosk.queue().length") == 0
    # Sending again (another retry) records nothing more.
    page.evaluate("window.doorKiosk.flushQueue()")

    secretary = _invitation(live_server, ids["secretary"])
    assert secretary["status"] is AttendanceStatus.HADIR
    assert secretary["via"] == "door"
    assert tapped_from <= secretary["checked_in_at"] <= tapped_until < back_at
    assert secretary["checked_in_at"].microsecond % 1000 == 0  # the device's milliseconds
    assert secretary["updates"] == updates_before + 1
    row = page.get_by_test_id("door-invitee").filter(has_text="Ir. Diah Ayu Kusumadewi")
    expect(row).to_have_attribute("data-arrived", "yes")


def test_search_and_tap_and_a_walk_in_on_a_phone(
    live_server: LiveServer, log_in: Callable[[Any, str], Any], new_page: Callable[..., Any]
) -> None:
    ids = _prepare(live_server)
    updates_before = _invitation(live_server, ids["sekda"])["updates"]
    page = new_page(**PHONE)
    log_in(page, "admin")
    page.goto(live_server(f"/workshops/{ids['workshop']}/door"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_test_id("tab-list").click()
    page.get_by_test_id("door-search").fill("sekretaris daerah")
    rows = page.get_by_test_id("door-invitee")
    expect(rows.filter(visible=True)).to_have_count(1)
    expect(rows.filter(visible=True)).to_contain_text("Erik Setyo Santoso")
    box = rows.filter(visible=True).bounding_box()
    assert box is not None and box["height"] >= 56 and box["width"] >= 300
    rows.filter(visible=True).click()
    result = page.get_by_test_id("door-result")
    expect(result).to_have_attribute("data-state", "recorded")
    expect(page.get_by_test_id("door-result-name")).to_have_text("Erik Setyo Santoso")
    # The person may then sign on this screen.
    sign = page.get_by_test_id("door-sign")
    expect(sign).to_be_visible()
    expect(sign).to_have_attribute(
        "href",
        f"/workshops/{ids['workshop']}/door/signature/{ids['sekda']}"
        f"?next=/workshops/{ids['workshop']}/door",
    )
    result.click()  # a tap closes the confirmation at once
    expect(result).to_be_hidden()

    # Tapped again: amber, with the time of the first arrival.
    rows.filter(visible=True).click()
    expect(result).to_have_attribute("data-state", "already")
    expect(page.get_by_test_id("door-result-message")).to_contain_text("Sudah presensi")
    result.click()

    # Two taps for a walk-in: the tab, then the official.
    page.get_by_test_id("tab-walk-in").click()
    page.get_by_test_id("door-walk-in-search").fill("bambang")
    page.get_by_test_id("door-candidate").filter(visible=True).click()
    expect(result).to_have_attribute("data-state", "recorded")
    expect(page.get_by_test_id("door-result-name")).to_have_text("Drs. Bambang Walkin")
    expect(result).to_contain_text("tanpa undangan")

    sekda = _invitation(live_server, ids["sekda"])
    assert sekda["status"] is AttendanceStatus.HADIR and sekda["via"] == "door"
    assert sekda["updates"] == updates_before + 1
    with live_server.app.app_context():
        walk_in = db.session.scalar(
            select(Invitation).where(Invitation.person_id == ids["walk_in_person"])
        )
        assert walk_in is not None and walk_in.walk_in
        assert walk_in.status is AttendanceStatus.HADIR
        db.session.remove()
