"""Error pages in the user's language; nothing a user types leads to a 500."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request, session
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import BadRequest, HTTPException

from tracker.extensions import db
from tracker.links import ConfigurationError
from tracker.services.errors import NotAllowed


class InvalidInput(BadRequest):
    """A request refused with a message of its own (400): say what was wrong."""

    def __init__(self, message: str) -> None:
        super().__init__(description=message)
        self.message = message


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Please try again.")),
        403: (_("Access denied"), _("You do not have permission to do this.")),
        404: (
            _("Page not found"),
            _("The page you are looking for does not exist or is not available to you."),
        ),
        405: (_("Method not allowed"), _("This page cannot be used this way.")),
        413: (
            _("Too large"),
            _("What you sent is too large. Make it smaller or send fewer files."),
        ),
        429: (_("Too many requests"), _("Please wait a moment and try again.")),
        500: (
            _("Something went wrong"),
            _("An error occurred on the server. It has been logged; please try again later."),
        ),
    }


def _render(code: int, detail: str | None = None) -> ResponseReturnValue:
    title, message = _messages().get(code, (_("Error"), _("An error occurred.")))
    if request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/"):
        return {"error": title, "message": detail or message, "status": code}, code
    return render_template(
        "errors/error.html", code=code, title=title, message=detail or message
    ), code


RETRY_AFTER_SECONDS = 30


def _rollback_quietly() -> None:
    """End a failed transaction without letting a dead connection raise again."""
    try:
        db.session.rollback()
    except DBAPIError:
        db.session.close()


def _database_unavailable(exc: Exception) -> ResponseReturnValue:
    """The database is unreachable, restarting, or (SQLite) locked past the busy timeout:
    nothing was written (the transaction is rolled back); say so and ask to retry. The
    page reads nothing from the database, not even the user's language."""
    current_app.logger.warning("database unavailable: %s", exc)
    _rollback_quietly()
    languages = current_app.config["LANGUAGES"]
    lang = session.get("lang") if session.get("lang") in languages else None
    lang = lang or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(lang):
        title = _("Service temporarily unavailable")
        message = _(
            "The database cannot be reached at the moment, so nothing was saved. "
            "Please wait a moment and try again."
        )
        if request.path.startswith("/api/"):
            body: ResponseReturnValue = {"error": title, "message": message, "status": 503}
        else:
            body = render_template(
                "errors/unavailable.html",
                lang=lang,
                title=title,
                message=message,
                again=_("Try again"),
            )
    return body, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}


def _misconfigured(exc: ConfigurationError) -> ResponseReturnValue:
    current_app.logger.error("configuration: %s", exc)
    _rollback_quietly()
    return _render(
        500,
        _(
            "The server is not fully configured (%(setting)s), so nothing was saved or sent. "
            "Please tell the administrator.",
            setting="BASE_URL",
        ),
    )


def _not_allowed(exc: NotAllowed) -> ResponseReturnValue:
    """A service refused the action for this user: nothing is kept, 403 with its reason."""
    _rollback_quietly()
    return _render(403, exc.message or None)


def init_app(app: Flask) -> None:
    app.register_error_handler(NotAllowed, _not_allowed)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(ConfigurationError, _misconfigured)

    @app.errorhandler(CSRFError)
    def _csrf(_exc: CSRFError) -> ResponseReturnValue:
        return _render(
            400,
            _(
                "The form has expired or was not sent from this site. "
                "Reload the page and try again."
            ),
        )

    @app.errorhandler(InvalidInput)
    def _invalid(exc: InvalidInput) -> ResponseReturnValue:
        return _render(400, exc.message)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> ResponseReturnValue:
        if exc.code is None or exc.code < 400:
            return exc
        return _render(exc.code)

    @app.errorhandler(500)
    def _server_error(_exc: Exception) -> ResponseReturnValue:
        _rollback_quietly()
        return _render(500)
