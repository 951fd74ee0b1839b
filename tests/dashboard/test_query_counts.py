"""Every dashboard page runs the same number of SQL queries whatever the amount of data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests import factories
from tests.dashboard.factories_dashboard import (
    invite,
    known_city,
    make_commitment,
    make_finding,
    make_recommendation,
    make_report,
    make_workshop,
    utc,
)
from tracker.extensions import db
from tracker.i18n import today_wib
from tracker.models import HierarchyRole, Role
from tracker.models.commitment import CommitmentStatus
from tracker.models.finding import EvaluationResult, Grade, Instrument, Outcome, Repayment
from tracker.models.workshop import AttendanceStatus, WorkshopStatus

# The real work of every page: without the body cache (tests/dashboard/test_cache.py).
pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en", DASHBOARD_CACHE_SECONDS=0)
S = CommitmentStatus


def _grow(city, n_opds: int) -> None:
    """Many more OPDs, each with commitments of every status, recommendations of every
    outcome, officials at a held workshop, due-soon and overdue items; more areas, grades."""
    today = today_wib()
    inspector = factories.make_user(Role.INSPEKTORAT)
    workshop = make_workshop(utc(2023, 8, 10, 1), WorkshopStatus.HELD)
    report = make_report()
    for year in (2019, 2020, 2021):
        db.session.add(
            EvaluationResult(
                instrument=Instrument.SAKIP, year=year, region="Kab. Banyuwangi", grade=Grade.A
            )
        )
    for k in range(3):
        factories.make_thematic_area(2023, code=f"EXTRA{k}", name=f"Area tambahan {k}")
    statuses = list(CommitmentStatus)
    outcomes = [*Outcome, None]
    for i in range(n_opds):
        opd = factories.make_opd(f"X{i:03d}", f"Kecamatan Contoh {i}")
        head = factories.make_person(opd, hierarchy_role=HierarchyRole.KEPALA_OPD)
        invite(workshop, head, AttendanceStatus.HADIR if i % 2 else AttendanceStatus.IZIN)
        for j, status in enumerate(statuses):
            make_commitment(
                opd,
                status,
                dt.date(2023, 1 + (i + j) % 12, 10),
                area=city.areas["stunting" if j % 2 else "digital"],
                progress=j * 20,
                verified_at=utc(2023, 1 + j, 5) if status is S.VERIFIED else None,
            )
        make_commitment(opd, S.ACTIVE, today + dt.timedelta(days=2))
        make_commitment(opd, S.ACTIVE, today - dt.timedelta(days=2))
        finding = make_finding(report, opd, amount=Decimal("1000000") if i % 3 == 0 else None)
        if finding.is_financial:
            db.session.add(
                Repayment(
                    finding=finding,
                    paid_on=dt.date(2023, 6, 1),
                    amount=Decimal("250000"),
                    recorded_by=inspector,
                )
            )
        for k, outcome in enumerate(outcomes):
            make_recommendation(finding, opd, dt.date(2023, 1 + k, 15), outcome)
    # More items of the OPD whose page is measured.
    for k in range(20):
        make_commitment(city.dinkes, S.ACTIVE, today - dt.timedelta(days=k + 1))
        make_commitment(city.dinkes, S.ACTIVE, today + dt.timedelta(days=k % 7))
        make_recommendation(
            make_finding(report, city.dinkes), city.dinkes, today - dt.timedelta(days=k + 1)
        )
    db.session.commit()


PAGES = [
    "/",
    "/?period=all",
    "/?period=2023-S2&sort=overdue&dir=desc",
    "/opd/DINKES?period=2023",
    "/opd/DINKES?period=all",
    "/dashboard.xlsx?period=2023",
    "/dashboard.pdf?period=all",
]


def test_query_counts_do_not_grow_with_data(app, client, login_as, count_queries):
    city = known_city()
    area_page = f"/?period=2023&area={city.areas['digital'].id}"
    login_as(Role.ADMIN)
    opd_client = app.test_client()
    user = factories.make_user(Role.OPD, opd=city.dinkes)
    response = opd_client.post(
        "/login", data={"email": user.email, "password": factories.DEFAULT_PASSWORD}
    )
    assert response.status_code == 302

    def measure() -> dict[str, int]:
        counts = {}
        for path in [*PAGES, area_page]:
            with count_queries() as counter:
                assert client.get(path).status_code == 200, path
            counts[path] = counter.count
        for path in ("/", "/?period=2023", "/opd/DINKES"):
            with count_queries() as counter:
                assert opd_client.get(path).status_code == 200, path
            counts["opd " + path] = counter.count
        return counts

    small = measure()
    _grow(city, 30)
    large = measure()
    assert small == large
    # A small constant: the city dashboard needs about a dozen queries.
    assert max(small.values()) <= 25, small
