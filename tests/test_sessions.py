"""Sessions end on the server: logout, password change, deactivation, idle and absolute
limits; a copied cookie stops working with them. The current-password check is throttled."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from tests import factories
from tracker.extensions import db
from tracker.models import Role, UserSession
from tracker.models.base import utcnow

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")


def _is_logged_in(client) -> bool:
    response = client.get("/account")
    return response.status_code == 200


def _copy(app, client):
    """A second browser holding a copy of ``client``'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_a_copied_cookie_stops_working_at_logout(app, client, login):
    login(factories.make_user(Role.INSPEKTORAT))
    thief = _copy(app, client)
    assert _is_logged_in(thief)
    assert client.post("/logout").status_code == 302
    assert not _is_logged_in(thief)
    assert not _is_logged_in(client)


def test_a_password_change_ends_the_other_sessions_only(app, client, login):
    user = factories.make_user(Role.OPD)
    login(user)
    other = app.test_client()
    assert (
        other.post(
            "/login", data={"email": user.email, "password": factories.DEFAULT_PASSWORD}
        ).status_code
        == 302
    )
    response = client.post(
        "/account",
        data={
            "current_password": factories.DEFAULT_PASSWORD,
            "new_password": "Sandi-baru-2023",
            "confirm": "Sandi-baru-2023",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert _is_logged_in(client)
    assert not _is_logged_in(other)


def test_deactivation_ends_the_users_sessions(app, client, login):
    user = factories.make_user(Role.OPD)
    login(user)
    admin = app.test_client()
    admin_user = factories.make_user(Role.ADMIN)
    assert (
        admin.post(
            "/login", data={"email": admin_user.email, "password": factories.DEFAULT_PASSWORD}
        ).status_code
        == 302
    )
    assert admin.post(f"/admin/users/{user.id}/toggle").status_code == 302
    assert not _is_logged_in(client)
    db.session.expire_all()
    assert all(
        s.ended_reason == "deactivated"
        for s in db.session.scalars(db.select(UserSession).where(UserSession.user_id == user.id))
    )


@pytest.mark.parametrize(
    ("column", "age"),
    [
        ("last_seen_at", dt.timedelta(hours=2, minutes=1)),
        ("created_at", dt.timedelta(hours=12, minutes=1)),
    ],
    ids=["idle", "absolute"],
)
def test_sessions_expire_idle_and_absolute(client, login, column, age):
    user = factories.make_user(Role.PIMPINAN)
    login(user)
    assert _is_logged_in(client)
    db.session.execute(
        update(UserSession).where(UserSession.user_id == user.id).values({column: utcnow() - age})
    )
    db.session.commit()
    assert not _is_logged_in(client)
    assert "/login" in client.get("/").headers["Location"]


def test_activity_keeps_a_session_alive(client, login):
    user = factories.make_user(Role.PIMPINAN)
    login(user)
    an_hour_ago = utcnow() - dt.timedelta(hours=1, minutes=50)
    db.session.execute(
        update(UserSession).where(UserSession.user_id == user.id).values(last_seen_at=an_hour_ago)
    )
    db.session.commit()
    assert _is_logged_in(client)  # within the idle limit, and noted
    db.session.expire_all()
    (record,) = db.session.scalars(db.select(UserSession).where(UserSession.user_id == user.id))
    assert utcnow() - record.last_seen_at < dt.timedelta(minutes=1)


@pytest.mark.app_config(LOGIN_MAX_FAILURES_PER_ACCOUNT=3)
def test_the_current_password_check_is_throttled_like_login(client, login):
    user = factories.make_user(Role.OPD)
    login(user)
    data = {
        "current_password": "salah-sandi-1",
        "new_password": "Sandi-baru-2023",
        "confirm": "Sandi-baru-2023",
    }
    texts = [client.post("/account", data=data).get_data(as_text=True) for _ in range(4)]
    assert "The current password is wrong." in texts[0]
    assert "Too many failed login attempts" in texts[-1]
    # Even the right password is refused while the limit holds.
    right = client.post("/account", data={**data, "current_password": factories.DEFAULT_PASSWORD})
    assert "Too many failed login attempts" in right.get_data(as_text=True)
