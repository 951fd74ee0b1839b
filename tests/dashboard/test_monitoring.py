"""One meaning of "period": the dashboard's follow-up figures are the TLHP matrix's.

The matrix (:func:`tracker.services.tlhp_matrix.build_matrix`) states, row by row, where each
recommendation stood at the end of a semester; the dashboard counts the same in SQL
(:mod:`tracker.services.monitoring`). On data with reviews over several semesters, deadlines
moved by outcome 2, reports received at different times and repayments spread over the
semesters, both must give the same counts, overdue items, rates and amounts, per OPD and for
the city; and the pages must show the same figures for a year and for a semester.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests import factories
from tests.dashboard.factories_dashboard import (
    make_finding,
    make_recommendation,
    make_report,
    review,
)
from tracker.extensions import db
from tracker.models import Role
from tracker.models.finding import Outcome, Recommendation, Repayment
from tracker.services import dashboard as svc
from tracker.services import monitoring
from tracker.services.tlhp_matrix import build_matrix

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")
TODAY = dt.date(2024, 5, 15)  # in 2024-S1
SEMESTERS = ["2022-S2", "2023-S1", "2023-S2", "2024-S1"]


@pytest.fixture
def world(app):
    a = factories.make_opd("DINKES", "Dinas Kesehatan", sort_order=1)
    b = factories.make_opd("BAPPEDA", "Badan Perencanaan Pembangunan Daerah", sort_order=2)
    c = factories.make_opd("DISKOMINFO", "Dinas Komunikasi dan Informatika", sort_order=3)
    inspector = factories.make_user(Role.INSPEKTORAT)

    r1 = make_report(2022, dt.date(2022, 8, 1))
    f1a, f1b = make_finding(r1, a), make_finding(r1, b)
    a1 = make_recommendation(f1a, a, dt.date(2022, 9, 30))
    review(a1, Outcome.BELUM_SESUAI, "2022-S2", new_due_on=dt.date(2023, 3, 31))
    review(a1, Outcome.SESUAI, "2023-S1")
    a2 = make_recommendation(f1a, a, dt.date(2022, 9, 30))
    review(a2, Outcome.BELUM_DITINDAKLANJUTI, "2022-S2")
    review(a2, Outcome.BELUM_SESUAI, "2023-S2", new_due_on=dt.date(2024, 2, 1))
    make_recommendation(f1b, b, dt.date(2022, 9, 30))  # never reviewed
    b2 = make_recommendation(f1b, b, dt.date(2022, 9, 30))
    review(b2, Outcome.TIDAK_DAPAT_DITINDAKLANJUTI, "2023-S1")

    r2 = make_report(2023, dt.date(2023, 5, 10))
    money = make_finding(r2, a, amount=Decimal("20000000"))
    a3 = make_recommendation(money, a, dt.date(2023, 7, 9))
    review(a3, Outcome.SESUAI, "2023-S2")
    for day, amount in (
        (dt.date(2023, 6, 1), "5000000"),
        (dt.date(2023, 9, 1), "5000000"),
        (dt.date(2024, 1, 10), "2000000"),
    ):
        db.session.add(
            Repayment(finding=money, paid_on=day, amount=Decimal(amount), recorded_by=inspector)
        )
    c1 = make_recommendation(make_finding(r2, c), c, dt.date(2023, 7, 9))
    review(c1, Outcome.BELUM_SESUAI, "2023-S1", new_due_on=dt.date(2023, 8, 15))
    review(c1, Outcome.BELUM_DITINDAKLANJUTI, "2023-S2")

    r3 = make_report(2023, dt.date(2023, 11, 20))
    make_recommendation(make_finding(r3, c), c, dt.date(2024, 1, 19))  # not reviewed
    b3 = make_recommendation(make_finding(r3, b), b, dt.date(2024, 1, 19))
    review(b3, Outcome.SESUAI, "2024-S1")

    r4 = make_report(2024, dt.date(2024, 3, 1))
    c3 = make_recommendation(make_finding(r4, c), c, dt.date(2024, 4, 30))
    review(c3, Outcome.BELUM_SESUAI, "2024-S1", new_due_on=dt.date(2024, 9, 30))
    db.session.commit()
    return {"a": a, "b": b, "c": c}


def _matrix(semester: str):
    recs = list(db.session.scalars(select(Recommendation)))
    return build_matrix(recs, semester, today=TODAY)


def _from_matrix(semester: str) -> dict[int, tuple]:
    """Per OPD: (outcome counts with 'not reviewed' apart, overdue) from the matrix."""
    out: dict[int, tuple] = {}
    matrix = _matrix(semester)
    for group in matrix.groups:
        for row in group.rows:
            opd = row.recommendation.opd_id
            counts, overdue = out.get(opd, (Counter(), 0))
            counts[row.outcome if row.reviewed else None] += 1
            out[opd] = (counts, overdue + int(row.overdue))
    return out


def _from_sql(semester: str) -> dict[int, tuple]:
    out: dict[int, tuple] = {}
    for row in monitoring.outcome_counts(semester, today=TODAY):
        counts, overdue = out.get(row.opd_id, (Counter(), 0))
        counts[row.outcome] += row.count
        out[row.opd_id] = (counts, overdue + row.overdue)
    return out


@pytest.mark.parametrize("semester", SEMESTERS)
def test_counts_are_the_matrix_s(world, semester):
    assert _from_sql(semester) == _from_matrix(semester)
    matrix = _matrix(semester)
    amounts = monitoring.amounts(semester)
    assert (amounts.value, amounts.paid) == (matrix.overall.value, matrix.overall.paid)
    # One OPD's amounts: the matrix filtered to that OPD.
    a = world["a"]
    own = build_matrix(
        [r for r in db.session.scalars(select(Recommendation)) if r.opd_id == a.id],
        semester,
        today=TODAY,
    )
    mine = monitoring.amounts(semester, opd_id=a.id)
    assert (mine.value, mine.paid) == (own.overall.value, own.overall.paid)


def test_the_data_exercises_each_rule(world):
    """Not a tautology: the semesters differ in what the rules decide."""
    counts = {s: _from_sql(s) for s in SEMESTERS}
    a, c = world["a"].id, world["c"].id
    # Only the report received by then: 4 recommendations at the end of 2022.
    assert sum(sum(v[0].values()) for v in counts["2022-S2"].values()) == 4
    assert sum(sum(v[0].values()) for v in counts["2024-S1"].values()) == 9
    # a1: outcome 2 in 2022-S2 (new deadline 31 March 2023), 1 in 2023-S1.
    assert counts["2022-S2"][a][0][Outcome.BELUM_SESUAI] == 1
    assert counts["2023-S1"][a][0][Outcome.SESUAI] == 1
    # c1: outcome 2 with a deadline of 15 August 2023, then 3: overdue at the end of 2023.
    assert counts["2023-S2"][c] == (Counter({Outcome.BELUM_DITINDAKLANJUTI: 1, None: 1}), 1)
    amounts = {s: monitoring.amounts(s) for s in SEMESTERS}
    assert amounts["2022-S2"].findings == 0
    assert [amounts[s].paid for s in SEMESTERS[1:]] == [
        Decimal("5000000.00"),
        Decimal("10000000.00"),
        Decimal("12000000.00"),
    ]


@pytest.mark.parametrize(
    ("period", "semester"),
    [
        (svc.Period.year(2023), "2023-S2"),  # a year: the position at its end
        (svc.Period.semester("2023-S1"), "2023-S1"),
        (svc.Period.year(2024), "2024-S1"),  # the current year: today's semester
        (svc.Period.all_time(), "2024-S1"),
    ],
)
def test_the_dashboard_gives_the_matrix_figures(world, period, semester):
    data = svc.overview(svc.Filters(period=period), today=TODAY)
    assert data.semester == semester
    matrix = _matrix(semester)
    assert data.follow_ups.total == matrix.overall.total
    assert data.follow_ups.settled == matrix.overall.counts[Outcome.SESUAI]
    assert data.follow_ups.rate == matrix.overall.rate
    assert data.follow_ups.not_reviewed == matrix.overall.not_reviewed
    by_opd = {t.opd.id: t for t in matrix.per_opd if t.opd is not None}
    for row in data.ranking:
        totals = by_opd.get(row.opd.id)
        assert row.follow_ups.total == (totals.total if totals else 0), row.opd.code
        assert row.follow_ups.rate == (totals.rate if totals else None), row.opd.code
    assert (data.amounts.value, data.amounts.paid) == (matrix.overall.value, matrix.overall.paid)


def _matrix_page(client, semester: str) -> tuple[str, str]:
    html = client.get(f"/findings/matrix?semester={semester}").get_data(as_text=True)
    total = re.search(r'data-testid="recap-total">\s*<td>[^<]*</td>\s*<td[^>]*>(\d+)<', html)
    rate = re.search(r'data-testid="overall-rate">([^<]+)<', html)
    assert total and rate, html[:500]
    return total.group(1), rate.group(1)


def _dashboard_page(client, period: str) -> tuple[str, str]:
    html = client.get(f"/?period={period}").get_data(as_text=True)
    rate = re.search(r'data-testid="stat-follow-up">([^<]+)<', html)
    note = re.search(r"(\d+) of (\d+) recommendations, monitoring of", html)
    assert rate and note, html[:500]
    return note.group(2), rate.group(1)


@pytest.mark.parametrize(
    ("period", "semester"), [("2023", "2023-S2"), ("2023-S1", "2023-S1"), ("2022-S2", "2022-S2")]
)
def test_the_pages_agree(world, client, login_as, period, semester):
    login_as(Role.PIMPINAN)
    assert _dashboard_page(client, period) == _matrix_page(client, semester)
