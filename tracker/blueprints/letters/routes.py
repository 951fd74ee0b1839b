"""SKBT (surat keterangan bebas temuan): requests, the check, issuing, the letter PDF, and
the public verification page ``/verify/<token>``.

Who does what: the Inspektorat's staff record requests (``MANAGE_FINDINGS``); the
Inspektur, or whoever is allowed to approve decisions (``APPROVE_DECISIONS``), issues,
refuses and revokes; readers of every OPD (the Inspektorat, the leadership) see the
register. OPD users do not: the register holds officials' NIPs and purposes of other
OPDs, and an OPD's own letter reaches it on paper, verifiable by anyone through its QR.

The verification page is public and shows only the letter's number, whom it is for
(a name), its date and whether it still holds (or since when it is revoked). An unknown,
malformed or forged token gets one and the same 404 page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from tracker.blueprints.letters.forms import IssueForm, RefuseForm, RevokeForm, SkbtRequestForm
from tracker.documents import pdf_response, render_pdf, safe_filename
from tracker.extensions import db
from tracker.forms import opd_options
from tracker.i18n import to_wib
from tracker.links import external_url
from tracker.models.base import utcnow
from tracker.models.letter import Letter, Skbt, SkbtStatus, SkbtSubject
from tracker.permissions import P, public, requires
from tracker.saving import form_status, saving
from tracker.services import skbt as svc
from tracker.services import skbt_list
from tracker.services.findings import today_of
from tracker.services.organisation import NIP_LENGTH, normalise_nip
from tracker.services.pass_links import qr_data_uri

bp = Blueprint("letters", __name__)

PUBLIC_ENDPOINTS = frozenset({"letters.verify"})


@bp.after_request
def _private(response: Response) -> Response:
    if request.endpoint in PUBLIC_ENDPOINTS:
        # The token is in the URL: no referrer carries it away, no cache or index keeps it.
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _now() -> dt.datetime:
    return utcnow()


def _today() -> dt.date:
    return today_of(_now())


def verify_url(skbt: Skbt) -> str:
    """The absolute verification link printed (as a QR code) on the letter."""
    return external_url("letters.verify", token=svc.token_for(skbt))


def _load(skbt_id: int) -> Skbt:
    skbt = db.session.scalars(
        select(Skbt)
        .where(Skbt.id == skbt_id)
        .options(
            joinedload(Skbt.letter).joinedload(Letter.revoked_by),
            joinedload(Skbt.opd),
            joinedload(Skbt.requested_by),
        )
    ).first()
    if skbt is None:
        abort(404)
    return skbt


# --- the register -----------------------------------------------------------------------------


@bp.route("/skbt/")
@requires(P.VIEW_ALL)
def index() -> ResponseReturnValue:
    filters = skbt_list.Filters.from_args(request.args)
    listing = skbt_list.page(filters, request.args)
    return render_template(
        "letters/index.html",
        listing=listing,
        status_filter=filters.status,
        status_options=_status_options(),
    )


def _status_options() -> list[tuple[str, str]]:
    return [
        (SkbtStatus.REQUESTED.value, SkbtStatus.REQUESTED.label),
        (SkbtStatus.ISSUED.value, _("Issued (valid or revoked)")),
        (skbt_list.VALID, _("Issued and valid")),
        (skbt_list.REVOKED, _("Revoked")),
        (SkbtStatus.REFUSED.value, SkbtStatus.REFUSED.label),
    ]


# --- the request ------------------------------------------------------------------------------


def _preview(form: SkbtRequestForm) -> dict[str, Any] | None:
    """The check for what the form names, before anything is recorded (the "Check"
    button); the official's name and position filled from the officials list."""
    if form.subject.data == SkbtSubject.OPD.value:
        if not form.opd_id.data:
            form.opd_id.errors = [*form.opd_id.errors, _("Choose an OPD.")]
            return None
        return {"blockers": svc.blockers(today=_today(), opd_id=form.opd_id.data)}
    nip = normalise_nip(form.nip.data)
    if not nip or not nip.isdigit() or len(nip) != NIP_LENGTH:
        form.nip.errors = [
            *form.nip.errors,
            _("The NIP must be exactly %(n)d digits.", n=NIP_LENGTH),
        ]
        return None
    person = svc.official_by_nip(nip)
    if person is not None:
        form.name.data, form.position.data = person.name, person.position
    return {"blockers": svc.blockers(today=_today(), nip=nip), "person": person, "nip": nip}


