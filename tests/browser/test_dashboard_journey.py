"""The leadership dashboard in a real Chromium: the charts render (inline SVG, within the
CSP), the ranking sorts without JavaScript, an OPD's page opens from it, the XLSX
downloads; at a leader's desk (1366x768) the RB priority panel fills the first screen and
no table is clipped; an OPD secretary on a phone (390x844) sees their overdue items first
and no rank that contradicts them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer
from tracker.audit import Actor, acting_as
from tracker.extensions import db
from tracker.i18n import today_wib
from tracker.models import Opd, OpdKind, Role, ThematicArea, User
from tracker.models.commitment import Commitment, CommitmentStatus
from tracker.models.finding import (
    Finding,
    Outcome,
    Recommendation,
    RecommendationReview,
    Report,
    ReportKind,
)
from tracker.services.findings import period_of, refresh_outcome

# One worker runs every browser test, so the session starts one Chromium.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
S = CommitmentStatus
CHARTS = ["chart-status", "chart-areas", "chart-trend", "chart-outcomes"]


def _prepare(live_server: LiveServer) -> None:
    """DINKES (from the fixture) and BAPPEDA with commitments and recommendations."""
    with live_server.app.app_context(), acting_as(Actor(None, "browser-test")):
        today = today_wib()
        dinkes = db.session.scalar(db.select(Opd).where(Opd.code == "DINKES"))
        bappeda = Opd(
            code="BAPPEDA", name="Badan Perencanaan Pembangunan Daerah", kind=OpdKind.BADAN
        )
        area = ThematicArea(
            year=today.year,
            code="STUNTING",
            name="Percepatan Penurunan Stunting",
            is_priority=True,
            sort_order=1,
        )
        # The other RB priorities, as the demo has them (the longest names of the panel).
        others = [
            ThematicArea(year=today.year, code=code, name=name, is_priority=True, sort_order=n)
            for n, (code, name) in enumerate(
                [
                    ("KEMISKINAN", "Pengentasan Kemiskinan (termasuk Kemiskinan Ekstrem)"),
                    ("DIGITALISASI", "Digitalisasi Administrasi Pemerintahan"),
                    ("INVESTASI", "Peningkatan Investasi"),
                ],
                start=2,
            )
        ]
        db.session.add_all([bappeda, area, *others])
        db.session.flush()
        rows = [
            (dinkes, S.VERIFIED, -40, 100),
            (dinkes, S.ACTIVE, -5, 30),
            (dinkes, S.ACTIVE, 3, 60),
            (bappeda, S.VERIFIED, -20, 100),
            (bappeda, S.VERIFIED, -10, 100),
            (bappeda, S.REPORTED_DONE, 20, 100),
        ]
        for n, (opd, status, days, progress) in enumerate(rows, start=1):
            db.session.add(
                Commitment(
                    opd=opd,
                    statement=f"Komitmen uji {n} {opd.code}",
                    indicator="Indikator",
                    target="Target",
                    due_on=today + dt.timedelta(days=days),
                    status=status,
                    progress=progress,
                    thematic_area=area,
                    version=1,
                )
            )
        report = Report(
            kind=ReportKind.LHE_SAKIP,
            year=today.year - 1,
            number="B/1/2024",
            issuer="Kementerian PANRB",
            issued_on=today - dt.timedelta(days=90),
            received_on=today - dt.timedelta(days=90),
        )
        finding = Finding(report=report, number="1", title="IKU", opds=[dinkes])
        due = today - dt.timedelta(days=30)
        settled = Recommendation(
            finding=finding,
            number="1",
            text="Revisi IKU",
            opd=dinkes,
            original_due_on=due,
            due_on=due,
        )
        db.session.add_all(
            [
                report,
                finding,
                settled,
                Recommendation(
                    finding=finding,
                    number="2",
                    text="Reviu renstra",
                    opd=dinkes,
                    original_due_on=due,
                    due_on=due,
                ),
            ]
        )
        reviewer = db.session.scalar(db.select(User).where(User.role == Role.ADMIN))
        db.session.add(
            RecommendationReview(
                recommendation=settled,
                period=period_of(today),
                outcome=Outcome.SESUAI,
                reviewer=reviewer,
            )
        )
        db.session.flush()
        refresh_outcome(settled)
        db.session.commit()
        db.session.remove()


def _watch_csp(page: Any) -> list[str]:
    errors: list[str] = []
    page.on(
        "console",
        lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return errors


def test_leader_sees_the_city_and_opens_an_opd(
    live_server: LiveServer, browser_page: Any, log_in: Callable[..., Any]
) -> None:
    _prepare(live_server)
    page = browser_page
    csp = _watch_csp(page)
    log_in(page, "admin")
    expect(page).to_have_url(live_server("/"))
    year = str(today_wib().year)
    expect(page.get_by_test_id("dashboard-period")).to_contain_text(year)

    for chart_id in CHARTS:
        chart = page.locator(f"svg#{chart_id}")
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 60, chart_id
        expect(chart.locator("title").first).not_to_have_text("")
        assert chart.locator("rect").count() > 1, chart_id  # the background and bars
    expect(page.get_by_test_id("status-table")).to_be_visible()

    ranking = page.get_by_test_id("ranking-table")
    rows = ranking.locator("tbody tr")
    expect(rows.first).to_have_attribute("data-opd", "BAPPEDA")  # 2 of 3 verified
    expect(rows.nth(1)).to_have_attribute("data-opd", "DINKES")  # 1 of 3
    # Sort by overdue, most first: a plain link, no JavaScript needed.
    ranking.locator("a[data-sort=overdue]").click()
    expect(page).to_have_url(re.compile(r"sort=overdue&dir=desc"))
    expect(page.get_by_test_id("ranking-table").locator("tbody tr").first).to_have_attribute(
        "data-opd", "DINKES"
    )
    expect(page.locator("th[aria-sort=descending]")).to_have_count(1)

    with page.expect_download() as download_info:
        page.get_by_test_id("export-xlsx").click()
    assert download_info.value.suggested_filename.endswith(".xlsx")

    page.get_by_test_id("ranking-table").locator("a", has_text="DINKES").click()
    expect(page).to_have_url(re.compile(r"/opd/DINKES\?period="))
    expect(page.get_by_test_id("opd-name")).to_contain_text("Dinas Kesehatan")
    expect(page.get_by_test_id("opd-rank")).to_contain_text("2")
    expect(page.locator("svg#chart-status")).to_be_visible()
    expect(page.get_by_test_id("overdue-commitments")).to_contain_text("Komitmen uji 2")
    assert csp == []


def test_opd_secretary_sees_their_own_standing(
    live_server: LiveServer, new_page: Callable[..., Any], log_in: Callable[..., Any]
) -> None:
    _prepare(live_server)
    page = new_page(viewport={"width": 390, "height": 844})  # a phone
    csp = _watch_csp(page)
    log_in(page, "opd")
    expect(page).to_have_url(live_server("/"))
    expect(page.get_by_test_id("opd-name")).to_have_text("Dinas Kesehatan")
    expect(page.get_by_test_id("due-soon-commitments")).to_contain_text("Komitmen uji 3")
    expect(page.get_by_test_id("overdue-recommendations")).to_contain_text("Reviu renstra")
    expect(page.get_by_test_id("standing-table")).to_be_visible()
    expect(page.get_by_test_id("ranking-table")).to_have_count(0)
    expect(page.get_by_test_id("export-pdf")).to_have_count(0)
    chart = page.locator("svg#chart-trend")
    chart.scroll_into_view_if_needed()
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] <= 390  # scales down with the screen
    assert csp == []


#: Text of this journey that must be in Indonesian on the Indonesian interface.
ENGLISH = [
    "RB priority areas",
    "average progress",
    "On track",
    "Needs attention",
    "Behind",
    "expected",
    "Rank",
    "Overdue",
    "monitoring of",
]


def _overflows(page: Any) -> list[str]:
    """Every table container and the page itself: wider content than box is clipped."""
    return list(
        page.evaluate(
            """() => {
              const out = [];
              const check = (el, name) => {
                if (el.scrollWidth > el.clientWidth + 1)
                  out.push(`${name}: ${el.scrollWidth} > ${el.clientWidth}`);
              };
              document.querySelectorAll('.table-responsive').forEach(
                el => check(el, el.querySelector('table')?.dataset.testid || 'table'));
              check(document.documentElement, 'page');
              check(document.body, 'body');
              return out;
            }"""
        )
    )


def _english(page: Any) -> list[str]:
    text = page.locator("main").inner_text()
    return [word for word in ENGLISH if re.search(rf"\b{word}\b", text)]


def test_leader_desk_priority_panel_first_and_nothing_clipped(
    live_server: LiveServer, new_page: Callable[..., Any], log_in: Callable[..., Any]
) -> None:
    _prepare(live_server)
    page = new_page(viewport={"width": 1366, "height": 768})  # a leader's desk
    csp = _watch_csp(page)
    log_in(page, "admin")
    expect(page).to_have_url(live_server("/"))

    # The RB priority panel is the first screen: whole, without scrolling.
    panel = page.get_by_test_id("priority-panel")
    expect(panel).to_be_visible()
    assert page.evaluate("window.scrollY") == 0
    box = panel.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 768, box
    cards = panel.locator("article[data-area]")
    expect(cards).to_have_count(4)
    stunting = panel.locator("article[data-area=STUNTING]")
    # (100 + 30 + 60 + 100 + 100 + 100) ÷ 6 commitments in force, one of them overdue.
    expect(stunting.get_by_test_id("priority-progress")).to_have_text("81,7%")
    expect(stunting.get_by_test_id("priority-overdue")).to_have_text("1")
    expect(stunting.get_by_test_id("priority-light")).not_to_have_text("")
    expect(page.get_by_test_id("traffic-light-rule")).to_contain_text("Hijau")

    # No table is wider than its box, nor the page wider than the screen.
    assert _overflows(page) == []
    # Chart labels wrap instead of being cut.
    labels = " ".join(
        page.evaluate(
            """() => [...document.querySelectorAll('svg.chart-svg text')].map(
                 t => [...t.querySelectorAll('tspan')].map(s => s.textContent).join(' ')
                      || t.textContent)"""
        )
    )
    assert "…" not in labels
    assert "Sedang berjalan, belum terlambat" in labels
    assert _english(page) == []
    assert csp == []


def test_secretary_phone_overdue_first_and_no_contradicting_rank(
    live_server: LiveServer, new_page: Callable[..., Any], log_in: Callable[..., Any]
) -> None:
    _prepare(live_server)
    page = new_page(viewport={"width": 390, "height": 844})
    csp = _watch_csp(page)
    log_in(page, "opd")
    expect(page).to_have_url(live_server("/"))
    expect(page.get_by_test_id("dashboard-period")).to_contain_text("Seluruh waktu")

    overdue = page.get_by_test_id("overdue-block")
    expect(overdue).to_be_visible()
    expect(overdue).to_contain_text("Komitmen uji 2")
    expect(overdue).to_contain_text("Reviu renstra")
    rank = page.get_by_test_id("opd-rank")
    overdue_box, rank_box = overdue.bounding_box(), rank.bounding_box()
    assert overdue_box is not None and rank_box is not None
    assert overdue_box["y"] < rank_box["y"]  # the overdue list comes first
    # DINKES has overdue items, BAPPEDA none: DINKES ranks after it, and the page says why.
    expect(rank).to_contain_text("Peringkat 2 dari 2 OPD")
    expect(rank).to_contain_text("terlambat")
    assert "Peringkat 1" not in page.locator("main").inner_text()
    # 1 of the 3 commitments verified: not 100 % beside the overdue list.
    expect(page.get_by_test_id("stat-completion")).to_have_text("33,33%")

    assert _overflows(page) == []
    assert _english(page) == []
    assert csp == []
