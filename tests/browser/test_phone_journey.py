"""The OPD secretary on a phone (390x844) in a real Chromium: every list and detail page
they use fits the screen (lists as cards, filters behind one button), and a refused
upload is shown where they are looking, naming the files that were not kept."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.browser.conftest import Account, LiveServer
from tests.commitments.factories_commitments import pdf_bytes
from tracker.audit import Actor, acting_as
from tracker.extensions import db
from tracker.models import HierarchyRole, Opd, Person, Role
from tracker.models.base import utcnow
from tracker.models.commitment import CommitmentEvidence, ProgressUpdate
from tracker.models.finding import FollowUp, ReportKind
from tracker.models.reminder import DigestState, ReminderDigest
from tracker.services import accounts
from tracker.services import commitments as commitment_service
from tracker.services import findings as finding_service

# One worker runs every browser test, so the session starts one Chromium.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESK = {"viewport": {"width": 1366, "height": 768}}

LONG_STATEMENT = (
    "Mengintegrasikan seluruh layanan perizinan kesehatan (SIP, SIK, izin apotek, izin "
    "klinik pratama dan laboratorium) ke dalam Mal Pelayanan Publik digital Kota Malang "
    "dengan tanda tangan elektronik tersertifikasi BSrE"
)
LONG_WORD = "https://sipandu.malangkota.go.id/laporan/dinkes/2023/semester-2/" + "x" * 60


def _prepare(live_server: LiveServer) -> dict[str, int]:
    """DINKES's commitments, a financial finding with a review and repayments, and a
    reminder sent to its secretary: long texts everywhere, as in real data."""
    officer = Account("auditor@malangkota.go.id", "Dewi Auditor")
    live_server.users["inspektorat"] = officer
    with live_server.app.app_context(), acting_as(Actor(None, "browser-test")):
        now = utcnow()
        today = now.date()
        dinkes = db.session.scalar(select(Opd).where(Opd.code == "DINKES"))
        dinkes.name = "Dinas Kesehatan, Pengendalian Penduduk dan Keluarga Berencana"
        head = Person(
            name="dr. Husnul Muarif",
            position="Kepala Dinas Kesehatan, Pengendalian Penduduk dan Keluarga Berencana",
            hierarchy_role=HierarchyRole.KEPALA_OPD,
            opd=dinkes,
        )
        secretary = Person(
            name="Budi Sekretaris, S.K.M., M.Kes.",
            position="Sekretaris Dinas Kesehatan",
            hierarchy_role=HierarchyRole.SEKRETARIS_OPD,
            opd=dinkes,
            email="sekretaris.dinkes@malangkota.go.id",
        )
        db.session.add_all([head, secretary])
        db.session.flush()
        user = accounts.create_user(
            email=officer.email,
            name=officer.name,
            role=Role.INSPEKTORAT,
            password=officer.password,
            now=now,
        )
        commitments = []
        for days, text in (
            (-12, LONG_STATEMENT),
            (3, "Penimbangan serentak balita"),
            (90, LONG_WORD),
        ):
            commitments.append(
                commitment_service.create_commitment(
                    {
                        "opd_id": dinkes.id,
                        "statement": text,
                        "indicator": "Persentase layanan perizinan terintegrasi dan terpantau",
                        "target": "100% layanan di 5 kecamatan, 57 kelurahan dan 16 puskesmas",
                        "due_on": today + dt.timedelta(days=days),
                        "made_by_id": head.id,
                        "carried_out_by_id": secretary.id,
                    },
                    actor=user,
                    now=now,
                )
            )
        report = finding_service.create_report(
            user,
            now=now,
            kind=ReportKind.LHP_INSPEKTORAT,
            year=today.year - 1,
            number="700/123/35.73.113/2022",
            title="LHP Pemeriksaan Reguler Dinas Kesehatan",
            issuer="Inspektorat Kota Malang",
            issued_on=dt.date(today.year - 1, 1, 10),
            received_on=dt.date(today.year - 1, 1, 12),
            grade=None,
            score=None,
            note=None,
        )
        finding = finding_service.create_finding(
            user,
            report,
            opd_ids=[dinkes.id],
            number="1",
            title="Kelebihan pembayaran honorarium tim pelaksana kegiatan pada Dinas Kesehatan",
            condition="Pembayaran honorarium melebihi standar biaya masukan " + LONG_WORD,
            criteria=None,
            cause=None,
            effect=None,
            is_financial=True,
            amount_to_recover="1.234.567.890",
        )
        rec = finding_service.create_recommendation(
            user,
            finding,
            number="1",
            text="Memerintahkan bendahara menyetorkan kelebihan pembayaran ke kas daerah",
            opd_id=dinkes.id,
        )
        finding_service.record_review(
            user,
            rec,
            period=finding_service.period_of(today),
            outcome="belum_sesuai",
            new_due_on=today + dt.timedelta(days=60),
            note="Bukti setor baru sebagian; lampirkan STS sisanya. " + LONG_WORD,
            now=now,
        )
        finding_service.add_repayment(
            user,
            finding,
            paid_on=today - dt.timedelta(days=5),
            amount=Decimal("234567890"),
            note="STS nomor 900/0123/35.73.302/2023 " + LONG_WORD,
            now=now,
        )
        digest = ReminderDigest(
            dedupe_key=f"digest:{today.isoformat()}:email:{secretary.email}",
            for_date=today,
            recipient_email=secretary.email,
            recipient_name=secretary.name,
            recipient_person_id=secretary.id,
            subject="Pengingat: 3 komitmen dan 1 rekomendasi Dinas Kesehatan perlu ditindaklanjuti",
            payload=[],
            state=DigestState.FAILED,
            attempts=3,
            last_error="SMTPRecipientsRefused: " + LONG_WORD,
        )
        db.session.add(digest)
        db.session.commit()
        ids = {
            "commitment": commitments[1].id,
            "finding": finding.id,
            "rec": rec.id,
            "digest": digest.id,
        }
        db.session.remove()
    return ids


# Every text of the page, where it is drawn: a text outside [0, innerWidth] is cut off or
# needs sideways scrolling (inside the page or inside a scrolling box). Text cut on
# purpose by an overflow:hidden box (an ellipsis, a visually hidden label) only counts
# where it shows.
OUTSIDE_JS = """
() => {
  const width = window.innerWidth;
  const outside = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!node.textContent.trim() || !element) continue;
    if (element.closest("script, style, template, noscript, select, option")) continue;
    if (getComputedStyle(element).visibility !== "visible") continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const rect of range.getClientRects()) {
      if (!rect.width || !rect.height) continue;
      let left = rect.left, right = rect.right;
      for (let box = element; box && box !== document.documentElement; box = box.parentElement) {
        const overflow = getComputedStyle(box).overflowX;
        if (overflow === "hidden" || overflow === "clip") {
          const bounds = box.getBoundingClientRect();
          left = Math.max(left, bounds.left);
          right = Math.min(right, bounds.right);
        }
      }
      if (right - left <= 0) continue;
      if (left < -1 || right > width + 1) {
        const text = node.textContent.trim().slice(0, 60);
        outside.push(`${element.tagName}.${element.className}: ${text}`
          + ` [${Math.round(left)}, ${Math.round(right)}]`);
      }
    }
  }
  return outside;
}
"""


def _fits_the_phone(page: Any, where: str) -> None:
    sizes = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert sizes["inner"] == 390, (where, sizes)  # the layout viewport was not widened
    assert sizes["scroll"] <= sizes["inner"], (where, sizes)
    outside = page.evaluate(OUTSIDE_JS)
    assert outside == [], (where, outside)


def test_every_page_of_the_secretary_fits_a_phone(
    live_server: LiveServer, new_page: Callable[..., Any], log_in: Callable[..., Any]
) -> None:
    ids = _prepare(live_server)
    page = new_page(**PHONE)
    log_in(page, "opd")
    expect(page).to_have_url(live_server("/"))

    lists = {
        "/commitments/": "commitment",
        "/findings/": "finding",
        "/reminders/": "reminder",
        "/workshops/": "workshop",
    }
    for path, name in lists.items():
        page.goto(live_server(path))
        expect(page.locator("h1")).to_be_visible()
        if name != "workshop":  # no workshop for DINKES: an empty state
            expect(page.get_by_test_id(f"{name}-cards")).to_be_visible()
            expect(page.get_by_test_id(f"{name}-card").first).to_be_visible()
            expect(page.get_by_test_id(f"{name}-table")).to_be_hidden()
        # The filters wait behind one button.
        toggle = page.get_by_test_id("filter-toggle")
        expect(toggle).to_be_visible()
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(page.get_by_test_id("filter-body")).to_be_hidden()
        _fits_the_phone(page, path)
        toggle.click()
        expect(page.get_by_test_id("filter-body")).to_be_visible()
        _fits_the_phone(page, path + " (filters open)")

    # A card carries what the table row does: the statement, status, due date, progress.
    page.goto(live_server("/commitments/"))
    cards = page.get_by_test_id("commitment-card")
    expect(cards).to_have_count(3)
    overdue = cards.filter(has_text="Mengintegrasikan seluruh layanan perizinan")
    expect(overdue.get_by_test_id("status-badge")).to_have_attribute("data-status", "active")
    expect(overdue.get_by_test_id("badge-overdue")).to_be_visible()
    expect(overdue.get_by_test_id("progress-value")).to_have_text("0%")
    expect(overdue.locator("abbr")).to_have_text("DINKES")

    # With a filter set, the filters are open on arrival (and the count says how many).
    page.goto(live_server("/commitments/?deadline=overdue"))
    expect(page.get_by_test_id("filter-body")).to_be_visible()
    expect(page.get_by_test_id("filter-count")).to_have_text("1")
    expect(page.get_by_test_id("commitment-card")).to_have_count(1)
    _fits_the_phone(page, "/commitments/?deadline=overdue")

    # A filter refused (an impossible date): the page opens at its message, built from the
    # marked field by app.js since this form has no summary of its own.
    page.goto(live_server("/commitments/?due_from=2023-02-30"))
    built = page.locator("[data-error-summary]")
    expect(built).to_be_focused()
    expect(built).to_be_in_viewport()
    link = built.get_by_role("link")
    expect(link).to_have_attribute("href", "#due_from")
    link.click()
    expect(page.locator("#due_from")).to_be_focused()
    _fits_the_phone(page, "/commitments/?due_from=2023-02-30")

    # The cards sort like the table's headers.
    page.goto(live_server("/commitments/?sort=due&dir=asc"))
    first = page.get_by_test_id("commitment-card").first
    expect(first).to_contain_text("Mengintegrasikan seluruh layanan perizinan")
    page.get_by_role("navigation", name="Urutkan menurut").get_by_role(
        "link", name="Batas waktu"
    ).click()
    expect(page).to_have_url(live_server("/commitments/?sort=due&dir=desc"))
    expect(page.get_by_test_id("commitment-card").first).to_contain_text("sipandu")

    details = [
        f"/commitments/{ids['commitment']}",
        f"/findings/{ids['finding']}",
        f"/reminders/{ids['digest']}",
    ]
    for path in details:
        page.goto(live_server(path))
        expect(page.locator("h1")).to_be_visible()
        _fits_the_phone(page, path)

    # The finding's reviews and repayments are cards too.
    page.goto(live_server(f"/findings/{ids['finding']}"))
    expect(page.get_by_test_id("review-card")).to_have_count(1)
    expect(page.get_by_test_id("review-card")).to_be_visible()
    expect(page.get_by_test_id("review-card")).to_contain_text("lampirkan STS sisanya")
    expect(page.get_by_test_id("reviews")).to_be_hidden()
    expect(page.get_by_test_id("repayment-card")).to_be_visible()
    expect(page.get_by_test_id("repayment-card")).to_contain_text("Rp 234.567.890")
    expect(page.get_by_test_id("repayment-table")).to_be_hidden()


def test_at_a_desk_the_lists_stay_tables(
    live_server: LiveServer, new_page: Callable[..., Any], log_in: Callable[..., Any]
) -> None:
    _prepare(live_server)
    page = new_page(**DESK)
    log_in(page, "inspektorat")
    page.goto(live_server("/commitments/"))
    expect(page.get_by_test_id("commitment-table")).to_be_visible()
    expect(page.get_by_test_id("commitment-row")).to_have_count(3)
    expect(page.get_by_test_id("commitment-cards")).to_be_hidden()
    expect(page.get_by_test_id("filter-toggle")).to_be_hidden()
    expect(page.get_by_test_id("filter-body")).to_be_visible()  # always open at a desk


def _summary_in_view(page: Any) -> Any:
    """The error summary after the page came back: focused, inside the screen."""
    summary = page.locator("[data-error-summary]")
    expect(summary).to_have_count(1)
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    box = summary.bounding_box()
    assert box is not None
    assert 0 <= box["y"] < 844 and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    return summary


def test_a_refused_upload_is_shown_where_the_secretary_looks(
    live_server: LiveServer, new_page: Callable[..., Any], log_in: Callable[..., Any]
) -> None:
    ids = _prepare(live_server)
    live_server.app.config["UPLOAD_MAX_FILE_SIZE"] = 20 * 1024
    page = new_page(**PHONE)
    log_in(page, "opd")

    # --- a commitment's progress: one file too large, one of a type not allowed ---
    page.goto(live_server(f"/commitments/{ids['commitment']}"))
    form = page.get_by_test_id("progress-form")
    form.locator("textarea[name=progress-note]").fill("Penimbangan di 57 kelurahan selesai.")
    form.locator("input[name=progress-progress]").fill("60")
    form.locator("input[name=progress-files]").set_input_files(
        [
            {
                "name": "foto-kegiatan.pdf",
                "mimeType": "application/pdf",
                "buffer": pdf_bytes() * 400,
            },
            {"name": "catatan.txt", "mimeType": "text/plain", "buffer": b"catatan rapat"},
        ]
    )
    form.locator("input[name=progress-refers_to_on]").fill("2023-08-15")
    # The page warns at once, at the field; it does not stop the form.
    warning = form.get_by_test_id("upload-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("foto-kegiatan.pdf melebihi batas 20 KB")
    expect(warning).to_contain_text("catatan.txt")
    page.get_by_test_id("progress-submit").click()

    summary = _summary_in_view(page)
    expect(summary).to_contain_text("foto-kegiatan.pdf melebihi batas 20 KB")
    kept_not = summary.get_by_test_id("file-not-kept")
    expect(kept_not).to_have_text(["foto-kegiatan.pdf", "catatan.txt"])
    expect(summary).to_contain_text("pilih lagi sebelum mengirim")
    note = page.get_by_test_id("file-field-note")
    expect(note).to_contain_text("foto-kegiatan.pdf, catatan.txt")
    # What was typed is still there; only the files must be chosen again.
    expect(page.locator("textarea[name=progress-note]")).to_have_value(
        "Penimbangan di 57 kelurahan selesai."
    )
    _fits_the_phone(page, "progress refused")
    # The summary's link goes to the file input.
    summary.get_by_role("link", name="catatan.txt").click()
    expect(page.locator("input[name=progress-files]")).to_be_focused()

    # --- a follow-up of the recommendation: a file of a type not allowed ---
    page.goto(live_server(f"/findings/{ids['finding']}"))
    form = page.get_by_test_id("follow-up-form")
    rec = ids["rec"]
    form.locator(f"textarea[name='fu{rec}-description']").fill("Sisa kelebihan telah disetor.")
    form.locator(f"input[name='fu{rec}-progress']").fill("100")
    form.locator(f"input[name='fu{rec}-files-0-file']").set_input_files(
        [{"name": "bukti-setor.exe", "mimeType": "application/octet-stream", "buffer": b"MZ" * 64}]
    )
    expect(form.get_by_test_id("upload-warning").first).to_contain_text("bukti-setor.exe")
    form.get_by_test_id("follow-up-submit").click()

    summary = _summary_in_view(page)
    expect(summary).to_contain_text("Jenis berkas bukti-setor.exe tidak diizinkan")
    expect(summary.get_by_test_id("file-not-kept")).to_have_text(["bukti-setor.exe"])
    expect(page.get_by_test_id("file-field-note")).to_contain_text("bukti-setor.exe")
    _fits_the_phone(page, "follow-up refused")

    # --- more than the server reads at all (MAX_CONTENT_LENGTH): same page, same notice ---
    live_server.app.config["MAX_CONTENT_LENGTH"] = 200 * 1024
    page.goto(live_server(f"/findings/{ids['finding']}"))
    form = page.get_by_test_id("follow-up-form")
    form.locator(f"textarea[name='fu{rec}-description']").fill("Bukti setor lengkap.")
    form.locator(f"input[name='fu{rec}-progress']").fill("100")
    form.locator(f"input[name='fu{rec}-files-0-file']").set_input_files(
        [{"name": "sts-lengkap.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes() * 3000}]
    )
    form.get_by_test_id("follow-up-submit").click()
    summary = _summary_in_view(page)
    expect(summary).to_contain_text("Berkas tidak diterima")
    expect(summary.get_by_test_id("file-not-kept")).to_have_text(["sts-lengkap.pdf"])
    expect(page.locator(f"textarea[name='fu{rec}-description']")).to_have_value(
        "Bukti setor lengkap."
    )

    with live_server.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CommitmentEvidence)) == 0
        assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 0
        kinds = db.session.scalars(select(ProgressUpdate.kind)).all()
        assert len(kinds) == 3  # the three creations, nothing more
        db.session.remove()
