"""Every route, every role: a table over ``app.url_map``.

A new route without a row here fails ``test_every_route_has_a_rule``; each row says
which roles may use it, and the other tests check that every role gets exactly that:
allowed roles are served, other roles get 403, anonymous visitors are sent to /login
(unless the route is public), and ``opd`` users get 404 for records outside their OPD.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests import factories
from tests.admin import code_routes
from tests.commitments import routes as commitment_routes
from tests.dashboard import routes as dashboard_routes
from tests.findings import decision_routes
from tests.findings import routes as finding_routes
from tests.imports import routes as import_routes
from tests.inbox import routes as inbox_routes
from tests.letters import routes as letter_routes
from tests.notifications import routes as notification_routes
from tests.route_table import ADMIN, ALL, PUBLIC, READERS, STAFF, RouteRule, World
from tests.webhooks import routes as webhook_routes
from tests.workshops import routes as workshop_routes
from tracker.extensions import db
from tracker.models import AuditLog, HierarchyRole, Role

AREAS = [
    workshop_routes,
    commitment_routes,
    finding_routes,
    dashboard_routes,
    inbox_routes,
    notification_routes,
    webhook_routes,
    code_routes,
    decision_routes,
    letter_routes,
    import_routes,
]

ROUTES: dict[str, RouteRule] = {
    "auth.login": RouteRule(PUBLIC),
    "auth.language": RouteRule(PUBLIC),
    "auth.logout": RouteRule(ALL),
    "auth.account": RouteRule(ALL),
    "dashboard.index": RouteRule(ALL),
    "admin.index": RouteRule(ADMIN),
    "admin.opds": RouteRule(ADMIN),
    "admin.opds_xlsx": RouteRule(ADMIN),
    "admin.opd_new": RouteRule(ADMIN),
    "admin.opd_edit": RouteRule(ADMIN, lambda w: {"opd_id": w.own_opd.id}),
    "admin.opd_toggle": RouteRule(ADMIN, lambda w: {"opd_id": w.other_opd.id}),
    "admin.people": RouteRule(READERS),
    "admin.people_xlsx": RouteRule(READERS),
    "admin.person_new": RouteRule(STAFF),
    "admin.person_edit": RouteRule(STAFF, lambda w: {"person_id": w.own_person.id}),
    "admin.person_toggle": RouteRule(STAFF, lambda w: {"person_id": w.other_person.id}),
    "admin.users": RouteRule(ADMIN),
    "admin.user_new": RouteRule(ADMIN),
    "admin.user_edit": RouteRule(ADMIN, lambda w: {"user_id": w.other_user.id}),
    "admin.user_toggle": RouteRule(ADMIN, lambda w: {"user_id": w.other_user.id}),
    "admin.user_reset_password": RouteRule(ADMIN, lambda w: {"user_id": w.other_user.id}),
    "admin.thematic_areas": RouteRule(ADMIN),
    "admin.thematic_area_new": RouteRule(ADMIN),
    "admin.thematic_area_edit": RouteRule(ADMIN, lambda w: {"area_id": w.area.id}),
    "admin.thematic_area_toggle": RouteRule(ADMIN, lambda w: {"area_id": w.area.id}),
    "admin.audit_log": RouteRule(ADMIN),
    "admin.audit_entry": RouteRule(ADMIN, lambda w: {"entry_id": w.audit_entry.id}),
    "reminders.index": RouteRule(ALL),
    "reminders.preview": RouteRule(STAFF),
    "reminders.detail": RouteRule(
        ALL,
        role_kwargs=lambda w, role: {"digest_id": w.extra["digests"][role].id},
        foreign_kwargs=lambda w: {"digest_id": w.extra["digest_other"].id},
    ),
    "reminders.html": RouteRule(
        ALL,
        role_kwargs=lambda w, role: {"digest_id": w.extra["digests"][role].id},
        foreign_kwargs=lambda w: {"digest_id": w.extra["digest_other"].id},
    ),
    "reminders.resend": RouteRule(STAFF, lambda w: {"digest_id": w.extra["digest_other"].id}),
}

for _area in AREAS:
    assert not set(_area.ROUTES) & set(ROUTES), "an endpoint has two rows"
    ROUTES.update(_area.ROUTES)

# Served by extensions or Flask itself, not by the app's views.
NOT_VIEWS = {"static", "bootstrap.static"}
# Public routes that check the caller themselves (a signature, a verify token): 403
# without it, 404 while the service is not configured (as in the table's app).
SELF_CHECKED = {"webhooks.whatsapp_callback": (403, 404)}


def build_world(_app: Any) -> World:
    """The records every row points at: built once per backend per worker, then each test
    starts from its own copy of that database (a POST may change or delete them)."""
    own = factories.make_opd("DINKES", "Dinas Kesehatan")
    other = factories.make_opd("DISKOMINFO", "Dinas Komunikasi dan Informatika")
    users = {
        role: factories.make_user(role, opd=own if role is Role.OPD else None) for role in Role
    }
    entry = db.session.scalars(db.select(AuditLog).order_by(AuditLog.id)).first()
    world = World(
        own_opd=own,
        other_opd=other,
        own_person=factories.make_person(own, hierarchy_role=HierarchyRole.SEKRETARIS_OPD),
        other_person=factories.make_person(other, hierarchy_role=HierarchyRole.KEPALA_OPD),
        users=users,
        other_user=factories.make_user(Role.PIMPINAN),
        area=factories.make_thematic_area(),
        audit_entry=entry,
    )
    world.extra["digest_other"] = factories.make_digest("kepala.lain@example.org")
    world.extra["digests"] = {
        role: factories.make_digest(user.email, recipient_user_id=user.id)
        for role, user in users.items()
    }
    world.extra["digests"]["anonymous"] = world.extra["digest_other"]
    for area in AREAS:
        area.populate(world)
    return world


@pytest.fixture
def world(snapshot: World) -> World:
    return snapshot


def _endpoints(app: Any) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NOT_VIEWS:
            continue
        found.setdefault(rule.endpoint, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    return found


def test_every_route_has_a_rule(app):
    missing = sorted(set(_endpoints(app)) - set(ROUTES))
    assert not missing, f"routes without a row in ROUTES: {missing}"
    stale = sorted(set(ROUTES) - set(_endpoints(app)))
    assert not stale, f"rows for routes that no longer exist: {stale}"


def test_every_view_declares_its_access(app):
    from tracker.permissions import access_of

    undeclared = [
        endpoint for endpoint in _endpoints(app) if access_of(app.view_functions[endpoint]) is None
    ]
    assert not undeclared


EVERY_ROLE = "every-role"
REFUSED = "refused-roles"
ROLES: list[Role | str] = [*Role, "anonymous"]


def _allowed(rule: RouteRule, role: Role | str) -> bool:
    if rule.roles == PUBLIC:
        return True
    return role != "anonymous" and Role(role) in rule.roles


def _methods() -> dict[str, set[str]]:
    """Each endpoint's methods, read off an application made for the purpose."""
    from tracker import create_app

    return _endpoints(
        create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    )


