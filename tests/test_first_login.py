"""A password an administrator chose is replaced by the user's own at the first login;
every password rule that fails is reported at once, with the form's other errors."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from tests import factories
from tests.admin.factories_admin import text_of
from tracker.extensions import db
from tracker.models import AuditLog, Role, User
from tracker.models.base import utcnow
from tracker.services import accounts, organisation
from tracker.services.errors import DomainError

# The messages asserted below are the English msgids.
pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

NEW_PASSWORD = "pilihan-sendiri-2024"


def _login(client, email: str, password: str):
    return client.post("/login", data={"email": email, "password": password})


def _change(client, current: str, new: str = NEW_PASSWORD, confirm: str | None = None, **kw):
    data = {"current_password": current, "new_password": new, "confirm": confirm or new}
    return client.post("/account", data=data, **kw)


def _created_by_admin(app, client, login_as, **form: str) -> tuple[str, str]:
    """An admin creates a login (and logs out); returns its e-mail and password."""
    login_as("admin")
    data = {"email": "baru@example.org", "name": "Pengguna Baru", "role": "inspektorat"}
    data.update(form)
    response = client.post("/admin/users/new", data=data)
    password = form.get("password") or text_of(response.get_data(as_text=True), "new-password")
    client.post("/logout")
    return data["email"], password


@pytest.mark.parametrize("chosen", ["", "Dipilih-Admin-2024"], ids=["generated", "chosen"])
def test_a_login_created_by_an_admin_must_choose_its_own_password(app, client, login_as, chosen):
    email, password = _created_by_admin(app, client, login_as, password=chosen)
    user = db.session.scalar(select(User).where(User.email == email))
    assert user.must_change_password is True

    assert _login(client, email, password).status_code == 302
    for path in ("/", "/commitments/", "/admin/people", "/reminders/", "/workshops/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/account"), path
    assert client.get("/").headers["Location"] == "/account?next=/"
    page = client.get("/account")
    assert page.status_code == 200
    assert 'data-testid="must-change-password"' in page.get_data(as_text=True)
    # A POST elsewhere is refused the same way (nothing is done).
    assert client.post("/admin/people/new", data={"name": "X"}).headers["Location"] == "/account"
    # Static files, the language switch and logging out stay open.
    assert client.get("/static/css/app.css").status_code == 200
    assert client.post("/language", data={"lang": "id", "next": "/account"}).status_code == 302

    response = _change(client, password, query_string={"next": "/workshops/"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/workshops/"
    db.session.expire_all()
    assert db.session.get(User, user.id).must_change_password is False
    assert client.get("/").status_code == 200
    assert 'must-change-password"' not in client.get("/account").get_data(as_text=True)

    client.post("/logout")
    assert _login(client, email, password).status_code == 200  # the admin's one is gone
    assert _login(client, email, NEW_PASSWORD).status_code == 302
    assert client.get("/").status_code == 200


def test_logout_works_before_the_password_is_changed(app, client, login_as):
    email, password = _created_by_admin(app, client, login_as)
    _login(client, email, password)
    assert client.post("/logout").status_code == 302
    assert client.get("/").headers["Location"].startswith("/login")


def test_a_reset_password_must_be_replaced_too(app, client, login_as):
    target = factories.make_user(Role.OPD)
    assert target.must_change_password is False
    login_as("admin")
    response = client.post(f"/admin/users/{target.id}/reset-password")
    password = text_of(response.get_data(as_text=True), "new-password")
    client.post("/logout")
    db.session.expire_all()
    assert db.session.get(User, target.id).must_change_password is True
    _login(client, target.email, password)
    assert client.get("/commitments/").headers["Location"].startswith("/account")
    assert _change(client, password).status_code == 302
    assert client.get("/commitments/").status_code == 200


def test_the_flag_is_in_the_audit_log(app, client, login_as):
    email, password = _created_by_admin(app, client, login_as)
    _login(client, email, password)
    _change(client, password)
    user = db.session.scalar(select(User).where(User.email == email))
    changes = [
        e.changes
        for e in db.session.scalars(
            select(AuditLog)
            .where(AuditLog.entity_type == "User", AuditLog.entity_id == user.id)
            .order_by(AuditLog.id)
        )
    ]
    assert changes[0]["must_change_password"] == [None, True]
    assert changes[-1]["must_change_password"] == [True, False]


def test_own_accounts_and_the_command_line_are_not_forced(app, client, login):
    """A user who chose their password (the first administrator, created with the
    command) is not sent to change it."""
    with app.test_request_context():
        user = accounts.create_user(
            email="pertama@example.org",
            name="Admin Pertama",
            role=Role.ADMIN,
            password="Sandi-Pertama-2024",
            now=utcnow(),
        )
        db.session.commit()
    assert user.must_change_password is False
    login(user, "Sandi-Pertama-2024")
    assert client.get("/admin/").status_code == 200


# --- password rules, all at once ----------------------------------------------------------


def _field_errors(page: str) -> dict[str, list[str]]:
    """The messages under each field of a rendered form (Bootstrap's invalid-feedback)."""
    fields = list(re.finditer(r'<(?:input|select|textarea)[^>]*\bid="([a-z_]+)"', page))
    errors: dict[str, list[str]] = {}
    for field, following in zip(fields, [*fields[1:], None], strict=True):
        block = page[field.end() : following.start() if following else len(page)]
        found = re.findall(r'<div class="invalid-feedback[^"]*"[^>]*>(.*?)</div>', block, re.S)
        if found:
            errors[field.group(1)] = [html.unescape(e.strip()) for e in found]
    return errors


def test_every_failing_rule_comes_in_one_round_with_the_other_errors(client, login):
    user = login(factories.make_user(Role.OPD))
    response = client.post(
        "/account",
        data={"current_password": "", "new_password": "pendek", "confirm": "lain"},
    )
    assert response.status_code == 400
    errors = _field_errors(response.get_data(as_text=True))
    assert errors["current_password"] == ["This field is required."]
    assert errors["new_password"] == [
        "The password must be at least 10 characters long.",
        "The password must mix letters and digits.",
    ]
    assert errors["confirm"] == ["The two passwords differ."]
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == user.password_hash


def test_the_same_password_again_is_refused_with_the_rules(client, login):
    login(factories.make_user(Role.OPD))
    response = _change(client, factories.DEFAULT_PASSWORD, new=factories.DEFAULT_PASSWORD)
    assert response.status_code == 400
    errors = _field_errors(response.get_data(as_text=True))
    assert errors["new_password"] == ["Choose a password different from the current one."]


def test_the_admin_form_reports_every_rule_with_the_other_errors(client, login_as):
    login_as("admin")
    response = client.post(
        "/admin/users/new",
        data={"email": "bukan email", "name": "", "role": "opd", "password": "abc"},
    )
    assert response.status_code == 400
    errors = _field_errors(response.get_data(as_text=True))
    assert errors["email"] == ["Enter a valid e-mail address."]
    assert errors["name"] == ["This field is required."]
    assert errors["opd_id"] == ["An OPD user must belong to an OPD."]
    assert errors["password"] == [
        "The password must be at least 10 characters long.",
        "The password must mix letters and digits.",
    ]


def test_the_service_reports_every_rule(app):
    with app.test_request_context():
        assert accounts.password_problems("Kata-Sandi-2024") == []
        assert len(accounts.password_problems("abc")) == 2
        assert accounts.password_problems("hanya-huruf-saja") == [
            "The password must mix letters and digits."
        ]
        with pytest.raises(DomainError) as refused:
            accounts.check_password_strength("1234")
        assert [e.message for e in refused.value.errors] == accounts.password_problems("1234")
        assert accounts.password_problems(factories.DEFAULT_PASSWORD) == []


def test_reset_by_the_service_sets_the_flag(app):
    admin = factories.make_user(Role.ADMIN)
    target = factories.make_user(Role.PIMPINAN)
    with app.test_request_context():
        organisation.reset_password(target, actor=admin, now=utcnow())
        db.session.commit()
    assert target.must_change_password is True
