"""The dashboard's figures on a small known data set, computed by hand (see
factories_dashboard for the data), straight from the service."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.dashboard.factories_dashboard import TODAY, known_city
from tracker.models import Role
from tracker.models.commitment import CommitmentStatus
from tracker.models.finding import Outcome
from tracker.services import dashboard as svc

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")
S = CommitmentStatus
D = Decimal


def _filters(period: svc.Period, area=None) -> svc.Filters:
    return svc.Filters(period=period, area=area)


@pytest.fixture
def city(app):
    return known_city()


def _row(data: svc.Overview, code: str) -> svc.OpdRow:
    return next(r for r in data.ranking if r.opd.code == code)


def test_city_figures_for_a_year(city):
    data = svc.overview(_filters(svc.Period.year(2023)), today=TODAY)
    c = data.commitments
    assert c.by_status == {
        S.DRAFT: 1,
        S.ACTIVE: 3,
        S.REPORTED_DONE: 1,
        S.VERIFIED: 3,
        S.CANCELLED: 1,
    }
    assert c.total == 9
    assert c.in_force == 7  # 9 − 1 cancelled − 1 draft
    assert c.verified == 3
    assert c.completion == D("42.86")  # 3 ÷ 7
    assert c.overdue == 2  # a3 (due 1 Sep) and b3 (due 30 Jun); b2 is due on 20 Sep
    assert c.in_progress == 1
    assert data.overdue_average == D("1.0")  # 2 overdue ÷ 2 OPDs with commitments

    # The monitoring of 2023-S2 (as of today, 15 September): every recommendation of the
    # reports received by then, the 2022 report's r8 included.
    assert data.semester == "2023-S2"
    f = data.follow_ups
    assert f.by_outcome == {
        Outcome.SESUAI: 2,
        Outcome.BELUM_SESUAI: 1,
        Outcome.BELUM_DITINDAKLANJUTI: 1,
        Outcome.TIDAK_DAPAT_DITINDAKLANJUTI: 1,
    }
    assert f.not_reviewed == 3  # r3, r7, r8
    assert f.total == 8
    assert f.rate == D("25.00")  # 2 ÷ 8, outcome 4 and not reviewed in the denominator
    # r3 (not reviewed, due 1 May 2023), r5 (outcome 3, due 1 Aug), r8 (due 1 Nov 2022);
    # r2's new deadline (30 Sep) and r7's (20 Sep) are still ahead.
    assert f.overdue == 3

    assert (data.attendance.invited, data.attendance.attended) == (5, 3)
    assert data.attendance.rate == D("60.00")

    assert data.amounts.findings == 2
    assert data.amounts.value == D("15000000.00")
    assert data.amounts.paid == D("4500000.00")
    assert data.amounts.balance == D("10500000.00")


def test_ranking_per_opd(city):
    data = svc.overview(_filters(svc.Period.year(2023)), today=TODAY)
    # Active OPDs only (LAMA is inactive and has no figures), in rank order.
    assert [r.opd.code for r in data.ranking] == ["DINKES", "DISKOMINFO", "BAPPEDA"]
    dinkes, kominfo, bappeda = data.ranking
    assert (dinkes.rank, kominfo.rank, bappeda.rank) == (1, 2, None)
    assert data.ranked == 2

    assert dinkes.commitments.in_force == 4
    assert dinkes.commitments.verified == 2
    assert dinkes.commitments.completion == D("50.00")
    assert dinkes.commitments.overdue == 1
    assert dinkes.follow_ups.total == 5
    assert dinkes.follow_ups.rate == D("20.00")
    assert dinkes.follow_ups.overdue == 2
    assert dinkes.attendance.rate == D("100.00")

    assert kominfo.commitments.in_force == 3
    assert kominfo.commitments.completion == D("33.33")
    assert kominfo.commitments.overdue == 1
    assert kominfo.follow_ups.rate == D("33.33")
    assert kominfo.attendance.rate == D("0.00")

    assert bappeda.commitments.completion is None
    assert bappeda.follow_ups.rate is None
    assert bappeda.attendance.rate is None


def test_progress_by_thematic_area_priorities_first(city):
    data = svc.overview(_filters(svc.Period.year(2023)), today=TODAY)
    rows = [(r.area.code if r.area else None, r.stats.in_force) for r in data.areas]
    # The four priorities first (by their order), then the general area, then "none".
    assert rows == [
        ("STUNTING", 2),
        ("DIGITAL", 3),
        ("INVESTASI", 0),
        ("AKUNTABILITAS", 1),  # a5 cancelled and a6 draft are not in force
        (None, 1),
    ]
    by_code = {r.area.code if r.area else None: r.stats for r in data.areas}
    assert by_code["STUNTING"].completion == D("100.00")
    assert by_code["DIGITAL"].completion == D("33.33")
    assert by_code["DIGITAL"].overdue == 1
    assert by_code["DIGITAL"].average_progress == D("80.0")  # (40 + 100 + 100) ÷ 3
    assert by_code["INVESTASI"].completion is None
    assert by_code["AKUNTABILITAS"].completion == D("0.00")
    assert by_code[None].overdue == 1


def test_monthly_trend_within_the_year(city):
    data = svc.overview(_filters(svc.Period.year(2023)), today=TODAY)
    assert [p.key for p in data.trend] == [f"2023-{m:02d}" for m in range(1, 13)]
    by_month = {p.month: p for p in data.trend}
    assert [
        (m, by_month[m].stats.in_force, by_month[m].stats.verified) for m in (2, 3, 6, 8, 9, 10)
    ] == [
        (2, 1, 1),
        (3, 1, 1),
        (6, 1, 0),
        (8, 1, 1),
        (9, 2, 0),
        (10, 1, 0),
    ]
    assert by_month[9].stats.overdue == 1
    assert by_month[10].stats.reported_done == 1
    cumulative = [p.cumulative for p in data.trend]
    assert cumulative == [
        None,
        D("100.00"),
        D("100.00"),
        D("100.00"),
        D("100.00"),
        D("66.67"),  # 2 ÷ 3
        D("66.67"),
        D("75.00"),  # 3 ÷ 4
        D("50.00"),  # 3 ÷ 6
        D("42.86"),  # 3 ÷ 7
        D("42.86"),
        D("42.86"),
    ]
    # Verified during the month, in WIB: a2 was verified on 31 July 20:00 UTC = 1 August WIB.
    assert {p.month: p.verified_during for p in data.trend if p.verified_during} == {
        2: 1,
        3: 1,
        8: 1,
    }


def test_semester_and_all_time(city):
    s2 = svc.overview(_filters(svc.Period.semester("2023-S2")), today=TODAY)
    assert [p.month for p in s2.trend] == [7, 8, 9, 10, 11, 12]
    # a2, a3, a4, a6 (draft), b2 are due in July–December.
    assert s2.commitments.total == 5
    assert s2.commitments.in_force == 4
    assert s2.commitments.completion == D("25.00")  # a2 ÷ (a2, a3, a4, b2)
    assert s2.follow_ups.total == 8  # the monitoring of 2023-S2
    assert s2.follow_ups.rate == D("25.00")
    assert s2.attendance.invited == 5  # the July workshop

    # The first semester's monitoring: the reviews were made for 2023-S2, so at the end of
    # June nothing had been reviewed (the matrix says 3 everywhere); the repayment of
    # 1 August is not counted yet.
    s1 = svc.overview(_filters(svc.Period.semester("2023-S1")), today=TODAY)
    assert s1.semester == "2023-S1"
    assert (s1.follow_ups.total, s1.follow_ups.not_reviewed, s1.follow_ups.rate) == (
        8,
        8,
        D("0.00"),
    )
    assert s1.follow_ups.overdue == 5  # as of 30 June: r1, r2, r3, r4 (due April/May), r8
    assert s1.amounts.paid == D("3500000.00")

    everything = svc.overview(_filters(svc.Period.all_time()), today=TODAY)
    assert [p.key for p in everything.trend] == ["2022", "2023"]
    assert everything.commitments.in_force == 8  # a7 (2022) added
    assert everything.commitments.completion == D("50.00")  # 4 ÷ 8
    assert everything.follow_ups.total == 8
    assert everything.attendance.invited == 6  # the 2022 workshop added
    assert everything.amounts.findings == 2
    assert everything.amounts.value == D("15000000.00")
    assert everything.amounts.paid == D("4500000.00")
    assert {p.key: p.verified_during for p in everything.trend} == {"2022": 1, "2023": 3}


def test_area_filter_applies_to_commitments_only(city):
    data = svc.overview(_filters(svc.Period.year(2023), area=city.areas["digital"]), today=TODAY)
    assert data.commitments.in_force == 3
    assert data.commitments.completion == D("33.33")
    assert [r.area.code for r in data.areas if r.area] == ["DIGITAL"]
    assert data.follow_ups.total == 8  # recommendations have no thematic area
    assert data.attendance.invited == 5


def test_standing_of_an_opd_against_the_city(city):
    user = city.user(Role.OPD, city.kominfo)
    page = svc.opd_overview(city.kominfo, _filters(svc.Period.year(2023)), today=TODAY, user=user)
    standing = page.standing
    assert standing.rank == 2
    assert standing.ranked == 2
    assert standing.row.commitments.completion == D("33.33")
    assert standing.city_completion == D("42.86")
    assert standing.city_overdue_average == D("1.0")
    assert standing.city_follow_up == D("25.00")
    assert standing.city_attendance == D("60.00")
    # The OPD's own areas and trend; no grades on an OPD's page.
    assert sum(r.stats.in_force for r in page.overview.areas) == 3
    assert page.overview.amounts.findings == 0
    assert page.overview.grades == []


def test_due_soon_and_overdue_items_as_of_today(city):
    user = city.user(Role.OPD, city.kominfo)
    due = svc.due_items(city.kominfo, today=TODAY, user=user)
    assert [c.id for c in due.overdue_commitments] == [city.commitments["b3"].id]
    assert [c.id for c in due.due_soon_commitments] == [city.commitments["b2"].id]
    assert [r.id for r in due.overdue_recommendations] == [city.recommendations["r5"].id]
    # r6 is due on 18 Sep but settled (outcome 1): not listed; r7 is due on 20 Sep.
    assert [r.id for r in due.due_soon_recommendations] == [city.recommendations["r7"].id]
    assert due.counts == {
        "overdue_commitments": 1,
        "due_soon_commitments": 1,
        "overdue_recommendations": 1,
        "due_soon_recommendations": 1,
    }


def test_due_items_never_show_a_draft_to_an_opd_user(city):
    draft_due = dt.date(2023, 9, 16)
    from tests.dashboard.factories_dashboard import make_commitment

    make_commitment(city.dinkes, S.DRAFT, draft_due)
    # A draft is not "in progress": neither due soon nor overdue, whoever asks.
    user = city.user(Role.OPD, city.dinkes)
    due = svc.due_items(city.dinkes, today=TODAY, user=user)
    assert all(c.status is not S.DRAFT for c in due.due_soon_commitments)


def test_grades_against_peers(city):
    data = svc.overview(_filters(svc.Period.year(2023)), today=TODAY)
    sakip = next(c for c in data.grades if c.instrument.value == "sakip")
    assert sakip.years == [2022]
    assert sakip.regions[0] == "Kota Malang"
    assert sakip.cell(2022, "Kota Malang").grade.value == "A"
    assert sakip.cell(2022, "Kota Surabaya").grade.value == "AA"


def test_ranks_share_equal_completion():
    rows = []
    for code, verified, in_force in (("A", 1, 2), ("B", 2, 4), ("C", 3, 4), ("D", 0, 0)):
        row = svc.OpdRow(opd=type("O", (), {"code": code, "sort_order": 0})())  # type: ignore[arg-type]
        row.commitments.add(S.VERIFIED, verified, 0)
        row.commitments.add(S.ACTIVE, in_force - verified, 0)
        rows.append(row)
    svc.assign_ranks(rows)
    assert [(r.opd.code, r.rank) for r in rows] == [("A", 2), ("B", 2), ("C", 1), ("D", None)]
    ordered = svc.sort_ranking(rows, "completion", "asc")
    assert [r.opd.code for r in ordered] == ["A", "B", "C", "D"]  # empty values last
    ordered = svc.sort_ranking(rows, "completion", "desc")
    assert [r.opd.code for r in ordered] == ["C", "A", "B", "D"]
    # An unknown column falls back to the rank.
    assert [r.opd.code for r in svc.sort_ranking(rows, "nonsense", "asc")] == [
        "C",
        "A",
        "B",
        "D",
    ]


def test_filters_from_the_query_string(app):
    today = dt.date(2026, 3, 1)
    filters, problems = svc.resolve_filters({"period": "2023-S2"}, today=today)
    assert filters.period.key == "2023-S2"
    assert (filters.period.start, filters.period.end) == (
        dt.date(2023, 7, 1),
        dt.date(2023, 12, 31),
    )
    assert problems == []
    filters, problems = svc.resolve_filters({"year": "2023"}, today=today)
    assert filters.period.key == "2023"
    filters, _p = svc.resolve_filters({"period": "all", "year": "2023"}, today=today)
    assert filters.period.is_all  # ?period= wins
    # Nothing due this year: the default is all time.
    filters, problems = svc.resolve_filters({}, today=today)
    assert filters.period.is_all
    assert filters.defaulted
    for bad in ({"period": "2023-S3"}, {"year": "abc"}, {"period": "1999"}, {"area": "x"}):
        filters, problems = svc.resolve_filters(bad, today=today)
        assert len(problems) == 1, bad
        assert filters.area is None
    _f, problems = svc.resolve_filters({"area": "99999"}, today=today)
    assert len(problems) == 1


def test_default_period_is_the_current_year_when_it_has_data(city):
    filters, _problems = svc.resolve_filters({}, today=TODAY)
    assert filters.period.key == "2023"
    filters, _problems = svc.resolve_filters({}, today=dt.date(2030, 1, 1))
    assert filters.period.is_all
