"""Reminder digests: the outbox for the Inspektorat, received reminders for everyone."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from tracker import jobs
from tracker.extensions import db
from tracker.i18n import today_wib
from tracker.models.base import utcnow
from tracker.models.reminder import Channel, DigestState, ReminderDigest
from tracker.permissions import P, can, login_only, requires
from tracker.services import reminder_list as lists
from tracker.services import reminders, wa_links

bp = Blueprint("reminders", __name__)


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
    state = request.args.get("state", "")
    state = state if state in {s.value for s in DigestState} else ""
    channel = request.args.get("channel", "")
    channel = channel if channel in {c.value for c in Channel} else ""
    start, end = _date_arg("from"), _date_arg("to")
    found = lists.page(
        lists.Filters(state=state, channel=channel, date_from=start, date_to=end), request.args
    )
    staff = can(P.MANAGE_REMINDERS)
    return render_template(
        "reminders/index.html",
        runs=lists.recent_runs() if staff else [],
        trigger_labels={
            "schedule": _("Scheduled"),
            "catch-up": _("Catch-up"),
            "command": _("Command line"),
        },
        listing=found.listing,
        state=state,
        states=list(DigestState),
        channel=channel,
        channels=list(Channel),
        counts=found.counts,
        date_from=start,
        date_to=end,
        staff=staff,
    )


@bp.route("/<int:digest_id>")
@login_only
def detail(digest_id: int) -> ResponseReturnValue:
    digest = db.first_or_404(lists.scoped().where(ReminderDigest.id == digest_id))
    text_body, _html = jobs.render_digest(digest)
    return render_template(
        "reminders/detail.html", digest=digest, text_body=text_body, staff=can(P.MANAGE_REMINDERS)
    )


@bp.route("/<int:digest_id>/html")
@login_only
def html(digest_id: int) -> ResponseReturnValue:
    """The HTML version of the e-mail, as the recipient sees it (no scripts)."""
    digest = db.first_or_404(lists.scoped().where(ReminderDigest.id == digest_id))
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
        flash(_("The reminder to %(email)s has been sent.", email=digest.address), "success")
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
    return render_template(
        "reminders/preview.html",
        day=day,
        planned=planned,
        whatsapp_urls=wa_links.digest_urls(planned, day),
    )
