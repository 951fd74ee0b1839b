"""A commitment's journey in a real Chromium: the OPD secretary posts progress with a file
and reports done (on a phone); an Inspektorat officer checks the evidence and verifies."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.checks import no_sideways_scroll
from tests.browser.conftest import PASSWORD, Account, LiveServer
from tests.commitments.factories_commitments import pdf_bytes
from tracker.audit import Actor, acting_as
from tracker.extensions import db
from tracker.models import HierarchyRole, Opd, Person, Role
from tracker.models.base import utcnow
from tracker.models.commitment import Commitment, CommitmentStatus, UpdateKind
from tracker.services import accounts
from tracker.services import commitments as service

# One worker runs every browser test, so the session starts one Chromium.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

STATEMENT = "Melaksanakan penimbangan serentak balita di seluruh posyandu"


@pytest.fixture
def commitment_id(live_server: LiveServer) -> int:
    """An Inspektorat officer and a commitment of DINKES, in force, in the live app."""
    officer = Account("auditor@malangkota.go.id", "Dewi Auditor")
    with live_server.app.app_context(), acting_as(Actor(None, "browser-test")):
        now = utcnow()
        opd = db.session.scalar(select(Opd).where(Opd.code == "DINKES"))
        head = Person(
            name="Kepala Dinas Kesehatan",
            position="Kepala Dinas Kesehatan",
            hierarchy_role=HierarchyRole.KEPALA_OPD,
            opd=opd,
        )
        secretary = Person(
            name="Sekretaris Dinas Kesehatan",
            position="Sekretaris Dinas Kesehatan",
            hierarchy_role=HierarchyRole.SEKRETARIS_OPD,
            opd=opd,
        )
        db.session.add_all([head, secretary])
        db.session.flush()
        user = accounts.create_user(
            email=officer.email,
            name=officer.name,
            role=Role.INSPEKTORAT,
            password=PASSWORD,
            now=now,
        )
        commitment = service.create_commitment(
            {
                "opd_id": opd.id,
                "statement": STATEMENT,
                "indicator": "Persentase balita ditimbang",
                "target": "100% balita di 57 kelurahan",
                "due_on": (now + dt.timedelta(days=5)).date(),
                "made_by_id": head.id,
                "carried_out_by_id": secretary.id,
            },
            actor=user,
            now=now,
        )
        db.session.commit()
        commitment_id = commitment.id
        db.session.remove()
    live_server.users["inspektorat"] = officer
    return commitment_id


def test_secretary_reports_and_inspektorat_verifies(
    live_server: LiveServer,
    new_page: Callable[..., Any],
    log_in: Callable[..., Any],
    commitment_id: int,
) -> None:
    detail_url = live_server(f"/commitments/{commitment_id}")

    # --- the OPD secretary, on a phone ---
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto(live_server("/login"))
    log_in(page, "opd")
    expect(page).to_have_url(live_server("/"))
    page.goto(live_server("/commitments/"))
    card = page.get_by_test_id("commitment-card").filter(has_text=STATEMENT)  # a phone: cards
    expect(card).to_have_count(1)
    expect(card.get_by_test_id("badge-due-soon")).to_be_visible()
    no_sideways_scroll(page)
    card.get_by_role("link").first.click()
    expect(page).to_have_url(detail_url)
    expect(page.get_by_test_id("status-badge").first).to_have_attribute("data-status", "active")
    expect(page.get_by_test_id("commitment-edit")).to_have_count(0)
    no_sideways_scroll(page)

    form = page.get_by_test_id("progress-form")
    form.locator("textarea[name=progress-note]").fill("Penimbangan serentak di 57 kelurahan.")
    form.locator("input[name=progress-progress]").fill("80")
    form.locator("input[name=progress-files]").set_input_files(
        [{"name": "laporan-agustus.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}]
    )
    form.locator("input[name=progress-refers_to_on]").fill("2023-08-15")
    page.get_by_test_id("progress-submit").click()
    expect(page).to_have_url(detail_url)
    expect(page.locator("main .alert-success")).to_be_visible()
    expect(page.get_by_test_id("progress-value").first).to_have_text("80%")
    timeline = page.get_by_test_id("timeline")
    expect(timeline.get_by_text("Penimbangan serentak di 57 kelurahan.")).to_be_visible()
    file_link = timeline.get_by_test_id("evidence-file")
    expect(file_link).to_have_text("laporan-agustus.pdf")

    page.get_by_test_id("done-form").locator("textarea").fill("Target tercapai.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("done-submit").click()
    expect(page.locator("main .alert-success")).to_be_visible()
    expect(page.get_by_test_id("status-badge").first).to_have_attribute(
        "data-status", "reported_done"
    )
    expect(page.get_by_test_id("progress-form")).to_have_count(0)
    expect(page.get_by_test_id("awaiting-verification")).to_be_visible()
    no_sideways_scroll(page)

    # --- an Inspektorat officer, on a desktop ---
    officer = new_page(viewport={"width": 1280, "height": 900})
    officer.goto(live_server("/login"))
    log_in(officer, "inspektorat")
    expect(officer).to_have_url(live_server("/"))
    officer.goto(live_server("/commitments/?status=reported_done"))
    officer.get_by_test_id("commitment-row").filter(has_text=STATEMENT).get_by_role(
        "link"
    ).first.click()
    expect(officer).to_have_url(detail_url)
    evidence = officer.get_by_test_id("timeline").get_by_test_id("evidence-file")
    href = evidence.get_attribute("href")
    assert href and re.fullmatch(rf"/commitments/{commitment_id}/evidence/\d+", href)
    download = officer.request.get(live_server(href))
    assert download.status == 200
    assert download.body() == pdf_bytes()
    assert download.headers["content-type"] == "application/pdf"

    review = officer.get_by_test_id("review-form")
    review.locator("input[name=review-decision][value=verify]").check()
    review.locator("textarea[name=review-note]").fill("Bukti lengkap dan sesuai target.")
    officer.get_by_test_id("review-submit").click()
    expect(officer.locator("main .alert-success")).to_be_visible()
    expect(officer.get_by_test_id("status-badge").first).to_have_attribute(
        "data-status", "verified"
    )
    kinds = officer.get_by_test_id("timeline-entry").evaluate_all(
        "items => items.map(item => item.dataset.kind)"
    )
    assert kinds == ["create", "progress", "report_done", "verify"]

    # The secretary sees the verified state too; the evidence is still theirs to open.
    page.reload()
    expect(page.get_by_test_id("status-badge").first).to_have_attribute("data-status", "verified")

    with live_server.app.app_context():
        stored = db.session.get(Commitment, commitment_id)
        assert stored.status is CommitmentStatus.VERIFIED
        assert [u.kind for u in stored.updates][-1] is UpdateKind.VERIFY
        db.session.remove()


def test_oversized_file_is_flagged_before_sending(
    live_server: LiveServer,
    browser_page: Any,
    log_in: Callable[..., Any],
    commitment_id: int,
) -> None:
    """The page warns as soon as a file over the limit is chosen; the server refuses it
    too, and the page names it as not kept."""
    live_server.app.config["UPLOAD_MAX_FILE_SIZE"] = 1024
    page = browser_page
    page.goto(live_server("/login"))
    log_in(page, "opd")
    page.goto(live_server(f"/commitments/{commitment_id}"))
    form = page.get_by_test_id("progress-form")
    form.locator("textarea[name=progress-note]").fill("Laporan")
    form.locator("input[name=progress-files]").set_input_files(
        [{"name": "besar.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes() * 100}]
    )
    expect(form.get_by_test_id("upload-warning")).to_be_visible()
    expect(form.get_by_test_id("upload-warning")).to_contain_text("besar.pdf")
    page.get_by_test_id("progress-submit").click()
    expect(page.get_by_test_id("file-not-kept")).to_have_text(["besar.pdf"])
    with live_server.app.app_context():
        stored = db.session.get(Commitment, commitment_id)
        assert [u.kind for u in stored.updates] == [UpdateKind.CREATE]
        db.session.remove()
