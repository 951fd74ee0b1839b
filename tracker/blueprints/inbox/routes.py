"""The Inspektorat's work queue.

* ``/inbox/``: commitments reported done awaiting verification, recommendations whose last
  follow-up is newer than their last review, and the evidence added since the user last
  opened the inbox; each row links to the exact item. Opening it records the visit (after
  reading what is new, so the page shows what was new at this visit).
* ``/inbox/semester?semester=2023-S2``: every recommendation due for review in a semester
  in one table; the outcomes set row by row (or for the selected rows at once) are saved
  together by :mod:`tracker.services.semester_review`.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from tracker.blueprints.inbox.forms import SemesterReviewForm
from tracker.listing import semester_arg
from tracker.models.base import utcnow
from tracker.models.finding import Recommendation
from tracker.permissions import P, requires
from tracker.saving import form_status, saving
from tracker.services import decision_list, finding_list
from tracker.services import findings as findings_svc
from tracker.services import inbox as inbox_svc
from tracker.services import inbox_list as lists
from tracker.services import semester_review as review_svc
from tracker.services.errors import ConflictError, DomainError

bp = Blueprint("inbox", __name__)


def _today(now: dt.datetime) -> dt.date:
    return findings_svc.today_of(now)


def review_url(rec: Recommendation) -> str:
    """The finding's page at this recommendation, with its review form open."""
    return url_for(
        "findings.detail", finding_id=rec.finding_id, review=rec.id, _anchor=f"rec-{rec.id}"
    )


# --- the inbox ----------------------------------------------------------------------------


@bp.route("/")
@requires(P.MANAGE_FINDINGS, P.MANAGE_COMMITMENTS)
def index() -> ResponseReturnValue:
    now = utcnow()
    since = inbox_svc.parse_since(request.args.get("since"), now) or lists.last_seen(current_user)
    found = lists.inbox(since, request.args)

    def page_url(section: str, number: int) -> str:
        args = {k: v for k, v in request.args.items() if k in lists.PAGE_ARGS.values()}
        args[lists.PAGE_ARGS[section]] = str(number)
        token = inbox_svc.since_token(since)
        if token:
            args["since"] = token
        return url_for("inbox.index", **args)

    body = render_template(
        "inbox/index.html",
        inbox=found,
        page_urls={section: partial(page_url, section) for section in lists.PAGE_ARGS},
        review_url=review_url,
    )
    # What was new has been shown: from now on it is seen (not a record: no audit entry).
    with saving():
        inbox_svc.mark_seen(current_user, now)
    return body


# --- the semester review ------------------------------------------------------------------


def _semester(today: dt.date) -> tuple[str, list[str]]:
    """The semester asked for (?semester=2023-S2; default: the current one) and the ones
    offered, like the monitoring matrix: a malformed or future semester is a bad request."""
    return semester_arg(today), lists.semester_periods(today)


def _rows(form: SemesterReviewForm, recs: dict[int, Recommendation]) -> list[Any]:
    """What each row of the form asks for, with its recommendation (None if not found)."""
    out = []
    for index, entry in enumerate(form.rows):
        row: Any = entry.form
        out.append(
            review_svc.RowReview(
                index=index,
                rec=recs.get(row.rec_id.data),
                version=row.version.data,
                outcome=row.outcome.data or None,
                reason=row.reason.data or None,
                new_due_on=row.new_due_on.data,
                note=row.note.data,
            )
        )
    return out


def _show_current(
    form: SemesterReviewForm, error: DomainError | None, recs: dict[int, Recommendation]
) -> None:
    """After a conflict, the rows changed meanwhile carry their current version."""
    for index, errors in (getattr(error, "rows", None) or {}).items():
        if any(isinstance(e, ConflictError) for e in errors):
            row: Any = form.rows[index].form
            rec = recs.get(row.rec_id.data)
            if rec is not None:
                row.show_current(rec.version)


@bp.route("/semester", methods=["GET", "POST"])
@requires(P.MANAGE_FINDINGS)
def semester() -> ResponseReturnValue:
    now = utcnow()
    today = _today(now)
    period, periods = _semester(today)
    filters = lists.SemesterFilters.from_args(request.args)
    listing = lists.due_for_review(period, filters, request.args)
    form = SemesterReviewForm()
    status: int | None = None
    conflict: ConflictError | None = None
    if request.method == "GET":
        for rec in listing.items:
            form.rows.append_entry({"rec_id": rec.id, "version": rec.version})
    elif form.apply.data:
        # Without the page's script: the values above the table go into the selected rows,
        # shown again for checking; nothing is saved yet.
        count = form.apply_to_selected()
        flash(
            ngettext(
                "Applied to %(num)d selected row; check and save.",
                "Applied to %(num)d selected rows; check and save.",
                count,
            )
            if count
            else _("Select the rows to apply the values to."),
            "info",
        )
        status = 200
    elif form.validate_on_submit():
        recs = lists.reviewable([entry.form.rec_id.data for entry in form.rows])
        with saving(form) as saved:
            proposals = review_svc.review_semester(current_user, period, _rows(form, recs), now=now)
        if saved:
            flash(
                ngettext(
                    "%(num)d review for %(period)s proposed; it awaits the Inspektur's approval.",
                    "%(num)d reviews for %(period)s proposed; they await the Inspektur's approval.",
                    len(proposals),
                    period=findings_svc.period_label(period),
                ),
                "success",
            )
            return redirect(url_for("inbox.semester", **request.args.to_dict()))
        conflict = saved.conflict
    else:
        form.form_errors.append(_("Please correct the marked rows; nothing was saved."))

    shown = lists.reviewable([entry.form.rec_id.data for entry in form.rows])
    if conflict is not None:
        _show_current(form, conflict, shown)
    return render_template(
        "inbox/semester.html",
        form=form,
        listing=listing,
        recs=shown,
        follow_ups=lists.latest_follow_ups(list(shown)),
        pending=decision_list.pending_by_recommendation(list(shown.values())),
        period=period,
        period_label=findings_svc.period_label(period),
        period_options=[(p, findings_svc.period_label(p)) for p in periods],
        opd_options=[(o.id, f"{o.code} — {o.name}") for o in finding_list.active_opds()],
        filters=filters,
        review_url=review_url,
    ), status or form_status(form)
