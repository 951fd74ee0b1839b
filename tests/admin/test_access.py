"""Who may open which administration page: every route × every role."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.factories import make_opd, make_person, make_thematic_area, make_user
from tracker.extensions import db
from tracker.models import AuditLog
from tracker.models.reference import CodeKind
from tracker.permissions import access_of
from tracker.services import codes

# The messages asserted below are the English msgids.
pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

ALL = ("admin", "inspektorat", "opd", "pimpinan")
ADMIN = ("admin",)
STAFF = ("admin", "inspektorat")
VIEWERS = ("admin", "inspektorat", "pimpinan")

# (method, url, roles allowed, status for an allowed role with an empty POST)
ROUTES: list[tuple[str, str, tuple[str, ...], int]] = [
    ("GET", "/admin/", ADMIN, 200),
    ("GET", "/admin/opds", ADMIN, 200),
    ("GET", "/admin/opds.xlsx", ADMIN, 200),
    ("GET", "/admin/opds/new", ADMIN, 200),
    ("POST", "/admin/opds/new", ADMIN, 400),
    ("GET", "/admin/opds/{opd}/edit", ADMIN, 200),
    ("POST", "/admin/opds/{opd}/edit", ADMIN, 400),
    ("POST", "/admin/opds/{opd}/toggle", ADMIN, 302),
    ("GET", "/admin/people", VIEWERS, 200),
    ("GET", "/admin/people.xlsx", VIEWERS, 200),
    ("GET", "/admin/people/new", STAFF, 200),
    ("POST", "/admin/people/new", STAFF, 400),
    ("GET", "/admin/people/{person}/edit", STAFF, 200),
    ("POST", "/admin/people/{person}/edit", STAFF, 400),
    ("POST", "/admin/people/{person}/toggle", STAFF, 302),
    ("GET", "/admin/users", ADMIN, 200),
    ("GET", "/admin/users/new", ADMIN, 200),
    ("POST", "/admin/users/new", ADMIN, 400),
    ("GET", "/admin/users/{user}/edit", ADMIN, 200),
    ("POST", "/admin/users/{user}/edit", ADMIN, 400),
    ("POST", "/admin/users/{user}/toggle", ADMIN, 302),
    ("POST", "/admin/users/{user}/reset-password", ADMIN, 200),
    ("GET", "/admin/thematic-areas", ADMIN, 200),
    ("GET", "/admin/thematic-areas/new", ADMIN, 200),
    ("POST", "/admin/thematic-areas/new", ADMIN, 400),
    ("GET", "/admin/thematic-areas/{area}/edit", ADMIN, 200),
    ("POST", "/admin/thematic-areas/{area}/edit", ADMIN, 400),
    ("POST", "/admin/thematic-areas/{area}/toggle", ADMIN, 302),
    ("GET", "/admin/audit", ADMIN, 200),
    ("GET", "/admin/audit/{entry}", ADMIN, 200),
    ("GET", "/admin/codes", ADMIN, 200),
    ("GET", "/admin/codes/new", ADMIN, 200),
    ("POST", "/admin/codes/new", ADMIN, 400),
    ("GET", "/admin/codes/{code}/edit", ADMIN, 200),
    ("POST", "/admin/codes/{code}/edit", ADMIN, 400),
    ("POST", "/admin/codes/{code}/toggle", ADMIN, 302),
    ("POST", "/admin/codes/{code}/delete", ADMIN, 302),
    ("GET", "/admin/letter-patterns", ADMIN, 200),
    ("GET", "/admin/letter-patterns/{letter_kind}/edit", ADMIN, 200),
    ("POST", "/admin/letter-patterns/{letter_kind}/edit", ADMIN, 400),
]


@pytest.fixture
def targets(app: Any) -> dict[str, int]:
    opd = make_opd()
    person = make_person(opd)
    user = make_user("inspektorat")
    area = make_thematic_area()
    code = codes.create_code(CodeKind.FINDING, code="9", name="Kode uji")
    db.session.commit()
    entry = db.session.scalar(select(AuditLog.id).order_by(AuditLog.id))
    return {
        "opd": opd.id,
        "person": person.id,
        "user": user.id,
        "area": area.id,
        "entry": entry,
        "code": code.id,
        "letter_kind": "skbt",
    }


@pytest.mark.parametrize("role", [*ALL, None])
def test_route_access(client, login_as, targets, role):
    """Anonymous → the login page; without the permission → 403; with it → the page."""
    if role is not None:
        login_as(role)
    wrong = []
    for method, url, allowed, ok_status in ROUTES:
        response = client.open(url.format(**targets), method=method, data={})
        if role is None:
            expected = 302
            if "/login" not in response.headers.get("Location", ""):
                wrong.append((method, url, "not sent to /login"))
        elif role in allowed:
            expected = ok_status
        else:
            expected = 403
        if response.status_code != expected:
            wrong.append((method, url, response.status_code, expected))
    assert not wrong


def test_every_admin_route_is_covered_and_declared(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("admin.")]
    covered = {(m, u.split("{")[0]) for m, u, _, _ in ROUTES}
    for rule in rules:
        assert access_of(app.view_functions[rule.endpoint]) not in (None, "public"), rule
        methods = rule.methods - {"HEAD", "OPTIONS"}
        prefix = rule.rule.split("<")[0]
        for method in methods:
            assert (method, prefix) in covered, (method, rule.rule)


def test_unknown_records_answer_404(client, login_as):
    login_as("admin")
    for url in (
        "/admin/opds/999/edit",
        "/admin/people/999/edit",
        "/admin/users/999/edit",
        "/admin/thematic-areas/999/edit",
        "/admin/audit/999",
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        "/admin/opds/999/toggle",
        "/admin/people/999/toggle",
        "/admin/users/999/toggle",
        "/admin/users/999/reset-password",
        "/admin/thematic-areas/999/toggle",
    ):
        assert client.post(url).status_code == 404, url


def test_toggles_refuse_get(client, login_as, targets):
    login_as("admin")
    assert client.get(f"/admin/opds/{targets['opd']}/toggle").status_code == 405
    assert client.get(f"/admin/users/{targets['user']}/reset-password").status_code == 405


def test_navigation_and_buttons_follow_permissions(client, login_as):
    make_person(make_opd())
    login_as("pimpinan")
    html = client.get("/admin/people").get_data(as_text=True)
    assert 'data-testid="person-row"' in html
    assert 'data-testid="person-new"' not in html
    assert 'data-testid="edit"' not in html
    assert 'data-testid="toggle"' not in html
    assert 'href="/admin/"' not in html  # no link to the admin landing page
    client.post("/logout")
    login_as("inspektorat")
    html = client.get("/admin/people").get_data(as_text=True)
    assert 'data-testid="person-new"' in html
    assert 'data-testid="edit"' in html
