"""Reminder digests: the outbox for the Inspektorat, received reminders for everyone."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from tracker import jobs
from tracker.extensions import db
from tracker.i18n import today_wib
from tracker.listing import Listing
from tracker.models.base import utcnow
from tracker.models.reminder import DigestState, ReminderDigest, ReminderRun
from tracker.permissions import P, can, login_only, requires, scope_digests
from tracker.services import reminders

bp = Blueprint("reminders", __name__)
RECENT_RUNS = 5


def _scoped() -> Select[tuple[ReminderDigest]]:
    """Staff see every digest; everyone else what ``scope_digests`` allows."""
    return scope_digests(select(ReminderDigest))


def _date_arg(name: str) -> dt.date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        flash(_("Ignored an invalid date: %(value)s", value=raw[:20]), "warning")
        return None


@bp.route("/")
@login_only
def index() -> ResponseReturnValue:
    stmt = _scoped().options(selectinload(ReminderDigest.items))
    state = request.args.get("state", "")
    if state in {s.value for s in DigestState}:
        stmt = stmt.where(ReminderDigest.state == DigestState(state))
    else:
        state = ""
    start, end = _date_arg("from"), _date_arg("to")
    if start:
        stmt = stmt.where(ReminderDigest.for_date >= start)
    if end:
        stmt = stmt.where(ReminderDigest.for_date <= end)
    listing = Listing(
        stmt,
        sorts={
            "date": ReminderDigest.for_date,
            "recipient": ReminderDigest.recipient_name,
            "state": ReminderDigest.state,
            "attempts": ReminderDigest.attempts,
        },
        default_sort="date",
        default_direction="desc",
        search=[ReminderDigest.recipient_name, ReminderDigest.recipient_email],
        tiebreak=ReminderDigest.id,
    )
    counts = dict(
        db.session.execute(
            _scoped()
            .with_only_columns(ReminderDigest.state, func.count())
            .group_by(ReminderDigest.state)
        ).all()
    )
    staff = can(P.MANAGE_REMINDERS)
    runs = (
        db.session.scalars(select(ReminderRun).order_by(ReminderRun.id.desc()).limit(RECENT_RUNS))
        if staff
        else []
    )
    return render_template(
        "reminders/index.html",
        runs=list(runs),
        trigger_labels={
            "schedule": _("Scheduled"),
            "catch-up": _("Catch-up"),
            "command": _("Command line"),
        },
        listing=listing,
        state=state,
        states=list(DigestState),
        counts=counts,
        date_from=start,
        date_to=end,
        staff=staff,
    )


@bp.route("/<int:digest_id>")
@login_only
def detail(digest_id: int) -> ResponseReturnValue:
    digest = db.first_or_404(_scoped().where(ReminderDigest.id == digest_id))
    text_body, _html = jobs.render_digest(digest)
    return render_template(
        "reminders/detail.html", digest=digest, text_body=text_body, staff=can(P.MANAGE_REMINDERS)
    )


@bp.route("/<int:digest_id>/html")
@login_only
def html(digest_id: int) -> ResponseReturnValue:
    """The HTML version of the e-mail, as the recipient sees it (no scripts)."""
    digest = db.first_or_404(_scoped().where(ReminderDigest.id == digest_id))
    _text, body = jobs.render_digest(digest)
    response = Response(body, mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    )
    return response


@bp.route("/<int:digest_id>/resend", methods=["POST"])
@requires(P.MANAGE_REMINDERS)
def resend(digest_id: int) -> ResponseReturnValue:
    digest = db.get_or_404(ReminderDigest, digest_id)
    if digest.state not in (DigestState.FAILED, DigestState.PENDING):
        flash(_("Only a failed or pending reminder can be sent again."), "warning")
        return redirect(url_for("reminders.detail", digest_id=digest.id))
    if jobs.resend(digest, utcnow()):
        flash(
            _("The reminder to %(email)s has been sent.", email=digest.recipient_email), "success"
        )
    else:
        db.session.refresh(digest)
        flash(_("Sending failed again: %(error)s", error=digest.last_error or "—"), "danger")
    return redirect(url_for("reminders.detail", digest_id=digest.id))


@bp.route("/preview")
@requires(P.MANAGE_REMINDERS)
def preview() -> ResponseReturnValue:
    """A dry run: who would receive what on a date. Writes and sends nothing."""
    day = _date_arg("date") or today_wib()
    if abs((day - today_wib()).days) > 3660:
        abort(400)
    planned = reminders.plan_digests(day)
    db.session.rollback()
    return render_template("reminders/preview.html", day=day, planned=planned)
