"""The two-step review's second step and its letters: the approval queue (approve several
proposals as one numbered decision letter, or send one back with a note), the list of
decision letters, a letter's page and its PDF. The first step (proposing) is the
``review`` view of :mod:`tracker.blueprints.findings.routes`.

Who: approving and sending back need ``APPROVE_DECISIONS`` (administrators, and
Inspektorat logins given it); nobody decides their own proposal (the service refuses it,
the queue says so). Letters are read by everyone who reads every OPD (``VIEW_ALL``).
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2 import pass_context
from wtforms import HiddenField, IntegerField, SelectMultipleField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from tracker.blueprints.findings.routes import _now, bp
from tracker.documents import pdf_response, render_pdf, safe_filename
from tracker.extensions import db
from tracker.forms import CreateForm, TrackerForm, empty_to_none
from tracker.listing import int_arg
from tracker.models.finding import Recommendation, ReviewProposal
from tracker.permissions import P, requires, scope_recommendations
from tracker.saving import form_status, saving
from tracker.services import decision_list as lists
from tracker.services import reviews

# --- forms ------------------------------------------------------------------------------


class PickField(SelectMultipleField):
    """Ticked proposals as ``<id>:<version>`` (the version the approver saw)."""

    def pre_validate(self, form: Any) -> None:
        pass

    def process_formdata(self, valuelist: list[Any]) -> None:
        picks: list[tuple[int, int]] = []
        for raw in valuelist:
            head, _sep, tail = str(raw).partition(":")
            if not (head.isdigit() and tail.isdigit() and len(head) < 10 and len(tail) < 10):
                self.data = []
                raise ValueError(_l("Tick the proposals from the list."))
            picks.append((int(head), int(tail)))
        self.data = picks


class ApproveForm(CreateForm):
    pick = PickField(_l("Proposals"), choices=[])


class SendBackForm(TrackerForm):
    version = IntegerField(
        widget=HiddenField.widget, validators=[InputRequired(), NumberRange(min=1)]
    )
    note = TextAreaField(
        _l("Why it is sent back"),
        filters=[empty_to_none],
        validators=[InputRequired(), Length(max=10000)],
        description=_l("The proposer reads this on the recommendation's page."),
        render_kw={"rows": 2},
    )


def _send_back_form(proposal: ReviewProposal, *, formdata: Any = None) -> SendBackForm:
    form = SendBackForm(prefix=f"sb{proposal.id}", formdata=formdata)
    if formdata is None:
        form.version.data = proposal.version
    return form


# --- what a recommendation's page shows ---------------------------------------------------


@bp.app_template_global()
@pass_context
def decision_panel(context: Any, rec: Recommendation) -> lists.Panel:
    """The proposals and SIPTL submissions of ``rec`` for the finding page; the first call
    loads those of every recommendation on the page (``recs``) at once."""
    cache: dict[int, lists.Panel] = g.setdefault("decision_panels", {})
    if rec.id not in cache:
        recs = list(context.get("recs") or [])
        cache.update(lists.panels(recs if rec in recs else [rec]))
    return cache[rec.id]


@bp.app_template_global()
def fresh_submission_token() -> str:
    """A one-time token for a form whose class carries none (see tracker.submissions)."""
    return secrets.token_hex(16)


# --- the approval queue -----------------------------------------------------------------


def _queue(
    *,
    approve_form: ApproveForm | None = None,
    send_back_forms: dict[int, SendBackForm] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    filters = lists.QueueFilters.from_args(request.args)
    found = lists.queue(filters, request.args)
    forms = dict(send_back_forms or {})
    for proposal in found.listing.items:
        if proposal.id not in forms:
            forms[proposal.id] = _send_back_form(proposal)
    return render_template(
        "findings/decisions.html",
        listing=found.listing,
        latest=found.latest,
        approve_form=approve_form or ApproveForm(formdata=None),
        send_back_forms=forms,
        filters=filters.as_args(),
        opd_options=[(o.id, f"{o.code} — {o.name}") for o in lists.opds()],
        report_options=[
            (r.id, f"{r.kind.short} {r.year} — {r.number}") for r in lists.queue_reports()
        ],
    ), status


@bp.route("/decisions")
@requires(P.APPROVE_DECISIONS)
def decisions() -> ResponseReturnValue:
    return _queue()


@bp.route("/decisions/approve", methods=["POST"])
@requires(P.APPROVE_DECISIONS)
def decisions_approve() -> ResponseReturnValue:
    form = ApproveForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            letter = reviews.approve(current_user, form.pick.data or [], now=_now())
            count = len(letter.decisions)
        if saved:
            flash(
                ngettext(
                    "%(num)d decision approved and issued as letter %(number)s.",
                    "%(num)d decisions approved and issued as letter %(number)s.",
                    count,
                    number=letter.number,
                ),
                "success",
            )
            return redirect(url_for("findings.letter_detail", letter_id=letter.id))
    return _queue(approve_form=form, status=form_status(form))


def _load_proposal(proposal_id: int) -> ReviewProposal:
    proposal = db.session.scalars(
        scope_recommendations(
            db.select(ReviewProposal)
            .join(ReviewProposal.recommendation)
            .where(ReviewProposal.id == proposal_id)
        )
    ).first()
    if proposal is None:
        abort(404)
    return proposal


@bp.route("/decisions/<int:proposal_id>/send-back", methods=["POST"])
@requires(P.APPROVE_DECISIONS)
def decision_send_back(proposal_id: int) -> ResponseReturnValue:
    proposal = _load_proposal(proposal_id)
    form = _send_back_form(proposal, formdata=request.form)
    if form.validate_on_submit():
        number = proposal.recommendation.number
        with saving(form) as saved:
            reviews.send_back(
                current_user,
                proposal,
                expected_version=form.version.data,
                note=form.note.data,
                now=_now(),
            )
        if saved:
            flash(
                _("The proposal for recommendation %(number)s has been sent back.", number=number),
                "success",
            )
            return redirect(url_for("findings.decisions", **request.args))
    return _queue(send_back_forms={proposal_id: form}, status=form_status(form))


# --- letters ------------------------------------------------------------------------------


@bp.route("/letters")
@requires(P.VIEW_ALL)
def letters() -> ResponseReturnValue:
    year = int_arg("year")
    found = lists.letters(request.args, year)
    return render_template(
        "findings/letters.html",
        listing=found.listing,
        counts=found.counts,
        year=year,
        year_options=lists.letter_years(),
    )


def _load_letter(letter_id: int) -> Any:
    letter = lists.letter(letter_id)
    if letter is None:
        abort(404)
    return letter


@bp.route("/letters/<int:letter_id>")
@requires(P.VIEW_ALL)
def letter_detail(letter_id: int) -> ResponseReturnValue:
    return render_template("findings/letter_detail.html", letter=_load_letter(letter_id))


@bp.route("/letters/<int:letter_id>.pdf")
@requires(P.VIEW_ALL)
def letter_pdf(letter_id: int) -> ResponseReturnValue:
    letter = _load_letter(letter_id)
    # An official letter of the city: always in Indonesian, whatever the reader's language.
    with force_locale("id"):
        data = render_pdf(
            "pdf/decision_letter.html",
            letter=letter,
            sign_date=format_date(letter.issued_on, "d MMMM y"),
        )
    return pdf_response(data, safe_filename(letter.number, "pdf"))
