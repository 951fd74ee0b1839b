"""Error pages in the user's language; nothing a user types leads to a 500."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from tracker.extensions import db


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


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_exc: CSRFError) -> ResponseReturnValue:
        return _render(
            400,
            _(
                "The form has expired or was not sent from this site. "
                "Reload the page and try again."
            ),
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> ResponseReturnValue:
        if exc.code is None or exc.code < 400:
            return exc
        return _render(exc.code)

    @app.errorhandler(500)
    def _server_error(_exc: Exception) -> ResponseReturnValue:
        db.session.rollback()
        return _render(500)
