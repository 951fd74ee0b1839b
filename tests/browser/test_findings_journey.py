"""Last year's notes in a real Chromium: an OPD secretary submits a follow-up with evidence,
an Inspektorat officer reviews it and proposes BPK's outcome (with the rules on the way),
and an approver approves it, which sets the outcome."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Account, LiveServer
from tracker.audit import Actor, acting_as
from tracker.extensions import db
from tracker.models import Opd, Role
from tracker.models.base import utcnow
from tracker.models.finding import ReportKind
from tracker.services import accounts
from tracker.services import findings as svc

# One worker runs every browser test, so the session starts one Chromium.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _prepare(live_server: LiveServer) -> dict[str, int]:
    """An inspektorat login and an LHE SAKIP note addressed to DINKES and another OPD."""
    inspector = Account("auditor@malangkota.go.id", "Sari Auditor")
    live_server.users["inspektorat"] = inspector
    with live_server.app.app_context(), acting_as(Actor(None, "browser-test")):
        now = utcnow()
        user = accounts.create_user(
            email=inspector.email,
            name=inspector.name,
            role=Role.INSPEKTORAT,
            password=inspector.password,
            now=now,
        )
        dinkes = db.session.scalar(db.select(Opd).where(Opd.code == "DINKES"))
        other = Opd(code="BAPPEDA", name="Badan Perencanaan Pembangunan Daerah")
        db.session.add(other)
        db.session.flush()
        report = svc.create_report(
            user,
            now=now,
            kind=ReportKind.LHE_SAKIP,
            year=2022,
            number="B/0001/AA.05/2022",
            title="LHE SAKIP Kota Malang 2022",
            issuer="Kementerian PANRB",
            issued_on=dt.date(2022, 12, 7),
            received_on=dt.date(2022, 12, 19),
            grade=None,
            score="81,25",
            note=None,
        )
        finding = svc.create_finding(
            user,
            report,
            opd_ids=[dinkes.id, other.id],
            number="1",
            title="Indikator kinerja utama belum seluruhnya berorientasi hasil",
            condition=None,
            criteria=None,
            cause=None,
            effect=None,
            is_financial=False,
            amount_to_recover=None,
        )
        rec = svc.create_recommendation(
            user, finding, number="1", text="Menetapkan ulang IKU Dinas Kesehatan", opd_id=dinkes.id
        )
        svc.create_recommendation(
            user, finding, number="2", text="Mereviu IKU seluruh perangkat daerah", opd_id=other.id
        )
        db.session.commit()
        ids = {"finding": finding.id, "rec": rec.id}
        db.session.remove()
    return ids


def test_secretary_follows_up_and_inspektorat_rates_it(
    live_server: LiveServer,
    new_page: Callable[..., Any],
    log_in: Callable[..., Any],
    tmp_path: Path,
) -> None:
    ids = _prepare(live_server)
    rec = ids["rec"]
    evidence = tmp_path / "sk-iku-2023.pdf"
    evidence.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

    # --- the OPD secretary ------------------------------------------------------------
    page = new_page(viewport={"width": 1280, "height": 900})
    log_in(page, "opd")
    page.goto(live_server("/findings/"))
    rows = page.get_by_test_id("finding-row").get_by_test_id("rec-item")
    expect(rows).to_have_count(1)  # only the recommendation addressed to DINKES
    expect(rows.first).to_contain_text("Menetapkan ulang IKU")
    expect(rows.first.get_by_test_id("outcome")).to_have_attribute("data-outcome", "none")
    page.get_by_test_id("finding-link").first.click()
    expect(page).to_have_url(re.compile(rf"/findings/{ids['finding']}$"))
    expect(page.get_by_text("Mereviu IKU seluruh perangkat daerah")).to_have_count(0)

    form = page.get_by_test_id("follow-up-form")
    expect(form).to_be_visible()  # open: nothing submitted yet
    form.locator(f"textarea[name='fu{rec}-description']").fill(
        "Keputusan Kepala Dinas tentang IKU 2023-2026 telah ditetapkan."
    )
    form.locator(f"input[name='fu{rec}-progress']").fill("100")
    form.locator(f"input[name='fu{rec}-files-0-file']").set_input_files(str(evidence))
    form.locator(f"input[name='fu{rec}-files-0-refers_to_on']").fill("2023-08-14")
    form.locator(f"input[name='fu{rec}-links-0-url']").fill("https://example.org/sakip/iku")
    form.locator(f"input[name='fu{rec}-links-0-label']").fill("IKU di aplikasi SAKIP")
    form.locator(f"input[name='fu{rec}-links-0-refers_to_on']").fill("2023-08-15")
    form.get_by_test_id("follow-up-submit").click()

    expect(page.locator(".alert-success")).to_be_visible()
    follow_up = page.get_by_test_id("follow-up")
    expect(follow_up).to_have_count(1)
    expect(follow_up).to_contain_text("Keputusan Kepala Dinas tentang IKU")
    file_link = follow_up.get_by_test_id("evidence-file")
    expect(file_link).to_have_text("sk-iku-2023.pdf")
    expect(follow_up.get_by_test_id("evidence-link")).to_have_attribute(
        "href", "https://example.org/sakip/iku"
    )
    download = page.request.get(live_server(file_link.get_attribute("href") or ""))
    assert download.status == 200
    assert download.body().startswith(b"%PDF")
    expect(page.get_by_test_id("awaiting")).to_be_visible()
    expect(page.get_by_test_id("review-form")).to_have_count(0)  # the OPD cannot rate

    # --- the Inspektorat officer ------------------------------------------------------
    officer = new_page(viewport={"width": 1280, "height": 900})
    log_in(officer, "inspektorat")
    officer.goto(live_server("/findings/?awaiting=1"))
    expect(officer.get_by_test_id("finding-row")).to_have_count(1)
    officer.get_by_test_id("finding-link").first.click()
    card = officer.locator(f"#rec-{rec}")
    expect(card.get_by_test_id("evidence-file")).to_have_text("sk-iku-2023.pdf")
    card.get_by_test_id("review-toggle").click()
    review = card.get_by_test_id("review-form")
    outcome = review.locator(f"select[name='rv{rec}-outcome']")
    deadline = review.locator(f"input[name='rv{rec}-new_due_on']")
    reason = review.locator(f"select[name='rv{rec}-reason']")

    # The extra fields follow the outcome chosen.
    outcome.select_option("sesuai")
    expect(deadline).to_be_hidden()
    expect(reason).to_be_hidden()
    outcome.select_option("tidak_dapat_ditindaklanjuti")
    expect(reason).to_be_visible()
    expect(deadline).to_be_hidden()
    review.get_by_test_id("review-submit").click()  # 4 without a lawful reason: refused
    card = officer.locator(f"#rec-{rec}")
    review = card.get_by_test_id("review-form")
    expect(review.locator(".invalid-feedback")).to_be_visible()
    expect(card.get_by_test_id("review-row")).to_have_count(0)

    review.locator(f"select[name='rv{rec}-outcome']").select_option("belum_sesuai")
    deadline = review.locator(f"input[name='rv{rec}-new_due_on']")
    expect(deadline).to_be_visible()
    new_due = dt.date.today() + dt.timedelta(days=30)
    deadline.fill(new_due.isoformat())
    review.locator(f"textarea[name='rv{rec}-note']").fill("Lampirkan IKU yang telah direviu.")
    review.get_by_test_id("review-submit").click()

    expect(officer.locator(".alert-success")).to_be_visible()
    card = officer.locator(f"#rec-{rec}")
    # A proposal: the official outcome stays until an approver approves it.
    expect(card.get_by_test_id("outcome").first).to_have_attribute("data-outcome", "none")
    expect(card.get_by_test_id("proposal-pending")).to_contain_text("Lampirkan IKU")
    expect(card.get_by_test_id("review-form")).to_have_count(0)

    # --- the approver (an administrator here) approves it in a numbered letter ---------
    approver = new_page(viewport={"width": 1280, "height": 900})
    log_in(approver, "admin")
    approver.goto(live_server("/findings/decisions"))
    expect(approver.get_by_test_id("proposal")).to_have_count(1)
    approver.get_by_test_id("pick").check()
    approver.once("dialog", lambda dialog: dialog.accept())
    approver.get_by_test_id("approve-submit").click()
    expect(approver.get_by_test_id("letter-number")).to_contain_text("35.73.401")
    expect(approver.get_by_test_id("letter-decision-row")).to_have_count(1)

    officer.reload()
    card = officer.locator(f"#rec-{rec}")
    expect(card.get_by_test_id("outcome").first).to_have_attribute("data-outcome", "belum_sesuai")
    expect(card.get_by_test_id("review-row")).to_have_count(1)
    expect(card.get_by_test_id("review-row")).to_contain_text("Lampirkan IKU")
    expect(card.get_by_test_id("awaiting")).to_have_count(0)

    # Back to the secretary: the outcome and its deadline are there.
    page.reload()
    card = page.locator(f"#rec-{rec}")
    expect(card.get_by_test_id("outcome").first).to_have_attribute("data-outcome", "belum_sesuai")
    expect(card.get_by_test_id("review-row")).to_contain_text("Lampirkan IKU")


def test_findings_pages_work_on_a_phone(
    live_server: LiveServer, new_page: Callable[..., Any], log_in: Callable[..., Any]
) -> None:
    ids = _prepare(live_server)
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    log_in(page, "opd")
    for path in ("/findings/", f"/findings/{ids['finding']}", "/findings/matrix"):
        page.goto(live_server(path))
        expect(page.locator("h1")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390 + 1, (path, width)
