"""Signing on the screen in a real Chromium, with CSRF on: from the attendance screen,
staff hand the tablet to an invitee who has arrived; they sign with the mouse, start again,
sign, save; the stored signature is an SVG of paths and stands in the daftar hadir."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pdfplumber
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import LiveServer
from tracker.extensions import db
from tracker.models import (
    AttendanceSignature,
    AttendanceStatus,
    HierarchyRole,
    Invitation,
    Opd,
    Person,
    Workshop,
)
from tracker.models.base import utcnow

# One worker runs every browser test, so the session starts one Chromium.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

DESK = {"viewport": {"width": 1366, "height": 768}}


def _workshop(live_server: LiveServer) -> tuple[int, int, int]:
    """A workshop under way: one invitee arrived, one not yet."""
    with live_server.app.app_context():
        opd = db.session.scalar(select(Opd).where(Opd.code == "DINKES"))
        arrived = Person(
            name="dr. Husnul Muarif",
            position="Kepala Dinas Kesehatan",
            hierarchy_role=HierarchyRole.KEPALA_OPD,
            opd=opd,
        )
        waiting = Person(
            name="Sekretaris Dinas Kesehatan", position="Sekretaris Dinas Kesehatan", opd=opd
        )
        start = utcnow() - dt.timedelta(minutes=30)
        workshop = Workshop(
            title="Rapat Koordinasi SAKIP",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=3),
            venue="Ruang Sidang Balai Kota Malang",
        )
        present = Invitation(
            workshop=workshop,
            person=arrived,
            status=AttendanceStatus.HADIR,
            checked_in_at=utcnow() - dt.timedelta(minutes=5),
        )
        db.session.add_all([workshop, present, Invitation(workshop=workshop, person=waiting)])
        db.session.commit()
        ids = workshop.id, present.id, arrived.id
        db.session.remove()
    return ids


def _stroke(page: Any, canvas: Any, points: list[tuple[float, float]]) -> None:
    box = canvas.bounding_box()
    x0, y0 = box["x"], box["y"]
    page.mouse.move(x0 + points[0][0] * box["width"], y0 + points[0][1] * box["height"])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(x0 + x * box["width"], y0 + y * box["height"], steps=4)
    page.mouse.up()


def test_an_invitee_signs_on_the_attendance_tablet(
    live_server: LiveServer, new_page: Callable[..., Any], log_in: Callable[..., Any]
) -> None:
    workshop_id, invitation_id, _person_id = _workshop(live_server)
    page = new_page(**DESK)
    log_in(page, "admin")
    page.goto(live_server(f"/workshops/{workshop_id}/attendance"))
    links = page.get_by_test_id("sign-link")
    expect(links).to_have_count(1)  # only the invitee who has arrived
    links.first.click()
    expect(page.get_by_test_id("signature-invitee")).to_have_text("dr. Husnul Muarif")

    pad = page.get_by_test_id("signature-pad")
    canvas = pad.locator("canvas")
    expect(canvas).to_be_visible()
    expect(pad).to_have_attribute("data-strokes", "0")  # the pad's script is ready
    # Saving an empty pad says so and sends nothing.
    page.get_by_test_id("signature-save").click()
    expect(page.get_by_test_id("signature-status")).to_contain_text("tanda tangan terlebih dahulu")

    # A scribble, then "Ulangi" clears it.
    _stroke(page, canvas, [(0.1, 0.5), (0.3, 0.2), (0.5, 0.8)])
    assert pad.get_attribute("data-strokes") == "1"
    page.get_by_test_id("signature-clear").click()
    assert pad.get_attribute("data-strokes") == "0"
    assert page.locator("[data-signature-field]").input_value() == ""

    # The signature: two strokes.
    _stroke(page, canvas, [(0.08, 0.7), (0.15, 0.2), (0.22, 0.75), (0.3, 0.3), (0.38, 0.6)])
    _stroke(page, canvas, [(0.45, 0.5), (0.6, 0.35), (0.75, 0.65), (0.9, 0.45)])
    svg = page.locator("[data-signature-field]").input_value()
    assert svg.startswith("<svg") and svg.count("<path ") == 2
    # the canvas shows ink where the strokes went
    inked = page.evaluate(
        """() => {
            const c = document.querySelector('[data-signature-canvas]');
            const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) n++; }
            return n;
        }"""
    )
    assert inked > 200

    page.get_by_test_id("signature-save").click()
    expect(page.get_by_test_id("signature-status")).to_contain_text("Tanda tangan tersimpan")
    expect(page.get_by_test_id("signature-status")).to_contain_text("dr. Husnul Muarif")

    with live_server.app.app_context():
        stored = db.session.get(AttendanceSignature, invitation_id)
        assert stored is not None
        assert stored.signed_by == "dr. Husnul Muarif"
        assert stored.svg.count("<path ") == 2
        assert "script" not in stored.svg
        db.session.remove()

    # Opened again, the page shows the signature given.
    page.reload()
    expect(page.get_by_test_id("signature-current").locator("img")).to_be_visible()
    assert (
        page.evaluate(
            "() => document.querySelector('[data-testid=signature-current] img').naturalWidth"
        )
        > 0
    )

    # The daftar hadir carries it in the first row's signature cell (strokes drawn there).
    pdf = page.request.get(live_server(f"/workshops/{workshop_id}/daftar-hadir.pdf"))
    assert pdf.ok
    with pdfplumber.open(io.BytesIO(pdf.body())) as document:
        first = document.pages[0]
        curves = [c for c in first.curves if c["object_type"] == "curve"]
        header = next(w for w in first.extract_words() if w["text"] == "Tanda")
        assert len(curves) >= 2
        assert all(c["x0"] >= header["x0"] - 60 for c in curves)
