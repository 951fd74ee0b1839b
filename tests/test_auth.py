"""Login, logout, passwords, throttling, sessions."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from tracker.extensions import db
from tracker.models import LoginAttempt, Role, User
from tracker.models.base import utcnow
from tracker.services import accounts
from tracker.services.errors import DomainError, LoginThrottled


def _login(client, email, password, **kw):
    return client.post("/login", data={"email": email, "password": password}, **kw)


def test_login_page_has_email_and_password_fields(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'name="email"' in page
    assert 'name="password"' in page
    assert 'autocomplete="current-password"' in page


def test_anonymous_is_sent_to_login_with_next(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_login_then_home_then_logout(app, client):
    user = factories.make_user(Role.INSPEKTORAT, name="Siti Aminah")
    response = _login(client, user.email.upper(), factories.DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Siti Aminah" in client.get("/").get_data(as_text=True)
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).last_login_at is not None


def test_login_redirects_only_to_local_next(client):
    user = factories.make_user(Role.ADMIN)
    response = _login(
        client,
        user.email,
        factories.DEFAULT_PASSWORD,
        query_string={"next": "https://evil.example.com/"},
    )
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = _login(
        client, user.email, factories.DEFAULT_PASSWORD, query_string={"next": "/account"}
    )
    assert response.headers["Location"] == "/account"


def test_wrong_password_shows_a_message_and_is_recorded(app, client):
    user = factories.make_user(Role.ADMIN)
    response = _login(client, user.email, "salah-sekali-123")
    assert response.status_code == 200
    assert "Wrong e-mail or password" in response.get_data(
        as_text=True
    ) or "salah" in response.get_data(as_text=True)
    attempts = db.session.scalars(db.select(LoginAttempt)).all()
    assert [(a.email, a.success) for a in attempts] == [(user.email, False)]


def test_unknown_email_gets_the_same_message(client):
    factories.make_user(Role.ADMIN, email="ada@example.org")
    known = _login(client, "ada@example.org", "salah-sekali-123").get_data(as_text=True)
    unknown = _login(client, "tidak@example.org", "salah-sekali-123").get_data(as_text=True)
    assert known.count("alert-danger") == unknown.count("alert-danger") == 1


def test_empty_login_form_is_refused_with_messages(client):
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 400
    assert "invalid-feedback" in response.get_data(as_text=True)


def test_oversized_login_input_gets_the_form_back(client):
    response = client.post("/login", data={"email": "a" * 5000 + "@x.org", "password": "p" * 5000})
    assert response.status_code == 400
    assert 'name="email"' in response.get_data(as_text=True)


def test_request_body_over_the_limit_is_refused_clearly(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/login", data={"email": "a@b.org", "password": "x" * 5000})
    assert response.status_code == 413


@pytest.mark.app_config(LOGIN_MAX_FAILURES_PER_ACCOUNT=3, LOGIN_LOCK_MINUTES=15)
def test_repeated_failures_hold_off_that_address_not_the_owner(app, client):
    user = factories.make_user(Role.ADMIN)
    for _ in range(2):
        assert _login(client, user.email, "salah-sekali-123").status_code == 200
    third = _login(client, user.email, "salah-sekali-123")
    assert third.status_code == 429
    # even the right password is refused from this address, with the same clear message
    held = _login(client, user.email, factories.DEFAULT_PASSWORD)
    assert held.status_code == 429
    assert "15" in held.get_data(as_text=True)
    # an unknown e-mail gets exactly the same answers (nothing tells which accounts exist)
    ghost = "tidak.ada@example.org"
    answers = [_login(client, ghost, "salah-sekali-123").status_code for _ in range(4)]
    assert answers == [200, 200, 429, 429]
    # the owner, from their own address, still gets in: the attacker cannot lock them out
    owner = _login(
        app.test_client(),
        user.email,
        factories.DEFAULT_PASSWORD,
        environ_base={"REMOTE_ADDR": "10.9.8.7"},
    )
    assert owner.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).locked_until is None


@pytest.mark.app_config(
    LOGIN_MAX_FAILURES_PER_ACCOUNT=3, LOGIN_MAX_FAILURES_PER_ACCOUNT_TOTAL=6, LOGIN_LOCK_MINUTES=15
)
def test_a_distributed_guess_locks_the_account(app, client):
    user = factories.make_user(Role.ADMIN)
    statuses = [
        _login(
            client,
            user.email,
            "salah-sekali-123",
            environ_base={"REMOTE_ADDR": f"10.0.0.{n}"},
        ).status_code
        for n in range(6)
    ]
    assert statuses[-1] == 429
    db.session.expire_all()
    assert db.session.get(User, user.id).locked_until is not None
    fresh = _login(
        client, user.email, factories.DEFAULT_PASSWORD, environ_base={"REMOTE_ADDR": "10.7.7.7"}
    )
    assert fresh.status_code == 429


@pytest.mark.app_config(LOGIN_MAX_FAILURES_PER_ACCOUNT=3, LOGIN_LOCK_MINUTES=15)
def test_lock_expires(app):
    user = factories.make_user(Role.ADMIN)
    now = utcnow()
    with app.test_request_context():
        for _ in range(2):
            with pytest.raises(DomainError):
                accounts.authenticate(user.email, "wrong-password-1", ip="10.0.0.1", now=now)
        with pytest.raises(LoginThrottled):
            accounts.authenticate(user.email, "wrong-password-1", ip="10.0.0.1", now=now)
        with pytest.raises(LoginThrottled):
            accounts.authenticate(user.email, factories.DEFAULT_PASSWORD, ip="10.0.0.1", now=now)
        later = now + dt.timedelta(minutes=16)
        assert (
            accounts.authenticate(
                user.email, factories.DEFAULT_PASSWORD, ip="10.0.0.1", now=later
            ).id
            == user.id
        )


@pytest.mark.app_config(LOGIN_MAX_FAILURES_PER_IP=4, LOGIN_MAX_FAILURES_PER_ACCOUNT=100)
def test_address_is_slowed_after_many_failures_across_accounts(app, client):
    users = [factories.make_user(Role.ADMIN) for _ in range(5)]
    for user in users[:4]:
        assert _login(client, user.email, "salah-sekali-123").status_code == 200
    refused = _login(client, users[4].email, factories.DEFAULT_PASSWORD)
    assert refused.status_code == 429
    # another address is not affected
    other = _login(
        client, users[4].email, factories.DEFAULT_PASSWORD, environ_base={"REMOTE_ADDR": "10.1.2.3"}
    )
    assert other.status_code == 302


@pytest.mark.app_config(LOGIN_MAX_FAILURES_PER_IP=4, LOGIN_MAX_FAILURES_PER_ACCOUNT=100)
def test_a_refused_address_still_admits_its_known_good_logins(app, client):
    colleague = factories.make_user(Role.OPD)
    assert _login(app.test_client(), colleague.email, factories.DEFAULT_PASSWORD).status_code == 302
    for n in range(4):  # someone behind the same office NAT guesses other accounts
        _login(client, f"tebakan{n}@example.org", "salah-sekali-123")
    newcomer = factories.make_user(Role.OPD)
    assert _login(app.test_client(), newcomer.email, factories.DEFAULT_PASSWORD).status_code == 429
    assert _login(app.test_client(), colleague.email, factories.DEFAULT_PASSWORD).status_code == 302


def test_deactivated_user_cannot_log_in_and_loses_session(app, client):
    user = factories.make_user(Role.INSPEKTORAT)
    assert _login(client, user.email, factories.DEFAULT_PASSWORD).status_code == 302
    user.active = False
    db.session.commit()
    assert client.get("/").status_code == 302
    response = _login(client, user.email, factories.DEFAULT_PASSWORD)
    assert response.status_code == 200
    assert "alert-danger" in response.get_data(as_text=True)


def test_passwords_are_hashed_with_scrypt(app):
    with app.test_request_context():
        user = accounts.create_user(
            email="Baru@Example.org",
            name="Baru",
            role=Role.PIMPINAN,
            password="kata-sandi-123",
            now=utcnow(),
        )
    assert user.email == "baru@example.org"
    assert user.password_hash.startswith("scrypt:")
    assert "kata-sandi-123" not in user.password_hash


def test_change_own_password(app, client, login):
    user = login(factories.make_user(Role.OPD))
    bad = client.post(
        "/account",
        data={
            "current_password": "keliru-12345",
            "new_password": "baru-sekali-123",
            "confirm": "baru-sekali-123",
        },
    )
    assert bad.status_code == 400
    mismatch = client.post(
        "/account",
        data={
            "current_password": factories.DEFAULT_PASSWORD,
            "new_password": "baru-sekali-123",
            "confirm": "lain-sekali-123",
        },
    )
    assert mismatch.status_code == 400
    ok = client.post(
        "/account",
        data={
            "current_password": factories.DEFAULT_PASSWORD,
            "new_password": "baru-sekali-123",
            "confirm": "baru-sekali-123",
        },
    )
    assert ok.status_code == 302
    assert client.get("/").status_code == 200  # this session stays logged in
    client.post("/logout")
    assert _login(client, user.email, factories.DEFAULT_PASSWORD).status_code == 200
    assert _login(client, user.email, "baru-sekali-123").status_code == 302


def test_password_change_ends_other_sessions(app, login):
    user = factories.make_user(Role.ADMIN)
    first, second = app.test_client(), app.test_client()
    for c in (first, second):
        assert _login(c, user.email, factories.DEFAULT_PASSWORD).status_code == 302
    first.post(
        "/account",
        data={
            "current_password": factories.DEFAULT_PASSWORD,
            "new_password": "baru-sekali-123",
            "confirm": "baru-sekali-123",
        },
    )
    assert first.get("/").status_code == 200
    assert second.get("/").status_code == 302


def test_weak_passwords_are_refused(app):
    with app.test_request_context():
        for weak in ("pendek1", "hanyahurufsaja", "12345678901"):
            with pytest.raises(DomainError):
                accounts.check_password_strength(weak)


def test_session_cookie_flags(app, client):
    user = factories.make_user(Role.ADMIN)
    response = _login(client, user.email, factories.DEFAULT_PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


@pytest.mark.app_config(HTTPS=True)
def test_session_cookie_secure_with_https(app, client):
    user = factories.make_user(Role.ADMIN)
    response = _login(client, user.email, factories.DEFAULT_PASSWORD, base_url="https://localhost")
    assert "Secure" in response.headers["Set-Cookie"]
    assert (
        "max-age"
        in client.get("/login", base_url="https://localhost").headers["Strict-Transport-Security"]
    )
