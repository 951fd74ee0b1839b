"""The leadership dashboard in a real Chromium: the charts render (inline SVG, within the
CSP), the ranking sorts without JavaScript, an OPD's page opens from it, the XLSX
downloads; an OPD secretary sees their own OPD."""

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
from tracker.models import Opd, OpdKind, ThematicArea
from tracker.models.commitment import Commitment, CommitmentStatus
from tracker.models.finding import Finding, Outcome, Recommendation, Report, ReportKind

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
        db.session.add_all([bappeda, area])
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
        db.session.add_all(
            [
                report,
                finding,
                Recommendation(
                    finding=finding,
                    number="1",
                    text="Revisi IKU",
                    opd=dinkes,
                    original_due_on=due,
                    due_on=due,
                    outcome=Outcome.SESUAI,
                ),
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