def _cases() -> list[tuple[str, str]]:
    """A route that only reads is tried by every role in one test (one copy of the world
    serves them all); a route that writes gets a test per role allowed to use it, each on
    its own copy (a POST allowed to one role may change what the next one finds), and one
    test for the roles it refuses: a refused request changes nothing, which the status
    each of them gets (403, or the login page) shows."""
    methods = _methods()
    cases: list[tuple[str, str]] = []
    for endpoint, rule in ROUTES.items():
        if methods.get(endpoint, set()) <= {"GET"}:
            cases.append((endpoint, EVERY_ROLE))
            continue
        cases += [(endpoint, str(role)) for role in ROLES if _allowed(rule, role)]
        if not all(_allowed(rule, role) for role in ROLES):
            cases.append((endpoint, REFUSED))
    return cases


@pytest.mark.database(snapshot=build_world)
@pytest.mark.parametrize(("endpoint", "role"), _cases(), ids=lambda v: str(v))
def test_role_on_route(app, world, endpoint, role):
    if role == EVERY_ROLE:
        tried = ROLES
    elif role == REFUSED:
        tried = [one for one in ROLES if not _allowed(ROUTES[endpoint], one)]
    else:
        tried = [role]
    for one in tried:
        _check_role(app, world, endpoint, str(one))


def _check_role(app: Any, world: World, endpoint: str, role: str) -> None:
    """``role`` (or an anonymous visitor) gets exactly what the route's row allows."""
    rule = ROUTES[endpoint]
    methods = _endpoints(app).get(endpoint, set())
    client = app.test_client()
    kwargs = (
        rule.role_kwargs(world, role if role == "anonymous" else Role(role))
        if rule.role_kwargs
        else rule.kwargs(world)
    )
    with app.test_request_context():
        url = app.url_for(endpoint, **kwargs)
    if role != "anonymous":
        user = world.users[Role(role)]
        response = client.post(
            "/login", data={"email": user.email, "password": factories.DEFAULT_PASSWORD}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    for method in sorted(methods):
        data = rule.data(world) if rule.data and method == "POST" else {}
        response = client.open(url, method=method, data=data)
        status = response.status_code
        where = f"{method} {url} as {role}"
        assert status != 500, where
        if rule.roles == PUBLIC:
            assert status in (200, 302, 400, *SELF_CHECKED.get(endpoint, ())), where
        elif role == "anonymous":
            assert status == 302, where
            assert "/login" in response.headers["Location"], where
        elif Role(role) in rule.roles:
            assert status not in (401, 403, 404), where
            if status == 302 and endpoint != "auth.logout":
                assert "/login" not in response.headers["Location"], where
        else:
            assert status == 403, where


@pytest.mark.database(snapshot=build_world)
@pytest.mark.parametrize(
    "endpoint", [e for e, r in ROUTES.items() if r.foreign_kwargs is not None] or ["none"]
)
def test_opd_user_gets_404_outside_own_opd(app, client, world, login, endpoint):
    if endpoint == "none":
        pytest.skip("no OPD-scoped record routes yet")
    rule = ROUTES[endpoint]
    assert rule.foreign_kwargs is not None
    login(world.users[Role.OPD])
    with app.test_request_context():
        url = app.url_for(endpoint, **rule.foreign_kwargs(world))
    assert client.get(url).status_code == 404