@bp.route("/skbt/new", methods=["GET", "POST"])
@requires(P.MANAGE_FINDINGS)
def new() -> ResponseReturnValue:
    form = SkbtRequestForm()
    form.opd_id.choices = opd_options(empty=_("— choose an OPD —"))
    preview = None
    if form.validate_on_submit():
        if form.check.data:
            preview = _preview(form)
        else:
            with saving(form) as saved:
                skbt = svc.request(
                    current_user,
                    subject=SkbtSubject(form.subject.data),
                    purpose=form.purpose.data,
                    now=_now(),
                    nip=form.nip.data,
                    name=form.name.data,
                    position=form.position.data,
                    opd_id=form.opd_id.data,
                )
            if saved:
                flash(_("The request for an SKBT for %(name)s has been recorded.", name=skbt.name))
                return redirect(url_for("letters.detail", skbt_id=skbt.id))
    status = 200 if preview is not None else form_status(form)
    return render_template("letters/new.html", form=form, preview=preview, today=_today()), status


# --- one request and its letter ---------------------------------------------------------------


def _page(
    skbt: Skbt,
    *,
    refuse_form: RefuseForm | None = None,
    revoke_form: RevokeForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    today = _today()
    letter = skbt.letter
    return render_template(
        "letters/detail.html",
        skbt=skbt,
        letter=letter,
        today=today,
        blockers=svc.blockers_of(skbt, today),
        issue_form=IssueForm(),
        refuse_form=refuse_form or RefuseForm(formdata=None),
        revoke_form=revoke_form or RevokeForm(formdata=None),
        verify_link=verify_url(skbt) if letter is not None and skbt.token_hash else None,
    ), status


@bp.route("/skbt/<int:skbt_id>")
@requires(P.VIEW_ALL)
def detail(skbt_id: int) -> ResponseReturnValue:
    return _page(_load(skbt_id))


@bp.route("/skbt/<int:skbt_id>/issue", methods=["POST"])
@requires(P.APPROVE_DECISIONS)
def issue(skbt_id: int) -> ResponseReturnValue:
    skbt = _load(skbt_id)
    form = IssueForm()
    if not form.validate_on_submit():
        flash(_("The form has expired; try again."), "danger")
        return redirect(url_for("letters.detail", skbt_id=skbt_id))
    with saving() as saved:
        letter = svc.issue(current_user, skbt, today=_today(), now=_now())
    if saved:
        flash(_("The SKBT has been issued with number %(number)s.", number=letter.number))
    return redirect(url_for("letters.detail", skbt_id=skbt_id))


@bp.route("/skbt/<int:skbt_id>/refuse", methods=["POST"])
@requires(P.APPROVE_DECISIONS)
def refuse(skbt_id: int) -> ResponseReturnValue:
    skbt = _load(skbt_id)
    form = RefuseForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            svc.refuse(current_user, skbt, note=form.note.data, now=_now())
        if saved:
            flash(_("The request has been refused."))
            return redirect(url_for("letters.detail", skbt_id=skbt_id))
        skbt = _load(skbt_id)
    return _page(skbt, refuse_form=form, status=form_status(form))


@bp.route("/skbt/<int:skbt_id>/revoke", methods=["POST"])
@requires(P.APPROVE_DECISIONS)
def revoke(skbt_id: int) -> ResponseReturnValue:
    skbt = _load(skbt_id)
    form = RevokeForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            svc.revoke(current_user, skbt, reason=form.reason.data, now=_now())
        if saved:
            flash(_("The SKBT has been revoked; its verification page now says so."))
            return redirect(url_for("letters.detail", skbt_id=skbt_id))
        skbt = _load(skbt_id)
    return _page(skbt, revoke_form=form, status=form_status(form))


@bp.route("/skbt/<int:skbt_id>.pdf")
@requires(P.VIEW_ALL)
def pdf(skbt_id: int) -> ResponseReturnValue:
    skbt = _load(skbt_id)
    letter = skbt.letter
    if letter is None or not skbt.token_hash:
        abort(404)
    link = verify_url(skbt)
    data = render_pdf(
        "pdf/skbt.html",
        skbt=skbt,
        letter=letter,
        verify_link=link,
        qr=qr_data_uri(link),
        issued_date=format_date(letter.issued_on, "d MMMM y"),
        revoked_on=to_wib(letter.revoked_at).date() if letter.revoked_at else None,
    )
    return pdf_response(data, safe_filename(f"SKBT-{letter.number}", "pdf"))


# --- the public verification page -------------------------------------------------------------


@bp.route("/verify/<token>")
@public
def verify(token: str) -> ResponseReturnValue:
    skbt = svc.find(token)
    if skbt is None or skbt.letter is None:
        return render_template("letters/verify_invalid.html"), 404
    letter = skbt.letter
    return render_template(
        "letters/verify.html",
        number=letter.number,
        name=skbt.name,
        issued_on=letter.issued_on,
        revoked_on=to_wib(letter.revoked_at).date() if letter.revoked_at else None,
    )
