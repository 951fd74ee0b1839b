"""Request guards and response headers: deny by default, actor for the audit log, CSP."""

from __future__ import annotations

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from tracker.audit import Actor
from tracker.extensions import db, login_manager
from tracker.models import User, UserSession
from tracker.models.base import utcnow
from tracker.permissions import access_of
from tracker.services import sessions

CSP = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

# Endpoints served by extensions (static files) need no declaration.
UNDECLARED_OK = ("static", "bootstrap.static")


# The key of this browser's server-side session (tracker.services.sessions).
SESSION_KEY = "sid"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user of this request, if their server-side session is live (one query)."""
    user_id, _, _stamp = session_id.partition(":")
    key = session.get(SESSION_KEY)
    if not user_id.isdigit() or not isinstance(key, str) or not key:
        return None
    found = db.session.execute(
        select(User, UserSession)
        .join(UserSession, UserSession.user_id == User.id)
        .where(User.id == int(user_id), UserSession.key_hash == sessions.key_hash(key))
    ).first()
    if found is None:
        return None
    user, record = found
    now = utcnow()
    if not user.active or user.get_id() != session_id or not sessions.is_live(record, now):
        return None
    sessions.touch(record, now)
    return user


def _enforce_access() -> ResponseReturnValue | None:
    endpoint = request.endpoint
    if endpoint is None or endpoint in UNDECLARED_OK:
        return None
    access = access_of(current_app.view_functions.get(endpoint))
    if access is None:
        current_app.logger.error("endpoint %s declares no access rule; refused", endpoint)
        abort(403)
    if current_user.is_authenticated:
        g.audit_actor = Actor(current_user.id, current_user.email, request.remote_addr)
    elif access != "public":
        return login_manager.unauthorized()
    return None


#: What a user may open while the password an administrator chose for them is not yet
#: replaced by their own: the page where they replace it, the language switch, logging out.
OWN_PASSWORD_PAGES = ("auth.account", "auth.language", "auth.logout")


def _require_own_password() -> ResponseReturnValue | None:
    """A login whose password an administrator chose (a new account, a reset) goes to the
    change-password page, whatever it asks for, until the user has chosen their own."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in UNDECLARED_OK or endpoint in OWN_PASSWORD_PAGES:
        return None
    if not (current_user.is_authenticated and current_user.must_change_password):
        return None
    wanted = request.full_path if request.method == "GET" else None
    target = _safe_path(wanted) if wanted else None
    return redirect(url_for("auth.account", next=target))


def _safe_path(path: str) -> str | None:
    path = path.rstrip("?")
    return path if path.startswith("/") and not path.startswith("//") else None


def _resolve_locale() -> None:
    """Settle who is asking and in which language before any work is done: a message
    built later (after a failed write, whose transaction can no longer be used) must not
    need the database to find the user's language."""
    if request.endpoint not in UNDECLARED_OK:
        get_locale()


def _headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("HTTPS"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if current_user and current_user.is_authenticated and request.endpoint not in UNDECLARED_OK:
        headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    login_manager.login_message = _l("Please log in to open this page.")
    login_manager.login_message_category = "warning"
    login_manager.needs_refresh_message = _l("Please log in again.")
    app.before_request(_enforce_access)
    app.before_request(_require_own_password)
    app.before_request(_resolve_locale)
    app.after_request(_headers)


def client_ip() -> str:
    """The client's address; behind a proxy configure ProxyFix (see README)."""
    return request.remote_addr or "unknown"
