"""Login, logout, own password and language."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from tracker.blueprints.auth.forms import ChangePasswordForm, LanguageForm, LoginForm
from tracker.extensions import db
from tracker.forms import attach_error
from tracker.models import User
from tracker.models.base import utcnow
from tracker.permissions import login_only, public
from tracker.security import SESSION_KEY, client_ip
from tracker.services import accounts, sessions
from tracker.services.errors import DomainError, LoginThrottled

bp = Blueprint("auth", __name__)


def welcome(name: str) -> str:
    """The greeting after login; a name ending with a degree ("…, S.E.") gets no second
    full stop."""
    if name.endswith("."):
        return _("Welcome, %(name)s", name=name)
    return _("Welcome, %(name)s.", name=name)


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(
                form.email.data or "", form.password.data or "", ip=client_ip(), now=utcnow()
            )
        except LoginThrottled as exc:
            db.session.commit()
            form.form_errors.append(exc.message)
            status = 429
        except DomainError as exc:
            db.session.commit()
            form.form_errors.append(exc.message)
            status = 200
        else:
            key = sessions.start(
                user, now=utcnow(), ip=client_ip(), user_agent=request.user_agent.string
            )
            db.session.commit()
            session.clear()
            session[SESSION_KEY] = key
            login_user(user)
            if user.locale:
                session["lang"] = user.locale
            flash(welcome(user.name), "success")
            return redirect(_safe_next(request.args.get("next")) or url_for("dashboard.index"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_only
def logout() -> ResponseReturnValue:
    lang = session.get("lang")
    sessions.end(session.get(SESSION_KEY), now=utcnow(), reason="logout")
    db.session.commit()
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_only
def account() -> ResponseReturnValue:
    form = ChangePasswordForm()
    status = 200
    # An administrator chose the password: the user chooses their own before anything else.
    forced = bool(current_user.must_change_password)
    if form.validate_on_submit():
        user: User = current_user._get_current_object()  # type: ignore[attr-defined]
        try:
            accounts.change_own_password(
                user,
                form.current_password.data or "",
                form.new_password.data or "",
                now=utcnow(),
                ip=client_ip(),
            )
            # Every other browser logged in as this user is logged out.
            sessions.end_all(user, now=utcnow(), reason="password", keep=session.get(SESSION_KEY))
        except DomainError as exc:
            db.session.commit()  # only the failed attempt, which counts towards throttling
            attach_error(form, exc)
            status = 400
        else:
            db.session.commit()
            login_user(user)  # the session id carries the password stamp
            flash(_("Your password has been changed."), "success")
            if forced:
                return redirect(_safe_next(request.args.get("next")) or url_for("dashboard.index"))
            return redirect(url_for("auth.account"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/account.html", form=form, forced=forced), status


@bp.route("/language", methods=["POST"])
@public
def language() -> ResponseReturnValue:
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            current_user.locale = form.lang.data
            db.session.commit()
    return redirect(_safe_next(request.form.get("next")) or url_for("dashboard.index"))
