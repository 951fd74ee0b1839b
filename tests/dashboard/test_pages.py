"""The dashboard pages through HTTP: what each role sees, filters, sorting, scoping."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests import factories
from tests.dashboard.factories_dashboard import (
    known_city,
    make_commitment,
    make_finding,
    make_recommendation,
    make_report,
)
from tracker.extensions import db
from tracker.i18n import today_wib
from tracker.models import Role
from tracker.models.commitment import CommitmentStatus

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")
S = CommitmentStatus


def _html(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:1500]
    return response.get_data(as_text=True)


def _row(html: str, code: str) -> str:
    match = re.search(rf'<tr data-opd="{code}">(.*?)</tr>', html, re.S)
    assert match, code
    return match.group(1)


def _cell(row: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}">([^<]*)<', row)
    assert match, testid
    return match.group(1).strip()


@pytest.fixture
def city(app):
    return known_city()


@pytest.mark.parametrize("role", [Role.ADMIN, Role.INSPEKTORAT, Role.PIMPINAN])
def test_readers_see_the_city(city, client, login_as, role):
    login_as(role)
    html = _html(client.get("/?period=2023"))
    assert "Year 2023" in html
    assert 'data-testid="stat-in-force">7<' in html
    assert 'data-testid="stat-completion">42.86%<' in html
    assert 'data-testid="stat-follow-up">25.00%<' in html  # the monitoring of 2023-S2
    assert 'data-testid="stat-attendance">60.00%<' in html
    dinkes = _row(html, "DINKES")
    assert _cell(dinkes, "rank") == "1"
    assert _cell(dinkes, "completion") == "50.00%"
    assert _cell(dinkes, "follow-up") == "20.00%"
    assert _cell(dinkes, "attendance") == "100.00%"
    kominfo = _row(html, "DISKOMINFO")
    assert _cell(kominfo, "rank") == "2"
    assert _cell(kominfo, "completion") == "33.33%"
    # Today (after 2023): every commitment of 2023 still in progress is overdue.
    assert _cell(kominfo, "overdue") == "2"
    assert _cell(_row(html, "BAPPEDA"), "completion") == "—"
    assert 'data-opd="LAMA"' not in html  # inactive and without figures
    assert 'href="/opd/DINKES?period=2023"' in html
    assert "Rp 15,000,000" in html and "Rp 4,500,000" in html and "Rp 10,500,000" in html
    # The areas: the priorities first.
    areas = re.findall(r'<tr data-area="([^"]+)"', html)
    assert areas == ["STUNTING", "DIGITAL", "INVESTASI", "AKUNTABILITAS", "none"]
    # Exports keep the filters.
    assert 'href="/dashboard.xlsx?period=2023&amp;sort=rank&amp;dir=asc"' in html
    assert 'href="/dashboard.pdf?period=2023&amp;sort=rank&amp;dir=asc"' in html


def test_charts_are_inline_svg_with_text_alternatives(city, client, login_as):
    login_as(Role.ADMIN)
    html = _html(client.get("/?period=2023"))
    # decorative icons (the bell) are hidden from assistive technology; charts are not
    charts = [tag for tag in re.findall(r"<svg [^>]*>", html) if 'aria-hidden="true"' not in tag]
    ids = {re.search(r'id="([^"]+)"', tag).group(1) for tag in charts}
    assert {
        "chart-status",
        "chart-areas",
        "chart-trend",
        "chart-outcomes",
        "chart-grades-sakip",
        "chart-grades-rb",
    } <= ids
    for chart_id in ids:
        assert f'<title id="{chart_id}-title">' in html
        assert f'<desc id="{chart_id}-desc">' in html
        assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in html
    # The CSP forbids inline styles: presentation attributes only.
    assert "<style" not in html
    assert " style=" not in html
    for table in (
        "status-table",
        "areas-table",
        "trend-table",
        "outcomes-table",
        "grades-table-sakip",
    ):
        assert f'data-testid="{table}"' in html


def test_ranking_sorts_by_each_column_without_javascript(city, client, login_as):
    login_as(Role.INSPEKTORAT)

    def order(query: str) -> list[str]:
        html = _html(client.get("/?period=2023&" + query))
        return re.findall(r'<tr data-opd="([^"]+)"', html)

    assert order("") == ["DINKES", "DISKOMINFO", "BAPPEDA"]
    assert order("sort=rank&dir=desc") == ["DISKOMINFO", "DINKES", "BAPPEDA"]
    assert order("sort=opd&dir=asc") == ["BAPPEDA", "DINKES", "DISKOMINFO"]
    assert order("sort=overdue&dir=desc") == ["DISKOMINFO", "DINKES", "BAPPEDA"]
    assert order("sort=follow_up&dir=desc") == ["DISKOMINFO", "DINKES", "BAPPEDA"]
    assert order("sort=attendance&dir=asc") == ["DISKOMINFO", "DINKES", "BAPPEDA"]
    assert order("sort=commitments&dir=desc") == ["DINKES", "DISKOMINFO", "BAPPEDA"]
    assert order("sort=bogus&dir=sideways") == ["DINKES", "DISKOMINFO", "BAPPEDA"]
    html = _html(client.get("/?period=2023&sort=overdue&dir=desc"))
    assert 'aria-sort="descending"' in html
    # The active column's link reverses the order; the filters stay.
    assert 'href="/?period=2023&amp;sort=overdue&amp;dir=asc#ranking"' in html


def test_invalid_filters_are_ignored_with_a_message(city, client, login_as):
    login_as(Role.PIMPINAN)
    for query in ("period=2023-S3", "year=20x3", "area=abc", "area=999999"):
        html = _html(client.get("/?" + query))
        assert "was ignored" in html or "is not valid" in html, query
    refused = client.get("/?period=%00")  # text the database cannot store: the request guard
    assert refused.status_code == 400
    assert "NUL" in refused.get_data(as_text=True)
    html = _html(client.get("/?period=2023-S2&area=" + str(city.areas["digital"].id)))
    assert "Semester II 2023" in html
    assert "applies to commitments only" in html


def test_area_filter_narrows_the_commitments(city, client, login_as):
    login_as(Role.ADMIN)
    html = _html(client.get(f"/?period=2023&area={city.areas['digital'].id}"))
    assert 'data-testid="stat-in-force">3<' in html
    assert re.findall(r'<tr data-area="([^"]+)"', html) == ["DIGITAL"]


def test_empty_city_renders(app, client, login_as):
    login_as(Role.ADMIN)
    html = _html(client.get("/"))
    assert "All time" in html  # nothing due this year: all time
    assert 'data-testid="stat-completion">—<' in html
    assert 'data-testid="empty-state"' in html  # no grades


def test_opd_user_sees_their_own_opd(city, client, login):
    today = today_wib()
    soon = make_commitment(
        city.kominfo, S.ACTIVE, today + dt.timedelta(days=3), statement="Portal data terpadu"
    )
    late = make_commitment(
        city.kominfo, S.ACTIVE, today - dt.timedelta(days=10), statement="SPBE level 3"
    )
    make_commitment(city.kominfo, S.DRAFT, today + dt.timedelta(days=2), statement="Rancangan")
    make_commitment(city.dinkes, S.ACTIVE, today + dt.timedelta(days=1), statement="Lain OPD")
    finding = make_finding(make_report(), city.kominfo)
    rec = make_recommendation(
        finding, city.kominfo, today + dt.timedelta(days=5), text="Mereviu SOP pengaduan"
    )
    db.session.commit()
    login(factories.make_user(Role.OPD, opd=city.kominfo))
    html = _html(client.get("/?period=2023"))
    assert "Dinas Komunikasi dan Informatika" in html
    assert "Dinas Kesehatan" not in html
    # An overdue item of the list (due this year) is not in the figures of 2023: no rank
    # beside it, and a warning that says why.
    assert "Rank 2 of 2" not in html
    assert "The rank for Year 2023 is not shown: 1 overdue items" in html
    assert 'data-testid="overdue-elsewhere"' in html
    assert html.index('data-testid="overdue-block"') < html.index('data-testid="opd-rank"')
    assert "Portal data terpadu" in html
    assert f'href="/commitments/{soon.id}"' in html
    assert f'href="/commitments/{late.id}"' in html
    assert "Rancangan" not in html  # drafts are not shown to OPDs
    assert "Lain OPD" not in html
    assert f'href="/findings/{finding.id}#rec-{rec.id}"' in html
    standing = re.search(r'data-testid="standing-table">(.*?)</table>', html, re.S).group(1)
    assert re.search(r'data-figure="completion">.*?33.33%.*?42.86%', standing, re.S)
    # The monitoring of 2023-S2 counts the new recommendation too (report received in 2023).
    assert re.search(r'data-figure="follow_up">.*?25.00%.*?22.22%', standing, re.S)
    assert 'data-testid="ranking-table"' not in html
    assert "dashboard.xlsx" not in html
    assert 'data-status="draft"' not in html
    assert client.get("/dashboard.xlsx").status_code == 403
    assert client.get("/dashboard.pdf").status_code == 403


def test_opd_page_is_scoped(city, client, login):
    login(factories.make_user(Role.OPD, opd=city.dinkes))
    assert client.get("/opd/DINKES").status_code == 200
    assert client.get("/opd/DISKOMINFO").status_code == 404
    assert client.get("/opd/NOPE").status_code == 404


@pytest.mark.parametrize("role", [Role.ADMIN, Role.INSPEKTORAT, Role.PIMPINAN])
def test_readers_open_any_active_opd(city, client, login_as, role):
    login_as(role)
    html = _html(client.get("/opd/DISKOMINFO?period=2023"))
    assert "Dinas Komunikasi dan Informatika" in html
    # Every OPD has overdue items: no rank on the OPD's page.
    assert "No OPD is free of overdue items yet, so no rank is shown here" in html
    assert 'data-testid="stat-completion">33.33%<' in html
    assert 'data-status="draft"' in html  # readers see drafts in the status table
    assert 'href="/?period=2023"' in html  # back to the city
    assert client.get("/opd/BAPPEDA").status_code == 200  # no figures: still a page
    assert client.get("/opd/LAMA").status_code == 404  # inactive
    assert client.get("/opd/NOPE").status_code == 404
    assert client.get("/opd/dinkes").status_code == 404  # codes are exact


def test_pages_in_indonesian(city, client, login_as):
    login_as(Role.ADMIN)
    client.post("/language", data={"lang": "id"})
    html = _html(client.get("/?period=2023"))
    assert '<html lang="id">' in html
    assert "42,86%" in html
