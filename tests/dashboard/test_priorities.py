"""The RB priority panel (the leaders' first screen), the traffic light, honest ranks."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from tests import factories
from tests.dashboard.factories_dashboard import TODAY, known_city, make_commitment
from tracker.extensions import db
from tracker.models import Role
from tracker.models.commitment import CommitmentStatus
from tracker.services import dashboard as svc

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")
S = CommitmentStatus
D = Decimal
L = svc.Light


@pytest.fixture
def city(app):
    return known_city()


def _stats(*rows: tuple[CommitmentStatus, int, int, int]) -> svc.CommitmentStats:
    stats = svc.CommitmentStats()
    for status, count, overdue, progress in rows:
        stats.add(status, count, overdue, progress)
    return stats


def test_traffic_light_rule():
    expected = D("70.0")
    assert svc.traffic_light(_stats(), expected) is L.NONE
    # Green: nothing overdue, average progress at least the expected.
    assert svc.traffic_light(_stats((S.ACTIVE, 2, 0, 140)), expected) is L.GREEN
    # Amber: nothing overdue but behind by at most 25 points ...
    assert svc.traffic_light(_stats((S.ACTIVE, 2, 0, 100)), expected) is L.AMBER
    # ... or ahead with a quarter or less overdue.
    assert svc.traffic_light(_stats((S.ACTIVE, 4, 1, 320)), expected) is L.AMBER
    # Red: more than 25 points behind, or more than a quarter overdue.
    assert svc.traffic_light(_stats((S.ACTIVE, 2, 0, 80)), expected) is L.RED
    assert svc.traffic_light(_stats((S.ACTIVE, 3, 1, 300)), expected) is L.RED


def test_expected_progress_is_the_elapsed_share_of_the_period():
    year = svc.Period.year(2023)
    assert svc.expected_progress(year, dt.date(2023, 9, 15), 5, 0) == D("70.7")  # 258 / 365
    assert svc.expected_progress(year, dt.date(2024, 1, 2), 5, 0) == D(100)
    assert svc.expected_progress(year, dt.date(2022, 12, 31), 5, 5) == D(0)
    s2 = svc.Period.semester("2023-S2")
    assert svc.expected_progress(s2, dt.date(2023, 7, 1), 5, 0) == D("0.5")  # 1 / 184
    # All time: the share of the area's commitments whose due date has passed.
    everything = svc.Period.all_time()
    assert svc.expected_progress(everything, TODAY, 4, 1) == D("25.0")
    assert svc.expected_progress(everything, TODAY, 0, 0) == D(0)


def test_priority_panel_of_a_year(city):
    # A 2022 area with the same code (in another case): its commitments are the previous
    # period's figures of Stunting.
    old_stunting = factories.make_thematic_area(2022, code="stunting", name="Stunting 2022")
    make_commitment(city.dinkes, S.ACTIVE, dt.date(2022, 6, 1), area=old_stunting, progress=60)
    make_commitment(city.kominfo, S.DRAFT, dt.date(2022, 6, 1), area=old_stunting, progress=0)
    db.session.commit()

    data = svc.overview(svc.Filters(svc.Period.year(2023)), today=TODAY)
    assert data.priority_year == 2023
    rows = {r.area.code: r for r in data.priorities}
    assert list(rows) == ["STUNTING", "DIGITAL", "INVESTASI"]  # not AKUNTABILITAS
    stunting, digital, investasi = rows["STUNTING"], rows["DIGITAL"], rows["INVESTASI"]

    assert (stunting.stats.in_force, stunting.stats.verified, stunting.stats.overdue) == (2, 2, 0)
    assert stunting.stats.average_progress == D("100.0")
    assert stunting.expected == D("70.7")
    assert stunting.light is L.GREEN
    assert stunting.previous is not None and stunting.previous.in_force == 1  # the draft is not
    assert stunting.change == D("40.0")  # 100 − 60

    # a3 (40 %, overdue), a4 (100 %, reported done), b1 (100 %, verified).
    assert (digital.stats.in_force, digital.stats.verified, digital.stats.overdue) == (3, 1, 1)
    assert digital.stats.average_progress == D("80.0")
    assert digital.light is L.RED  # 1 of 3 overdue: more than a quarter
    assert digital.change is None  # nothing in 2022

    assert investasi.stats.in_force == 0
    assert investasi.light is L.NONE


def test_priority_areas_of_the_period(city):
    # No areas set for 2024: the 2023 priorities stay; once 2024 has its own, those.
    data = svc.overview(svc.Filters(svc.Period.year(2024)), today=TODAY)
    assert data.priority_year == 2023
    assert len(data.priorities) == 3
    factories.make_thematic_area(2024, code="KEMISKINAN", name="Kemiskinan", is_priority=True)
    factories.make_thematic_area(2024, code="UMUM", name="Umum")
    db.session.commit()
    data = svc.overview(svc.Filters(svc.Period.year(2024)), today=TODAY)
    assert [r.area.code for r in data.priorities] == ["KEMISKINAN"]
    # All time: this year's (2023 here); an OPD's page has no panel.
    data = svc.overview(svc.Filters(svc.Period.all_time()), today=TODAY)
    assert [r.area.code for r in data.priorities] == ["STUNTING", "DIGITAL", "INVESTASI"]
    assert all(r.previous is None and r.change is None for r in data.priorities)
    data = svc.overview(svc.Filters(svc.Period.year(2023)), today=TODAY, opd_id=city.dinkes.id)
    assert data.priorities == []


def test_the_panel_comes_first_on_the_leaders_page(city, client, login_as):
    login_as(Role.PIMPINAN)
    html = client.get("/?period=2023").get_data(as_text=True)
    panel = html.index('data-testid="priority-panel"')
    assert html.index('data-testid="dashboard-filters"') < panel
    assert panel < html.index('id="key-figures"') < html.index('data-testid="ranking-table"')
    cards = re.findall(r'data-area="([A-Z]+)" data-light="(\w+)"', html)
    assert cards == [("STUNTING", "green"), ("DIGITAL", "red"), ("INVESTASI", "none")]
    card = html[html.index('data-area="DIGITAL" data-light') :]
    assert 'data-testid="priority-progress">80.0%<' in card
    assert 'data-testid="priority-overdue" class="text-danger">1<' in card
    assert "No comparison: no commitments due in Year 2022." in card
    assert 'data-testid="traffic-light-rule"' in html
    assert "more than a quarter of the commitments overdue" in html
    # The areas chart shows the average progress, with a % sign, not 0 % bars.
    chart = html[
        html.index('id="chart-areas"') : html.index("</svg>", html.index('id="chart-areas"'))
    ]
    assert "80.0%" in chart and "100.0%" in chart


def test_the_panel_in_indonesian(city, client, login_as):
    old_stunting = factories.make_thematic_area(2022, code="STUNTING", name="Stunting 2022")
    make_commitment(city.dinkes, S.ACTIVE, dt.date(2022, 6, 1), area=old_stunting, progress=55)
    db.session.commit()
    login_as(Role.PIMPINAN)
    client.post("/language", data={"lang": "id"})
    html = client.get("/?period=2023").get_data(as_text=True)
    card = html[html.index('data-area="STUNTING" data-light') :]
    assert 'data-testid="priority-progress">100,0%<' in card
    assert "+45,0 poin sejak Tahun 2022" in card


def _row(code: str, verified: int, in_force: int, overdue: int = 0) -> svc.OpdRow:
    row = svc.OpdRow(opd=type("O", (), {"code": code, "sort_order": 0})())  # type: ignore[arg-type]
    row.commitments.add(S.VERIFIED, verified, 0)
    row.commitments.add(S.ACTIVE, in_force - verified, overdue)
    return row


def test_ranks_share_ties_and_put_overdue_after():
    rows = [
        _row("A", 1, 2),
        _row("B", 2, 4),
        _row("C", 3, 4),
        _row("D", 0, 0),
        _row("E", 4, 4 + 1, overdue=1),  # the best completion, but something overdue
        _row("F", 0, 3),
    ]
    svc.assign_ranks(rows)
    assert {r.opd.code: r.rank for r in rows} == {
        "C": 1,
        "A": 2,
        "B": 2,
        "F": 4,
        "E": 5,
        "D": None,
    }
    # An overdue recommendation counts the same.
    rows = [_row("A", 1, 2), _row("B", 1, 4)]
    rows[0].follow_ups.add(None, 1, 1)
    svc.assign_ranks(rows)
    assert [(r.opd.code, r.rank) for r in rows] == [("A", 2), ("B", 1)]


def test_no_rank_when_nothing_is_verified(app, client, login_as):
    dinkes = factories.make_opd("DINKES", "Dinas Kesehatan")
    bappeda = factories.make_opd("BAPPEDA", "Badan Perencanaan Pembangunan Daerah")
    for opd in (dinkes, bappeda):
        make_commitment(opd, S.ACTIVE, dt.date(2023, 3, 1), progress=30)
    db.session.commit()
    rows = svc.overview(svc.Filters(svc.Period.year(2023)), today=TODAY).ranking
    assert all(r.rank is None for r in rows)

    login_as(Role.PIMPINAN)
    html = client.get("/?period=2023").get_data(as_text=True)
    assert 'data-testid="rank-note"' in html
    assert "no commitment has been verified in this period yet" in html
    assert re.findall(r'data-testid="rank">([^<]*)<', html) == ["—", "—"]
    page = client.get("/opd/DINKES?period=2023").get_data(as_text=True)
    assert "Rank 1" not in page
    assert "no commitment has been verified in this period yet" in page
