"""This area's rows of the route table, checked here until the lead adds the module to
AREAS in tests/test_route_permissions.py (the same checks as there)."""

from __future__ import annotations

import pytest

from tests.dashboard import routes
from tests.route_table import PUBLIC
from tracker.models import Role


def _cases() -> list[tuple[str, str]]:
    return [(e, r) for e in [*routes.ROUTES, "dashboard.index"] for r in [*Role, "anonymous"]]


@pytest.mark.parametrize(("endpoint", "role"), _cases(), ids=str)
def test_role_on_dashboard_route(app, client, world, login, endpoint, role):
    routes.populate(world)
    rule = routes.ROUTES.get(endpoint)
    kwargs = rule.kwargs(world) if rule else {}
    roles = rule.roles if rule else frozenset(Role)
    with app.test_request_context():
        url = app.url_for(endpoint, **kwargs)
    if role != "anonymous":
        login(world.users[Role(role)])
    response = client.get(url)
    where = f"GET {url} as {role}"
    assert response.status_code != 500, where
    assert roles != PUBLIC
    if role == "anonymous":
        assert response.status_code == 302, where
        assert "/login" in response.headers["Location"], where
    elif Role(role) in roles:
        assert response.status_code == 200, where
    else:
        assert response.status_code == 403, where


def test_opd_user_gets_404_for_another_opd(app, client, world, login):
    routes.populate(world)
    login(world.users[Role.OPD])
    rule = routes.ROUTES["dashboard.opd"]
    assert rule.foreign_kwargs is not None
    with app.test_request_context():
        url = app.url_for("dashboard.opd", **rule.foreign_kwargs(world))
    assert client.get(url).status_code == 404


def test_every_dashboard_endpoint_has_a_row(app):
    endpoints = {
        r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("dashboard.")
    }
    assert endpoints == {*routes.ROUTES, "dashboard.index"}
