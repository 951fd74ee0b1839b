"""The pass page's queries do not grow with the city or the workshop."""

from __future__ import annotations

import datetime as dt

from tests.factories import make_person
from tests.workshops.factories_workshops import invite, make_city, make_workshop
from tracker.extensions import db
from tracker.models.base import utcnow
from tracker.services import passes


def test_the_pass_page_queries_stay_constant(client, count_queries) -> None:
    def measure(n: int) -> int:
        city = make_city(n, start=n * 10)
        workshop = make_workshop(starts_at=utcnow() + dt.timedelta(days=2))
        for person in city.everyone:
            invite(workshop, person)
        for _ in range(n):
            make_person(city.opds[0])
        invitation = invite(make_workshop(starts_at=utcnow() + dt.timedelta(days=2)), city.wawali)
        token = passes.issue(invitation)
        db.session.commit()
        with count_queries() as counted:
            response = client.get(f"/hadir/{token}")
        assert response.status_code == 200
        assert city.heads[-1].name in response.get_data(as_text=True)
        return counted.count

    assert measure(2) == measure(12)
