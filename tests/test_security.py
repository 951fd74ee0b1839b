"""CSRF, security headers, deny-by-default, error pages."""

from __future__ import annotations

import re

import pytest

from tests import factories
from tracker.models import Role


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_login_without_csrf_token_is_refused(app, client):
    user = factories.make_user(Role.ADMIN)
    response = client.post(
        "/login", data={"email": user.email, "password": factories.DEFAULT_PASSWORD}
    )
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # not logged in


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_login_with_csrf_token_works_and_logout_needs_it(app, client):
    user = factories.make_user(Role.ADMIN)
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert token
    response = client.post(
        "/login",
        data={
            "email": user.email,
            "password": factories.DEFAULT_PASSWORD,
            "csrf_token": token.group(1),
        },
    )
    assert response.status_code == 302
    assert client.post("/logout").status_code == 400  # no token: refused
    assert client.get("/").status_code == 200  # still logged in


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_scripts(app, client, login):
    login(factories.make_user(Role.ADMIN))
    page = client.get("/").get_data(as_text=True)
    for tag in re.findall(r"<script[^>]*>", page):
        assert "src=" in tag, tag
    assert " style=" not in page
    assert "cdn" not in page.lower()


def test_bootstrap_is_served_locally(client):
    page = client.get("/login").get_data(as_text=True)
    css = re.search(r'href="(/bootstrap/static/[^"]+\.css)"', page)
    js = re.search(r'src="(/bootstrap/static/[^"]+\.js)"', page)
    assert css
    assert js
    for asset in (css.group(1), js.group(1)):
        with client.get(asset) as response:
            assert response.status_code == 200


def test_undeclared_view_is_refused(app):
    @app.route("/_undeclared")
    def undeclared() -> str:
        return "should never be served"

    response = app.test_client().get("/_undeclared")
    assert response.status_code == 403


def test_unknown_page_is_404_in_indonesian(client):
    response = client.get("/tidak-ada")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert '<html lang="id">' in page
    assert "404" in page


def test_server_error_page(app):
    from tracker.permissions import public

    @app.route("/_boom")
    @public
    def boom() -> str:
        raise RuntimeError("boom")

    app.config["TESTING"] = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/_boom")
    assert response.status_code == 500
    assert "500" in response.get_data(as_text=True)


def test_method_not_allowed_is_not_500(client):
    assert client.delete("/login").status_code == 405
