"""Workshops in a real Chromium, with CSRF on: plan a workshop, invite every head of OPD,
mark attendance at the door (on a phone too), download the attendance sheet; and an
invitee checking themselves in from the QR code's page."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from tests.browser.checks import no_sideways_scroll
from tests.browser.conftest import LiveServer
from tracker.extensions import db
from tracker.i18n import WIB
from tracker.models import (
    AttendanceStatus,
    HierarchyRole,
    Invitation,
    Opd,
    OpdKind,
    Person,
    User,
    Workshop,
)
from tracker.models.base import utcnow

# One worker runs every browser test, so the session starts one Chromium.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@dataclass
class Officials:
    heads: list[str]
    secretary_id: int


@pytest.fixture
def officials(live_server: LiveServer) -> Officials:
    """The Inspektorat, three dinas (with DINKES) with their heads and secretaries; the
    ``opd`` test login is the DINKES secretary."""
    app = live_server.app
    with app.app_context():
        inspektorat = Opd(
            code="INSPEKTORAT", name="Inspektorat Daerah", kind=OpdKind.INSPEKTORAT, sort_order=30
        )
        dinkes = db.session.scalar(select(Opd).where(Opd.code == "DINKES"))
        dinkes.sort_order = 105
        others = [
            Opd(code="DISKOMINFO", name="Dinas Komunikasi dan Informatika", sort_order=145),
            Opd(code="DISHUB", name="Dinas Perhubungan", sort_order=140),
        ]
        db.session.add_all([inspektorat, *others])
        people = [
            Person(
                name="Inspektur Kota Malang",
                position="Inspektur",
                hierarchy_role=HierarchyRole.INSPEKTUR,
                opd=inspektorat,
                email="inspektur@example.org",
            )
        ]
        for opd in [dinkes, *others]:
            people.append(
                Person(
                    name=f"Kepala {opd.name}",
                    position=f"Kepala {opd.name}",
                    hierarchy_role=HierarchyRole.KEPALA_OPD,
                    opd=opd,
                    email=f"kepala.{opd.code.lower()}@example.org",
                )
            )
        secretary = Person(
            name="Budi Sekretaris",
            position="Sekretaris Dinas Kesehatan",
            hierarchy_role=HierarchyRole.SEKRETARIS_OPD,
            opd=dinkes,
            email="sekretaris.dinkes@malangkota.go.id",
        )
        db.session.add_all([*people, secretary])
        db.session.flush()
        user = db.session.scalar(select(User).where(User.email == live_server.users["opd"].email))
        user.person = secretary
        db.session.commit()
        # Protocol order: the Inspektur, then the kepala by their OPD's order.
        result = Officials(
            heads=[
                "Inspektur Kota Malang",
                "Kepala Dinas Kesehatan",
                "Kepala Dinas Perhubungan",
                "Kepala Dinas Komunikasi dan Informatika",
            ],
            secretary_id=secretary.id,
        )
        db.session.remove()
    return result


def _wib(moment: dt.datetime) -> str:
    return moment.astimezone(WIB).strftime("%Y-%m-%dT%H:%M")


def test_plan_invite_mark_and_download(
    live_server: LiveServer,
    officials: Officials,
    browser_page: Any,
    new_page: Callable[..., Any],
    log_in: Callable[..., Any],
    tmp_path: Any,
) -> None:
    page = browser_page
    log_in(page, "admin")
    expect(page).to_have_url(live_server("/"))

    # Plan the workshop: it started twenty minutes ago, so attendance can be marked.
    page.goto(live_server("/workshops/"))
    page.get_by_test_id("workshop-new").click()
    start = utcnow() - dt.timedelta(minutes=20)
    page.locator("#title").fill("Workshop Penguatan Kapasitas Perangkat Daerah")
    page.locator("#theme").fill("Reformasi birokrasi")
    page.locator("#starts_at").fill(_wib(start))
    page.locator("#ends_at").fill(_wib(start + dt.timedelta(hours=3)))
    page.locator("#venue").fill("Ruang Sidang Balai Kota Malang")
    expect(page.locator("#organiser_opd_id option:checked")).to_contain_text("Inspektorat")
    page.locator("#agenda").fill("13.00 Pembukaan\n14.00 Paparan")
    page.get_by_test_id("save").click()
    expect(page).to_have_url(re.compile(r"/workshops/\d+$"))
    workshop_url = page.url
    workshop_id = int(workshop_url.rsplit("/", 1)[1])
    expect(page.get_by_test_id("workshop-title")).to_have_text(
        "Workshop Penguatan Kapasitas Perangkat Daerah"
    )
    expect(page.get_by_test_id("workshop-agenda")).to_contain_text("14.00 Paparan")
    expect(page.locator(".alert-success")).to_be_visible()

    # Invite every head of OPD, with the calendar invitation by e-mail.
    page.get_by_test_id("invite-link").click()
    page.get_by_test_id("preset-heads").check()
    page.get_by_test_id("send-emails").check()
    page.get_by_test_id("invite-submit").click()
    expect(page).to_have_url(re.compile(rf"/workshops/{workshop_id}(#invitees)?$"))
    rows = page.get_by_test_id("invitee-row")
    expect(rows).to_have_count(len(officials.heads))
    for index, name in enumerate(officials.heads):
        expect(rows.nth(index)).to_contain_text(name)
    outbox = list((tmp_path / "instance" / "outbox").glob("*.eml"))
    assert len(outbox) == len(officials.heads)
    assert b"undangan.ics" in outbox[0].read_bytes()

    # Mark attendance on one screen: present, represented, excused.
    page.get_by_test_id("attendance-link").click()
    row = page.get_by_test_id("attendance-row")
    expect(row).to_have_count(len(officials.heads))
    ids = [row.nth(i).get_attribute("data-row") for i in range(len(officials.heads))]
    first, second, third, fourth = ids
    page.locator(f"label[for=status-{first}-hadir]").click()
    reason = page.locator(f"#excuse_reason-{third}")
    expect(reason).to_be_hidden()  # shown only for an excuse
    page.locator(f"label[for=status-{second}-diwakili]").click()
    page.locator(f"#representative_name-{second}").fill("Ratna Dewi")
    page.locator(f"#representative_position-{second}").fill("Kepala Bidang Pelayanan Kesehatan")
    page.locator(f"label[for=status-{third}-izin]").click()
    expect(reason).to_be_visible()
    reason.fill("Tugas ke Jakarta")
    page.get_by_test_id("attendance-save").click()
    expect(page.locator(".alert-success")).to_be_visible()

    # A row left invalid comes back with its own message, the others keep their input.
    page.locator(f"label[for=status-{fourth}-diwakili]").click()
    page.get_by_test_id("attendance-save").click()
    expect(page.get_by_test_id("row-error")).to_have_count(1)
    expect(page.locator(f"[data-row='{fourth}']")).to_have_class(re.compile("border-danger"))

    with live_server.app.app_context():
        saved = {
            i.person.name: i.status
            for i in db.session.scalars(
                select(Invitation).where(Invitation.workshop_id == workshop_id)
            )
        }
        db.session.remove()
    assert saved[officials.heads[0]] is AttendanceStatus.HADIR
    assert saved[officials.heads[1]] is AttendanceStatus.DIWAKILI
    assert saved[officials.heads[2]] is AttendanceStatus.IZIN
    assert saved[officials.heads[3]] is AttendanceStatus.INVITED

    # The workshop page sums it up and links the sheets and the calendar file.
    page.goto(workshop_url)
    expect(page.get_by_test_id("count-hadir")).to_have_text("1")
    expect(page.get_by_test_id("count-diwakili")).to_have_text("1")
    expect(page.get_by_test_id("count-izin")).to_have_text("1")
    expect(page.get_by_test_id("rate")).to_have_text("50%")
    expect(page.locator("img.qr-code")).to_be_visible()
    assert page.evaluate("() => document.querySelector('img.qr-code').naturalWidth") > 0

    pdf = page.request.get(live_server(page.get_by_test_id("sheet-pdf").get_attribute("href")))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    text = re.sub(r"\s+", " ", text)
    assert "DAFTAR HADIR" in text
    assert "No Nama Jabatan OPD Keterangan Tanda Tangan" in text
    for name in officials.heads:
        assert name in text
    assert "Diwakili oleh Ratna Dewi" in text
    assert "Izin: Tugas ke Jakarta" in text

    with page.expect_download() as download_info:
        page.get_by_test_id("sheet-xlsx").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    saved_xlsx = tmp_path / download.suggested_filename
    download.save_as(saved_xlsx)
    book = load_workbook(saved_xlsx)
    values = list(book["Daftar Hadir"].iter_rows(values_only=True))
    assert ("No", "Nama", "Jabatan", "OPD", "Keterangan", "Tanda Tangan") in values
    assert [r[1] for r in values[-len(officials.heads) :]] == officials.heads

    with page.expect_download() as ics_info:
        page.get_by_test_id("ics").click()
    assert ics_info.value.suggested_filename.endswith(".ics")

    # The same screen at the door, on a phone.
    phone = new_page(**PHONE)
    log_in(phone, "admin")
    phone.goto(live_server(f"/workshops/{workshop_id}/attendance"))
    no_sideways_scroll(phone)
    phone.locator("#row-filter").fill("komunikasi")
    visible = phone.locator("[data-testid=attendance-row]:visible")
    expect(visible).to_have_count(1)
    phone.get_by_test_id("mark-rest-present").click()
    phone.get_by_test_id("attendance-save").click()
    expect(phone.locator(".alert-success")).to_be_visible()
    no_sideways_scroll(phone)
    phone.goto(live_server(f"/workshops/{workshop_id}"))
    expect(phone.get_by_test_id("count-hadir")).to_have_text("2")
    no_sideways_scroll(phone)


def test_invitee_checks_in_from_the_qr_code_page(
    live_server: LiveServer,
    officials: Officials,
    new_page: Callable[..., Any],
    log_in: Callable[..., Any],
) -> None:
    with live_server.app.app_context():
        start = utcnow() - dt.timedelta(minutes=10)
        workshop = Workshop(
            title="Rapat Koordinasi Tindak Lanjut Komitmen",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            venue="Ruang Rapat Inspektorat",
        )
        db.session.add(workshop)
        db.session.add(Invitation(workshop=workshop, person_id=officials.secretary_id))
        db.session.commit()
        workshop_id = workshop.id
        db.session.remove()

    phone = new_page(**PHONE)
    # Scanning the QR code opens the check-in page; the login comes first.
    phone.goto(live_server(f"/workshops/{workshop_id}/checkin"))
    expect(phone).to_have_url(re.compile(r"/login"))
    log_in(phone, "opd")
    expect(phone).to_have_url(re.compile(rf"/workshops/{workshop_id}/checkin$"))
    expect(phone.get_by_test_id("workshop-title")).to_have_text(
        "Rapat Koordinasi Tindak Lanjut Komitmen"
    )
    phone.get_by_test_id("checkin-submit").click()
    expect(phone.get_by_test_id("checked-in")).to_be_visible()
    expect(phone.locator(".alert-success.alert-dismissible")).to_be_visible()
    expect(phone.get_by_test_id("checkin-submit")).to_have_count(0)
    no_sideways_scroll(phone)

    # The workshop page shows it to the invitee.
    phone.goto(live_server(f"/workshops/{workshop_id}"))
    badge = phone.get_by_test_id("my-attendance").get_by_test_id("attendance-status")
    expect(badge).to_have_class(re.compile("text-bg-success"))
    with live_server.app.app_context():
        invitation = db.session.scalar(
            select(Invitation).where(Invitation.workshop_id == workshop_id)
        )
        assert invitation.status is AttendanceStatus.HADIR
        assert invitation.self_checked_in
        db.session.remove()
