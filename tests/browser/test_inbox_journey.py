"""The Inspektorat's work queue in a real Chromium at a desk (1366x768): the inbox's
"menunggu reviu" link opens the right recommendation's review form, and the semester
review proposes the outcomes of several recommendations at once (set once approved)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.checks import no_sideways_scroll
from tests.browser.conftest import Account, LiveServer
from tracker.audit import Actor, acting_as
from tracker.extensions import db
from tracker.models import Opd, Role, User
from tracker.models.base import utcnow
from tracker.models.finding import (
    Outcome,
    ProposalStatus,
    Recommendation,
    RecommendationReview,
    ReportKind,
    ReviewProposal,
    UnfollowableReason,
)
from tracker.models.reference import CodeKind
from tracker.services import accounts, codes, reviews
from tracker.services import commitments as commitment_svc
from tracker.services import findings as svc

# One worker runs every browser test, so the session starts one Chromium.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

DESK = {"width": 1366, "height": 768}
# English words of these pages that must not show on the Indonesian interface.
ENGLISH = [
    "Inbox",
    "Semester review",
    "Awaiting review",
    "Follow-ups awaiting review",
    "Commitments awaiting verification",
    "New evidence",
    "Apply to the selected rows",
    "Propose for approval",
    "awaiting approval",
    "Last follow-up",
    "Current outcome",
    "unchanged",
    "Outcome",
    "Review note",
    "Not yet matching",
    "this semester",
    "None yet",
]


def _prepare(live_server: LiveServer) -> dict[str, Any]:
    """An Inspektorat login; a BPK report received in 2023-S1 with three recommendations
    of one finding (two followed up by their OPDs), and a commitment reported done."""
    inspector = Account("auditor.inbox@malangkota.go.id", "Sari Auditor")
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
        dinkes = db.session.scalar(select(Opd).where(Opd.code == "DINKES"))
        bappeda = Opd(code="BAPPEDA", name="Badan Perencanaan Pembangunan Daerah")
        db.session.add(bappeda)
        db.session.flush()
        dinkes_user = db.session.scalar(select(User).where(User.opd_id == dinkes.id))
        bappeda_user = accounts.create_user(
            email="sekretaris.bappeda@malangkota.go.id",
            name="Ani Sekretaris",
            role=Role.OPD,
            password=inspector.password,
            opd=bappeda,
            now=now,
        )
        report = svc.create_report(
            user,
            now=now,
            kind=ReportKind.LHP_BPK,
            year=2022,
            number="23.A/LHP/XVIII.SBY/05/2023",
            title="LHP atas Laporan Keuangan Pemerintah Kota Malang 2022",
            issuer="BPK RI Perwakilan Provinsi Jawa Timur",
            issued_on=dt.date(2023, 5, 15),
            received_on=dt.date(2023, 5, 22),
            grade=None,
            score=None,
            note=None,
        )
        codes.seed()
        finding = svc.create_finding(
            user,
            report,
            opd_ids=[dinkes.id, bappeda.id],
            finding_code_id=codes.by_code(CodeKind.FINDING, "1.04.01").id,
            number="1",
            title="Penatausahaan aset tetap belum tertib",
            condition=None,
            criteria=None,
            cause=None,
            effect=None,
            is_financial=False,
            amount_to_recover=None,
        )
        texts = [
            (dinkes, "Menginventarisasi alat kesehatan di puskesmas"),
            (bappeda, "Menyusun SOP penatausahaan aset"),
            (dinkes, "Memberi sanksi kepada pengurus barang"),
        ]
        recs = [
            svc.create_recommendation(
                user,
                finding,
                number=str(n),
                text=text,
                opd_id=opd.id,
                code_id=codes.by_code(CodeKind.RECOMMENDATION, "06").id,
            )
            for n, (opd, text) in enumerate(texts, start=1)
        ]
        db.session.flush()
        svc.submit_follow_up(
            dinkes_user,
            recs[0],
            description="Inventarisasi di 16 puskesmas selesai.",
            links=[svc.LinkEvidence("https://example.org/inventaris", dt.date(2023, 8, 1))],
            now=now,
        )
        svc.submit_follow_up(
            bappeda_user, recs[1], description="Rancangan SOP telah disusun.", now=now
        )
        commitment = commitment_svc.create_commitment(
            {
                "opd_id": dinkes.id,
                "statement": "Menurunkan angka stunting melalui penimbangan serentak",
                "indicator": "Persentase balita ditimbang",
                "target": "100% balita",
                "due_on": now.date() + dt.timedelta(days=30),
            },
            actor=user,
            now=now,
        )
        db.session.flush()
        commitment_svc.post_progress(
            commitment,
            actor=dinkes_user,
            now=now,
            today=now.date(),
            note="Penimbangan di 57 kelurahan selesai.",
            progress=100,
            expected_version=commitment.version,
            links="https://example.org/penimbangan",
            refers_to_on=dt.date(2023, 8, 14),
        )
        db.session.flush()
        commitment_svc.report_done(
            commitment, actor=dinkes_user, now=now, expected_version=commitment.version
        )
        db.session.commit()
        ids = {"finding": finding.id, "recs": [r.id for r in recs]}
        db.session.remove()
    return ids


def _tables_not_clipped(page: Any) -> None:
    """Every table fits its box: nothing hidden behind a scroll bar."""
    clipped = page.evaluate(
        """() => Array.from(document.querySelectorAll('main table')).filter(t => {
                const box = t.closest('.table-responsive') || t.parentElement;
                return t.scrollWidth > box.clientWidth + 1;
            }).map(t => t.dataset.testid || t.className)"""
    )
    assert clipped == [], f"clipped tables: {clipped}"


def _no_english(page: Any) -> None:
    text = page.locator("main").inner_text() + page.locator("header").inner_text()
    found = [word for word in ENGLISH if re.search(rf"\b{re.escape(word)}\b", text)]
    assert not found, f"English on the Indonesian interface: {found}"


def _reviews(live_server: LiveServer) -> dict[int, list[tuple[str, Outcome]]]:
    with live_server.app.app_context():
        rows = db.session.execute(
            select(
                RecommendationReview.recommendation_id,
                RecommendationReview.period,
                RecommendationReview.outcome,
            )
        ).all()
        out: dict[int, list[tuple[str, Outcome]]] = {}
        for rec_id, period, outcome in rows:
            out.setdefault(rec_id, []).append((period, outcome))
        db.session.remove()
    return out


def _approve_pending(live_server: LiveServer) -> None:
    """An administrator approves every proposal awaiting approval (one letter)."""
    with live_server.app.app_context(), acting_as(Actor(None, "browser-test")):
        admin = db.session.scalar(select(User).where(User.role == Role.ADMIN))
        pending = db.session.scalars(
            select(ReviewProposal).where(ReviewProposal.status == ProposalStatus.PENDING)
        ).all()
        reviews.approve(admin, [(p.id, p.version) for p in pending], now=utcnow())
        db.session.commit()
        db.session.remove()


def test_menunggu_reviu_link_reviews_the_right_recommendation(
    live_server: LiveServer, new_page: Callable[..., Any], log_in: Callable[..., Any]
) -> None:
    ids = _prepare(live_server)
    first, second, _third = ids["recs"]
    page = new_page(viewport=DESK)
    log_in(page, "inspektorat")
    expect(page).to_have_url(live_server("/"))

    # The badge: one commitment to verify, two follow-ups to review.
    entry = page.get_by_test_id("nav-inbox-index")
    expect(entry).to_contain_text("Kotak masuk")
    expect(entry.get_by_test_id("nav-badge")).to_contain_text("3")
    entry.click()
    expect(page).to_have_url(live_server("/inbox/"))
    no_sideways_scroll(page)
    _tables_not_clipped(page)
    _no_english(page)
    expect(page.get_by_test_id("verify-row")).to_have_count(1)
    expect(page.get_by_test_id("evidence-row")).to_have_count(2)
    rows = page.get_by_test_id("review-row")
    expect(rows).to_have_count(2)

    # The second recommendation of the finding: its link, not the finding's first one.
    link = page.locator(f"[data-testid=review-row][data-rec='{second}']").get_by_test_id(
        "review-link"
    )
    expect(link).to_contain_text("Menunggu reviu")
    link.click()
    expect(page).to_have_url(
        live_server(f"/findings/{ids['finding']}?review={second}#rec-{second}")
    )
    target = page.locator(f"#rec-{second}")
    form = target.get_by_test_id("review-form")
    expect(form).to_be_visible()
    # The page has scrolled to that recommendation.
    page.wait_for_function(
        f"() => Math.abs(document.getElementById('rec-{second}').getBoundingClientRect().top) < 5"
    )
    expect(page.locator(f"#rec-{first}").get_by_test_id("review-form")).to_be_hidden()

    form.locator(f"select[name='rv{second}-outcome']").select_option("belum_sesuai")
    deadline = form.locator(f"input[name='rv{second}-new_due_on']")
    expect(deadline).to_be_visible()
    deadline.fill((dt.date.today() + dt.timedelta(days=45)).isoformat())
    form.locator(f"textarea[name='rv{second}-note']").fill("SOP belum ditetapkan kepala daerah.")
    form.get_by_test_id("review-submit").click()
    expect(page.locator("main .alert-success")).to_be_visible()
    # A proposal: the outcome is set once an approver approves it.
    expect(page.locator(f"#rec-{second}").get_by_test_id("outcome").first).to_have_attribute(
        "data-outcome", "none"
    )
    assert _reviews(live_server) == {}
    _approve_pending(live_server)
    page.reload()
    expect(page.locator(f"#rec-{second}").get_by_test_id("outcome").first).to_have_attribute(
        "data-outcome", "belum_sesuai"
    )

    reviews = _reviews(live_server)
    assert [outcome for _period, outcome in reviews[second]] == [Outcome.BELUM_SESUAI]
    assert first not in reviews

    # Back in the inbox: only the first one still waits, and the badge says so.
    page.get_by_test_id("nav-inbox-index").click()
    expect(page.get_by_test_id("review-row")).to_have_count(1)
    expect(page.locator(f"[data-testid=review-row][data-rec='{first}']")).to_have_count(1)
    expect(page.get_by_test_id("nav-badge")).to_contain_text("2")
    # The evidence seen at the previous visit is not new any more.
    expect(page.get_by_test_id("evidence-row")).to_have_count(0)


def test_semester_review_at_a_desk(
    live_server: LiveServer, new_page: Callable[..., Any], log_in: Callable[..., Any]
) -> None:
    ids = _prepare(live_server)
    first, second, third = ids["recs"]
    page = new_page(viewport=DESK)
    log_in(page, "inspektorat")
    page.goto(live_server("/inbox/"))
    page.get_by_test_id("semester-link").click()
    expect(page).to_have_url(live_server("/inbox/semester"))

    filters = page.get_by_test_id("semester-filters")
    filters.locator("select[name=semester]").select_option("2023-S2")
    filters.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/inbox/semester\?semester=2023-S2"))
    expect(page.locator("h1")).to_contain_text("Semester II 2023")
    rows = page.get_by_test_id("semester-row")
    expect(rows).to_have_count(3)
    no_sideways_scroll(page)
    _tables_not_clipped(page)
    _no_english(page)

    def row(rec_id: int) -> Any:
        return page.locator(f"[data-testid=semester-row][data-rec='{rec_id}']")

    # The first and the third at once: outcome 3 with the same note.
    row(first).locator("input[data-row-select]").check()
    row(third).locator("input[data-row-select]").check()
    bulk = page.get_by_test_id("bulk")
    bulk.locator("select[name=bulk_outcome]").select_option("belum_ditindaklanjuti")
    bulk.locator("textarea[name=bulk_note]").fill("Belum ada bukti tindak lanjut yang memadai.")
    page.get_by_test_id("apply").click()
    for rec_id in (first, third):
        expect(row(rec_id).locator("select[name$='-outcome']")).to_have_value(
            "belum_ditindaklanjuti"
        )
        expect(row(rec_id).locator("textarea[name$='-note']")).to_have_value(
            "Belum ada bukti tindak lanjut yang memadai."
        )
    expect(row(second).locator("select[name$='-outcome']")).to_have_value("")
    assert _reviews(live_server) == {}  # applied on the page, nothing saved yet

    # The second: outcome 2 without its new deadline is refused at its row, nothing saved.
    outcome = row(second).locator("select[name$='-outcome']")
    outcome.select_option("belum_sesuai")
    expect(row(second).locator("input[name$='-new_due_on']")).to_be_visible()
    expect(row(second).locator("select[name$='-reason']")).to_be_hidden()
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("form-errors")).to_contain_text("belum ada yang disimpan")
    expect(row(second)).to_have_class(re.compile("table-danger"))
    expect(row(second).locator(".invalid-feedback")).to_be_visible()
    expect(row(first).locator("select[name$='-outcome']")).to_have_value("belum_ditindaklanjuti")
    assert _reviews(live_server) == {}
    _tables_not_clipped(page)
    _no_english(page)

    # Corrected: it cannot be followed up (a lawful reason), and everything is proposed.
    row(second).locator("select[name$='-outcome']").select_option("tidak_dapat_ditindaklanjuti")
    reason = row(second).locator("select[name$='-reason']")
    expect(reason).to_be_visible()
    reason.select_option(UnfollowableReason.NOT_EFFECTIVE.value)
    page.get_by_test_id("save").click()
    expect(page.locator("main .alert-success")).to_contain_text("menunggu persetujuan Inspektur")
    expect(page).to_have_url(re.compile(r"/inbox/semester\?semester=2023-S2"))
    expect(rows).to_have_count(3)  # none settled (outcome 1): still due
    expect(page.get_by_test_id("pending-proposal")).to_have_count(3)
    assert _reviews(live_server) == {}  # proposed: no outcome is set before approval
    _no_english(page)

    # Approved (one letter): the outcomes are set.
    _approve_pending(live_server)
    page.reload()
    expect(page.get_by_test_id("pending-proposal")).to_have_count(0)
    for rec_id, value in (
        (first, "belum_ditindaklanjuti"),
        (second, "tidak_dapat_ditindaklanjuti"),
        (third, "belum_ditindaklanjuti"),
    ):
        badge = row(rec_id).get_by_test_id("current-outcome").get_by_test_id("outcome")
        expect(badge).to_have_attribute("data-outcome", value)
        expect(row(rec_id).get_by_test_id("current-outcome")).to_contain_text("semester ini")
    _no_english(page)

    reviews = _reviews(live_server)
    assert reviews == {
        first: [("2023-S2", Outcome.BELUM_DITINDAKLANJUTI)],
        second: [("2023-S2", Outcome.TIDAK_DAPAT_DITINDAKLANJUTI)],
        third: [("2023-S2", Outcome.BELUM_DITINDAKLANJUTI)],
    }
    with live_server.app.app_context():
        stored = db.session.get(Recommendation, second)
        assert stored.reviews[0].reason is UnfollowableReason.NOT_EFFECTIVE
        db.session.remove()
