"""Logins: create (with a generated password shown once), edit, deactivate, reset."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.admin.factories_admin import form_data, text_of
from tests.factories import DEFAULT_PASSWORD, make_opd, make_person, make_user
from tracker.extensions import db
from tracker.models import AuditLog, Role, User
from tracker.models.base import utcnow
from tracker.services import organisation
from tracker.services.errors import DomainError

# The messages asserted below are the English msgids.
pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")


def _valid(**overrides: str) -> dict[str, str]:
    data = {
        "email": "sekretaris.dinkes@malangkota.go.id",
        "name": "Sekretaris Dinkes",
        "role": "opd",
        "opd_id": "",
        "person_id": "",
        "password": "",
    }
    data.update(overrides)
    return data


def _log_in(app, email: str, password: str) -> int:
    other = app.test_client()
    return other.post("/login", data={"email": email, "password": password}).status_code


def test_create_with_a_chosen_password(app, client, login_as):
    opd = make_opd()
    person = make_person(opd)
    login_as("admin")
    response = client.post(
        "/admin/users/new",
        data=_valid(opd_id=str(opd.id), person_id=str(person.id), password="Rahasia2023xyz"),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.email == "sekretaris.dinkes@malangkota.go.id"))
    assert (user.role, user.opd_id, user.person_id, user.active) == (
        Role.OPD,
        opd.id,
        person.id,
        True,
    )
    entry = db.session.scalar(
        select(AuditLog).where(AuditLog.entity_type == "User", AuditLog.entity_id == user.id)
    )
    assert entry.changes["password_hash"] == [None, "••••••"]
    assert _log_in(app, user.email, "Rahasia2023xyz") == 302


def test_create_with_a_generated_password_shows_it_once(app, client, login_as):
    login_as("admin")
    response = client.post("/admin/users/new", data=_valid(role="pimpinan", email="Sekda@X.org"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    password = text_of(html, "new-password")
    assert len(password) >= 10
    assert response.headers["Cache-Control"] == "no-store"
    # Not in the session cookie (a flash would put it there), and never shown again.
    assert password not in response.headers.get("Set-Cookie", "")
    assert password not in client.get("/admin/users").get_data(as_text=True)
    assert _log_in(app, "sekda@x.org", password) == 302


def test_create_validation(client, login_as):
    make_user("inspektorat", email="ada@example.org")
    opd = make_opd()
    taken = make_person()
    make_user("pimpinan", person=taken)
    login_as("admin")
    cases = [
        (
            {"email": "ADA@example.org", "role": "inspektorat"},
            "A user with the e-mail ada@example.org already exists.",
        ),
        ({"role": "opd"}, "An OPD user must belong to an OPD."),
        ({"role": "inspektorat", "opd_id": str(opd.id)}, "Only OPD users belong to an OPD."),
        (
            {"role": "inspektorat", "password": "pendek1"},
            "The password must be at least 10 characters long.",
        ),
        (
            {"role": "inspektorat", "password": "hanyahurufsaja"},
            "The password must mix letters and digits.",
        ),
        ({"role": "inspektorat", "email": "bukan email"}, "Enter a valid e-mail address."),
        ({"role": "inspektorat", "email": "a@" + "b" * 250 + ".org"}, "254"),
        ({"role": "inspektorat", "name": "x" * 201}, "200"),
        ({"role": "raja"}, "Not a valid choice"),
        ({"role": "inspektorat", "person_id": str(taken.id)}, "Not a valid choice"),
    ]
    for overrides, message in cases:
        response = client.post("/admin/users/new", data=_valid(**overrides))
        assert response.status_code == 400, overrides
        assert message in response.get_data(as_text=True), (overrides, message)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(User)) == 3


def test_service_refuses_an_official_who_has_a_login(app):
    person = make_person()
    make_user("pimpinan", person=person)
    with pytest.raises(DomainError) as exc:
        organisation.create_account(
            email="baru@example.org",
            name="Baru",
            role=Role.PIMPINAN,
            opd_id=None,
            person_id=person.id,
            password=None,
            now=utcnow(),
        )
    assert exc.value.field == "person_id"
    db.session.rollback()


def test_edit_user(client, login_as):
    opd = make_opd()
    user = make_user("opd", opd=opd, name="Lama")
    person = make_person()
    login_as("admin")
    page = client.get(f"/admin/users/{user.id}/edit").get_data(as_text=True)
    assert user.email in page
    data = form_data(page)
    assert "password" not in data
    assert "email" not in data
    data.update(name="Baru", role="inspektorat", opd_id="", person_id=str(person.id))
    assert client.post(f"/admin/users/{user.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (user.name, user.role, user.opd_id, user.person_id) == (
        "Baru",
        Role.INSPEKTORAT,
        None,
        person.id,
    )
    entry = db.session.scalars(
        select(AuditLog).where(AuditLog.entity_type == "User").order_by(AuditLog.id.desc())
    ).first()
    assert entry.changes["role"] == ["opd", "inspektorat"]
    assert entry.changes["opd_id"] == [opd.id, None]


def test_edit_user_rules(client, login_as):
    admin = login_as("admin")
    data = form_data(client.get(f"/admin/users/{admin.id}/edit").get_data(as_text=True))
    response = client.post(f"/admin/users/{admin.id}/edit", data={**data, "role": "pimpinan"})
    assert response.status_code == 400
    assert "You cannot change your own role." in response.get_data(as_text=True)

    other = make_user("inspektorat")
    data = form_data(client.get(f"/admin/users/{other.id}/edit").get_data(as_text=True))
    response = client.post(f"/admin/users/{other.id}/edit", data={**data, "role": "opd"})
    assert response.status_code == 400
    assert "An OPD user must belong to an OPD." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, other.id).role is Role.INSPEKTORAT


def test_edit_user_conflict(client, login_as):
    user = make_user("inspektorat", name="Asli")
    login_as("admin")
    data = form_data(client.get(f"/admin/users/{user.id}/edit").get_data(as_text=True))
    user.role = Role.PIMPINAN
    db.session.commit()
    response = client.post(f"/admin/users/{user.id}/edit", data={**data, "name": "Ganti"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Inspektorat staff → Leadership" in html
    db.session.expire_all()
    assert db.session.get(User, user.id).name == "Asli"


def test_deactivated_user_cannot_log_in_and_loses_the_session(app, client, login_as):
    target = make_user("inspektorat")
    theirs = app.test_client()
    assert (
        theirs.post(
            "/login", data={"email": target.email, "password": DEFAULT_PASSWORD}
        ).status_code
        == 302
    )
    assert theirs.get("/").status_code == 200

    login_as("admin")
    response = client.post(f"/admin/users/{target.id}/toggle", follow_redirects=True)
    assert "has been deactivated" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, target.id).active is False

    assert theirs.get("/").status_code == 302
    response = app.test_client().post(
        "/login", data={"email": target.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200
    assert "deactivated" in response.get_data(as_text=True)

    client.post(f"/admin/users/{target.id}/toggle")
    assert _log_in(app, target.email, DEFAULT_PASSWORD) == 302


def test_admin_cannot_deactivate_themself(client, login_as):
    admin = login_as("admin")
    response = client.post(f"/admin/users/{admin.id}/toggle", follow_redirects=True)
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).active is True


def test_reset_password(app, client, login_as):
    target = make_user("opd")
    login_as("admin")
    response = client.post(f"/admin/users/{target.id}/reset-password")
    assert response.status_code == 200
    password = text_of(response.get_data(as_text=True), "new-password")
    assert _log_in(app, target.email, DEFAULT_PASSWORD) == 200  # the old one is refused
    assert _log_in(app, target.email, password) == 302
    entry = db.session.scalars(
        select(AuditLog)
        .where(AuditLog.entity_type == "User", AuditLog.entity_id == target.id)
        .order_by(AuditLog.id.desc())
    ).first()
    assert entry.changes["password_hash"] == ["••••••", "••••••"]


def test_reset_own_password_is_refused(client, login_as):
    admin = login_as("admin")
    response = client.post(f"/admin/users/{admin.id}/reset-password", follow_redirects=True)
    assert "My account" in response.get_data(as_text=True)
    assert client.get("/admin/users").status_code == 200  # still logged in


def test_list_filters(client, login_as):
    dinkes = make_opd(code="DINKES")
    make_user("opd", opd=dinkes, name="Opd Kes", email="kes@example.org")
    make_user("opd", name="Opd Lain", email="lain@example.org")
    make_user("pimpinan", name="Sekda", email="sekda@example.org", active=False)
    login_as("admin", name="Admin", email="admin@example.org")

    def emails(query: str) -> list[str]:
        html = client.get(f"/admin/users{query}").get_data(as_text=True)
        return re.findall(r"<td>([a-z]+@example\.org)</td>", html)

    assert emails("") == [
        "admin@example.org",
        "kes@example.org",
        "lain@example.org",
        "sekda@example.org",
    ]
    assert emails("?role=opd") == ["kes@example.org", "lain@example.org"]
    assert emails(f"?opd={dinkes.id}") == ["kes@example.org"]
    assert emails("?status=inactive") == ["sekda@example.org"]
    assert emails("?q=SEKDA") == ["sekda@example.org"]
    assert emails("?sort=email&dir=desc")[0] == "sekda@example.org"
    assert emails("?sort=opd")[0] in ("admin@example.org", "sekda@example.org", "kes@example.org")
