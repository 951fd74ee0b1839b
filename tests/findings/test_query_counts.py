"""Every findings page runs the same number of queries whatever the data size."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest

from tests import factories
from tests.findings.factories import (
    make_finding,
    make_follow_up,
    make_link_evidence,
    make_recommendation,
    make_repayment,
    make_report,
    make_result,
    make_review,
)
from tracker.extensions import db
from tracker.models import Role
from tracker.models.finding import Grade, Instrument, Outcome, ReportKind
from tracker.models.workshop import Workshop

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")


@pytest.fixture
def base(app):
    opd = factories.make_opd("DINKES", "Dinas Kesehatan")
    report = make_report(kind=ReportKind.LHP_BPK, year=2022)
    finding = make_finding(
        report, [opd], number="1", is_financial=True, amount_to_recover=Decimal("900000000")
    )
    workshop = Workshop(
        title="Workshop",
        starts_at=dt.datetime(2023, 7, 26, 1, 0, tzinfo=dt.UTC),
        ends_at=dt.datetime(2023, 7, 26, 8, 0, tzinfo=dt.UTC),
        venue="Malang",
    )
    db.session.add(workshop)
    db.session.commit()
    return {"opd": opd, "report": report, "finding": finding, "workshop": workshop, "n": 0}


def _grow(base: dict, n: int) -> None:
    opd, finding = base["opd"], base["finding"]
    inspector = factories.make_user(Role.INSPEKTORAT)
    author = factories.make_user(Role.OPD, opd=opd)
    for _ in range(n):
        base["n"] += 1
        i = base["n"]
        other = factories.make_opd()
        report = make_report(year=2022 if i % 2 else 2021)
        extra = make_finding(report, [opd, other], number=str(i))
        for rec in (
            make_recommendation(extra, opd, number="1"),
            make_recommendation(extra, other, number="2"),
            make_recommendation(finding, opd, number=f"{i}"),
        ):
            make_review(rec, list(Outcome)[i % 3], "2023-S1", reviewer=inspector)
            make_link_evidence(make_follow_up(rec, author=author))
        make_repayment(finding, "1000", recorded_by=inspector)
        make_result(Instrument.SAKIP, 2000 + i, f"Kota {i}", Grade.A)


PAGES: list[Callable[[dict], str]] = [
    lambda b: "/findings/",
    lambda b: "/findings/?outcome=sesuai&overdue=1&q=Rekomendasi",
    lambda b: f"/findings/?opd={b['opd'].id}&year=2022&sort=title",
    lambda b: f"/findings/{b['finding'].id}",
    lambda b: "/findings/reports",
    lambda b: f"/findings/reports/{b['report'].id}",
    lambda b: "/findings/matrix?semester=2023-S2",
    lambda b: "/findings/matrix.xlsx?semester=2023-S2",
    lambda b: "/findings/grades",
    lambda b: "/findings/grades.svg?instrument=sakip",
    lambda b: f"/findings/workshop/{b['workshop'].id}",
]


@pytest.mark.parametrize("page", range(len(PAGES)))
@pytest.mark.parametrize("role", ["inspektorat", "opd"])
def test_query_count_is_constant(client, login, count_queries, base, page, role):
    if role == "opd" and page in (4, 5):
        pytest.skip("reports pages are for readers")
    user = factories.make_user(Role(role), opd=base["opd"] if role == "opd" else None)
    login(user)
    if role == "opd":
        # the workshop is visible to an OPD user whose official was invited
        from tracker.models.workshop import Invitation

        person = factories.make_person(base["opd"])
        user.person = person
        db.session.add(Invitation(workshop=base["workshop"], person=person))
        db.session.commit()
    url = PAGES[page](base)
    _grow(base, 2)
    client.get(url)  # warm up
    with count_queries() as small:
        assert client.get(url).status_code == 200
    _grow(base, 8)
    with count_queries() as large:
        response = client.get(url)
    assert response.status_code == 200
    assert large.count == small.count, "\n".join(large.statements)
