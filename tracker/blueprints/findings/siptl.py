"""SIPTL: recording what was sent to BPK through SIPTL for a recommendation of an LHP BPK
(per semester: date sent, receipt number, later BPK's own outcome), and the
reconciliation page listing where BPK's outcome differs from the Inspektorat's."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from tracker.blueprints.findings.forms import EditForm
from tracker.blueprints.findings.routes import (
    _form_page,
    _load_recommendation,
    _now,
    _today,
    bp,
)
from tracker.extensions import db
from tracker.forms import CreateForm, empty_to_none, strip
from tracker.models.finding import Outcome, Recommendation, SiptlSubmission
from tracker.permissions import P, requires, scope_recommendations
from tracker.services import decision_list as lists
from tracker.services import findings as finding_svc
from tracker.services import siptl as svc

# --- forms ------------------------------------------------------------------------------


def _outcome_choices() -> list[SelectChoice]:
    return [SelectChoice("", str(_l("— not known yet —")))] + [
        SelectChoice(o.value, o.numbered) for o in Outcome
    ]


class SiptlForm(CreateForm):
    period = SelectField(_l("Semester"), choices=[], validators=[InputRequired()])
    submitted_on = DateField(
        _l("Date sent through SIPTL"), validators=[InputRequired()], format="%Y-%m-%d"
    )
    receipt_number = StringField(
        _l("Receipt number (nomor tanda terima)"),
        filters=[strip],
        validators=[InputRequired(), Length(max=svc.RECEIPT_MAX)],
    )
    bpk_outcome = SelectField(
        _l("BPK's outcome for this semester"),
        choices=_outcome_choices,
        default="",
        validators=[Optional()],
        description=_l("Add it once BPK has reviewed the semester."),
    )
    note = TextAreaField(
        _l("Note"),
        filters=[empty_to_none],
        validators=[Optional(), Length(max=svc.NOTE_MAX)],
        render_kw={"rows": 2},
    )


class SiptlEditForm(SiptlForm, EditForm):
    pass


def _periods(rec: Recommendation, keep: str | None = None) -> list[SelectChoice]:
    periods = finding_svc.review_periods(rec, _today())
    if keep and keep not in periods:
        periods = [keep, *periods]
    return [SelectChoice(p, finding_svc.period_label(p)) for p in periods]


def _values(form: SiptlForm) -> dict[str, Any]:
    return {
        "period": form.period.data,
        "submitted_on": form.submitted_on.data,
        "receipt_number": form.receipt_number.data,
        "bpk_outcome": form.bpk_outcome.data or None,
        "note": form.note.data,
    }


def _back(rec: Recommendation) -> str:
    return url_for("findings.detail", finding_id=rec.finding_id, _anchor=f"rec-{rec.id}")


# --- recording ----------------------------------------------------------------------------


@bp.route("/recommendations/<int:rec_id>/siptl/new", methods=["GET", "POST"])
@requires(P.MANAGE_FINDINGS)
def siptl_new(rec_id: int) -> ResponseReturnValue:
    rec = _load_recommendation(rec_id)
    if not svc.applies_to(rec):
        abort(404)
    form = SiptlForm()
    form.period.choices = _periods(rec)
    if request.method == "GET":
        form.submitted_on.data = _today()
    return _form_page(
        form,
        lambda _original: svc.record(current_user, rec, now=_now(), **_values(form)),
        template="findings/siptl_form.html",
        success=lambda s: _(
            "The SIPTL submission of %(period)s has been recorded.",
            period=finding_svc.period_label(s.period),
        ),
        next_url=lambda _s: _back(rec),
        rec=rec,
    )


def _load_submission(submission_id: int) -> SiptlSubmission:
    submission = db.session.scalars(
        scope_recommendations(
            select(SiptlSubmission)
            .join(SiptlSubmission.recommendation)
            .where(SiptlSubmission.id == submission_id)
        )
    ).first()
    if submission is None:
        abort(404)
    return submission


@bp.route("/siptl/<int:submission_id>/edit", methods=["GET", "POST"])
@requires(P.MANAGE_FINDINGS)
def siptl_edit(submission_id: int) -> ResponseReturnValue:
    submission = _load_submission(submission_id)
    rec = _load_recommendation(submission.recommendation_id)
    form = SiptlEditForm(obj=submission if request.method == "GET" else None)
    form.period.choices = _periods(rec, submission.period)
    if request.method == "GET":
        form.bpk_outcome.data = submission.bpk_outcome.value if submission.bpk_outcome else ""
        form.version.data = submission.version
    return _form_page(
        form,
        lambda original: svc.update(
            current_user,
            submission,
            now=_now(),
            expected_version=form.version.data,
            original=original,
            **_values(form),
        ),
        template="findings/siptl_form.html",
        success=lambda _changed: _(
            "The SIPTL submission of %(period)s has been saved.",
            period=finding_svc.period_label(submission.period),
        ),
        next_url=lambda _changed: _back(rec),
        record=submission,
        fields=svc.FIELDS,
        rec=rec,
    )


# --- reconciliation -----------------------------------------------------------------------


@bp.route("/reconciliation")
@requires(P.VIEW_ALL)
def reconciliation() -> ResponseReturnValue:
    filters = lists.ReconciliationFilters.from_args(request.args)
    listing = lists.reconciliation(filters, request.args)
    return render_template(
        "findings/reconciliation.html",
        listing=listing,
        filters=filters.as_args(),
        period_options=[(p, finding_svc.period_label(p)) for p in lists.siptl_periods()],
        opd_options=[(o.id, f"{o.code} — {o.name}") for o in lists.opds()],
        inspektorat_outcome=svc.inspektorat_outcome,
    )
