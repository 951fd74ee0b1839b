"""A create form sent twice (double click, two tabs, a retry) creates one record.

Every create form (``tracker.forms.CreateForm``) carries a one-time token. When a POST
carries one, before the view runs, a ``FormSubmission`` row with that token is added
inside the request's transaction. The token is unique in the database:

- the first request commits the row together with the record it creates; after the view
  has answered with a redirect, the row keeps where it sent the user;
- a second request with the same token cannot insert it (on PostgreSQL it waits for the
  first to commit), and is sent where the first one went, with a message;
- a request that saved nothing (a form with errors) rolls the row back with everything
  else, so correcting the form and sending it again works.

The browser side (``static/js/app.js``) also disables a form's buttons once it is sent.
"""

from __future__ import annotations

import re

from flask import Flask, current_app, flash, g, redirect, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from werkzeug.wrappers import Response

from tracker.extensions import db
from tracker.models.submission import FormSubmission

FIELD = "submission_token"
TOKEN = re.compile(r"[0-9a-f]{32}")


def _posted_token() -> str | None:
    """The token of the form sent (its field may carry the form's prefix)."""
    for key, value in request.form.items():
        if (key == FIELD or key.endswith(f"-{FIELD}")) and TOKEN.fullmatch(value):
            return value
    return None


def _claim() -> ResponseReturnValue | None:
    if request.method != "POST" or not current_user.is_authenticated:
        return None
    token = _posted_token()
    if token is None:
        return None
    endpoint = str(request.endpoint or "")[:100]
    user_id = current_user.id
    try:
        # Nothing has been written yet in this request: a failure here rolls back nothing
        # but this row (no savepoint: SQLite's driver would commit on its release).
        db.session.add(FormSubmission(token=token, user_id=user_id, endpoint=endpoint))
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        first = db.session.scalar(select(FormSubmission).where(FormSubmission.token == token))
        if first is None or first.user_id != user_id:
            return None  # not this user's form: let the view judge the request
        flash(_("This form had already been sent; it was saved once, shown here."), "info")
        return redirect(first.location or request.path, code=303)
    g.form_submission_token = token
    return None


def _remember_where_it_went(response: Response) -> Response:
    token = g.pop("form_submission_token", None)
    if token is None or response.status_code not in (301, 302, 303) or not response.location:
        return response
    # In a transaction of its own: it finds the row only if the view committed it (what
    # the view did not commit stays the view's business, and is rolled back at its end).
    try:
        with db.engine.begin() as connection:
            connection.execute(
                update(FormSubmission)
                .where(FormSubmission.token == token)
                .values(location=response.location[:500])
            )
    except SQLAlchemyError as exc:  # the record is saved; only the shortcut is lost
        current_app.logger.warning("form submission %s: location not kept: %s", token, exc)
    return response


def init_app(app: Flask) -> None:
    """After the access guards (the user must be known), before any view."""
    app.before_request(_claim)
    app.after_request(_remember_where_it_went)
