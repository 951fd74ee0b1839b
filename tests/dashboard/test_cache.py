"""The rendered bodies are cached per data version: a repeated request costs a few queries,
and any change made through the application shows at once."""

from __future__ import annotations

import pytest

from tests import factories
from tests.dashboard.factories_dashboard import known_city
from tracker.extensions import db
from tracker.models import Role
from tracker.models.commitment import CommitmentStatus

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")


@pytest.fixture
def city(app):
    return known_city()


def test_a_repeated_request_is_served_from_the_cache(city, client, login_as, count_queries):
    login_as(Role.ADMIN)
    with count_queries() as first:
        page = client.get("/?period=2023").get_data(as_text=True)
    with count_queries() as again:
        again_page = client.get("/?period=2023").get_data(as_text=True)
    body = page[page.index('data-testid="dashboard-filters"') :]
    assert again_page[again_page.index('data-testid="dashboard-filters"') :] == body
    assert again.count <= 4 < first.count  # the user, the data version, the bell (and the area)
    assert 'data-testid="stat-verified">3<' in page

    # A change made through the application (audited) is shown on the next request.
    commitment = city.commitments["a3"]
    commitment.status = CommitmentStatus.VERIFIED
    db.session.commit()
    page = client.get("/?period=2023").get_data(as_text=True)
    assert 'data-testid="stat-verified">4<' in page


def test_the_cache_keeps_viewers_filters_and_languages_apart(city, client, login, app):
    reader = login(factories.make_user(Role.PIMPINAN))
    assert reader
    city_en = client.get("/?period=2023").get_data(as_text=True)
    assert 'data-status="draft"' in client.get("/opd/DINKES?period=2023").get_data(as_text=True)
    assert "Semester I 2023" in client.get("/?period=2023-S1").get_data(as_text=True)
    client.post("/language", data={"lang": "id"})
    assert "42,86%" in client.get("/?period=2023").get_data(as_text=True)
    assert "42.86%" in city_en

    secretary = app.test_client()
    user = factories.make_user(Role.OPD, opd=city.dinkes)
    secretary.post("/login", data={"email": user.email, "password": factories.DEFAULT_PASSWORD})
    html = secretary.get("/opd/DINKES?period=2023").get_data(as_text=True)
    assert 'data-status="draft"' not in html  # not the reader's body


@pytest.mark.app_config(DASHBOARD_CACHE_SECONDS=0)
def test_the_cache_can_be_turned_off(city, client, login_as, count_queries):
    login_as(Role.ADMIN)
    client.get("/?period=2023")
    with count_queries() as again:
        client.get("/?period=2023")
    assert again.count > 5
