"""Every workshop page runs the same number of queries whatever the number of OPDs,
officials, invitations and workshops (the city has ~30 OPDs and ~70 officials)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from tests.workshops.factories_workshops import (
    City,
    link,
    make_city,
    make_now_workshop,
    make_workshop,
)
from tracker.extensions import db
from tracker.models import AttendanceStatus, Invitation, Role, Workshop
from tracker.models.base import utcnow

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

PAGES = [
    "/workshops/",
    "/workshops/?when=upcoming&q=Workshop&sort=title",
    "/workshops/{id}",
    "/workshops/{id}/edit",
    "/workshops/{id}/invite",
    "/workshops/{id}/attendance",
    "/workshops/{id}/checkin",
    "/workshops/{id}/calendar.ics",
    "/workshops/{id}/qr.svg",
    "/workshops/{id}/daftar-hadir.xlsx",
    "/workshops/{id}/daftar-hadir.pdf",
]


def _grow(workshop: Workshop, n: int, start: int) -> City:
    """``n`` more OPDs with a head and a secretary, invited and marked in every way; and
    ``n`` more workshops in the list, each with invitations; and more thematic areas."""
    city = make_city(n, start=start)
    statuses = list(AttendanceStatus)
    for i, person in enumerate(city.everyone):
        invitation = Invitation(workshop=workshop, person=person, status=statuses[i % 5])
        if invitation.status is AttendanceStatus.DIWAKILI:
            invitation.representative = city.secretaries[-1]
        if invitation.status.attended:
            invitation.checked_in_at = utcnow()
        db.session.add(invitation)
    for i in range(n):
        area = factories.make_thematic_area()
        other = make_workshop(
            title=f"Workshop {start + i}", starts_at=utcnow() + dt.timedelta(days=i + 1)
        )
        other.thematic_areas.append(area)
        db.session.add(Invitation(workshop=other, person=city.heads[i]))
    db.session.commit()
    return city


@pytest.mark.parametrize("page", PAGES)
def test_query_count_is_constant(client, login, count_queries, page):
    workshop = make_now_workshop(title="Workshop Penguatan")
    city = _grow(workshop, 2, 0)
    user = link(factories.make_user(Role.INSPEKTORAT), city.wawali)
    login(user)
    url = page.format(id=workshop.id)
    client.get(url)  # warm up
    with count_queries() as small:
        assert client.get(url).status_code == 200
    _grow(workshop, 30, 100)
    with count_queries() as large:
        response = client.get(url)
    assert response.status_code == 200
    assert large.count == small.count, "\n".join(large.statements)


@pytest.mark.parametrize("page", ["/workshops/", "/workshops/{id}", "/workshops/{id}/checkin"])
def test_query_count_is_constant_for_opd_users(client, login, count_queries, page):
    workshop = make_now_workshop()
    city = _grow(workshop, 2, 0)
    user = link(factories.make_user(Role.OPD, opd=city.opds[0]), city.secretaries[1])
    login(user)
    url = page.format(id=workshop.id)
    client.get(url)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    more = _grow(workshop, 30, 100)
    for head in more.heads[:10]:
        head.opd = city.opds[0]  # more colleagues of the same OPD
    db.session.commit()
    with count_queries() as large:
        assert client.get(url).status_code == 200
    assert large.count == small.count, "\n".join(large.statements)
