"""Last year's notes: reports, findings, recommendations, follow-ups, reviews, repayments,
the semester monitoring matrix, the grades history and a workshop's "catatan tahun lalu".

Views are thin: load (scoped: an ``opd`` user reaches only recommendations addressed to
their OPD, anything else is 404) → check the permission → validate the form → call
:mod:`tracker.services.findings` / :mod:`tracker.services.grades` → commit → flash →
redirect.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice

from tracker.blueprints.findings.forms import (
    FollowUpForm,
    RepaymentForm,
    ReviewForm,
)
from tracker.extensions import db
from tracker.forms import load_original, sign_original
from tracker.i18n import date_short
from tracker.models import Opd
from tracker.models.base import utcnow
from tracker.models.finding import (
    EvidenceKind,
    Finding,
    FindingEvidence,
    FollowUp,
    Outcome,
    Recommendation,
    RecommendationReview,
    Repayment,
    Report,
    ReportKind,
)
from tracker.permissions import (
    P,
    can,
    can_answer_recommendation,
    login_only,
    requires,
    scope_findings,
    scope_opd_ids,
    scope_recommendations,
)
from tracker.saving import form_status, saving
from tracker.services import finding_list as lists
from tracker.services import findings as svc
from tracker.services import wa_links
from tracker.services.reminders import last_reminded
from tracker.uploads import delete_stored, send_stored

bp = Blueprint("findings", __name__)

REPORT_FIELDS = (
    "kind",
    "year",
    "number",
    "title",
    "issuer",
    "issued_on",
    "received_on",
    "grade",
    "score",
    "note",
)
FINDING_FIELDS = (
    "number",
    "title",
    "condition",
    "criteria",
    "cause",
    "effect",
    "is_financial",
    "amount_to_recover",
    "finding_code_id",
    "cause_code_id",
    "value",
)
RECOMMENDATION_FIELDS = ("number", "text", "opd_id", "due_on", "code_id", "value")
RESULT_FIELDS = ("instrument", "year", "region", "score", "grade", "source")


# --- template helpers ------------------------------------------------------------------


@bp.app_template_filter("rupiah")
def rupiah_filter(value: Decimal | int | None) -> str:
    """'Rp 12.500.000' in Indonesian, 'Rp 12,500,000' in English."""
    return svc.format_rupiah(value)


@bp.app_template_filter("grade_score")
def score_filter(value: Decimal | None) -> str:
    from tracker.i18n import number

    return number(value, 2) if value is not None else ""


@bp.app_template_filter("rate_percent")
def percent_filter(value: Decimal | None) -> str:
    from tracker.i18n import number

    return f"{number(value, 2)}%" if value is not None else "—"


def _now() -> dt.datetime:
    return utcnow()


def _today() -> dt.date:
    return svc.today_of(_now())


def _describe(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, enum.Enum) and hasattr(value, "label"):
        return value.label
    if isinstance(value, dt.date):
        return date_short(value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return value


def _labels(form: FlaskForm) -> dict[str, str]:
    return {name: str(field.label.text) for name, field in form._fields.items()}


def _form_page(
    form: Any,
    save: Callable[[Mapping[str, Any] | None], Any],
    *,
    template: str,
    success: Callable[[Any], str],
    next_url: Callable[[Any], str],
    record: Any = None,
    fields: tuple[str, ...] = (),
    **context: Any,
) -> ResponseReturnValue:
    """Create or edit: validate → save → commit → flash → redirect; 400 with the messages,
    409 with what changed meanwhile for a stale edit."""
    changes: dict[str, tuple[Any, Any]] = {}
    if request.method == "GET":
        if record is not None:
            form.original.data = sign_original(record, fields)
    elif form.validate_on_submit():
        original = load_original(form.original.data, record) if record is not None else None
        with saving(form) as saved:
            result = save(original)
        if saved:
            flash(success(result), "success")
            return redirect(next_url(result))
        if saved.conflict:
            changes = {
                k: (_describe(a), _describe(b)) for k, (a, b) in saved.conflict.changes.items()
            }
            form.show_current(record.version)
            form.original.data = sign_original(record, fields)
    return render_template(
        template, form=form, record=record, changes=changes, labels=_labels(form), **context
    ), form_status(form)


def _opd_choices(opds: Iterable[Opd]) -> list[SelectChoice]:
    return [SelectChoice(str(o.id), f"{o.code} — {o.name}") for o in opds]


def _active_opds(keep: Iterable[int] = ()) -> list[Opd]:
    return lists.active_opds(tuple(keep))


def _report_label(report: Report) -> str:
    return f"{report.kind.short} {report.year} — {report.number}"


# --- the list --------------------------------------------------------------------------


@bp.route("/")
@login_only
def index() -> ResponseReturnValue:
    today = _today()
    sees_all = scope_opd_ids(current_user) is None
    filters = lists.Filters.from_args(request.args, sees_all=sees_all)
    found = lists.page(filters, today, request.args)
    return render_template(
        "findings/index.html",
        listing=found.listing,
        recs=found.recs,
        today=today,
        counts=found.counts,
        total=found.total,
        rate=svc.completion_rate(found.counts.get(Outcome.SESUAI.value, 0), found.total),
        filters=filters.as_args(),
        report_options=[(r.id, _report_label(r)) for r in lists.visible_reports()],
        year_options=lists.report_years(),
        kind_options=[(k.value, k.short) for k in ReportKind],
        opd_options=[(o.id, f"{o.code} — {o.name}") for o in _active_opds()] if sees_all else [],
        outcome_options=[(o.value, o.numbered) for o in Outcome]
        + [(lists.NOT_REVIEWED, _("Not reviewed yet (counted as 3 in the matrix)"))],
        code_options=lists.code_options(),
        documents=found.documents,
    )


# --- the finding page ------------------------------------------------------------------


def _load_finding(finding_id: int) -> Finding:
    stmt = (
        select(Finding)
        .where(Finding.id == finding_id)
        .options(
            joinedload(Finding.report),
            joinedload(Finding.finding_code),
            joinedload(Finding.cause_code),
            selectinload(Finding.opds),
            selectinload(Finding.parties),
            selectinload(Finding.repayments).selectinload(Repayment.evidence),
            selectinload(Finding.repayments).joinedload(Repayment.recorded_by),
        )
    )
    finding = db.session.scalars(scope_findings(stmt)).first()
    if finding is None:
        abort(404)
    return finding


def _visible_recommendations(finding: Finding) -> list[Recommendation]:
    stmt = (
        select(Recommendation)
        .where(Recommendation.finding_id == finding.id)
        .options(
            joinedload(Recommendation.opd),
            joinedload(Recommendation.code),
            selectinload(Recommendation.follow_ups).selectinload(FollowUp.evidence),
            selectinload(Recommendation.follow_ups).joinedload(FollowUp.author),
            selectinload(Recommendation.reviews).joinedload(RecommendationReview.reviewer),
        )
        .order_by(func.length(Recommendation.number), Recommendation.number, Recommendation.id)
    )
    return list(db.session.scalars(scope_recommendations(stmt)))


def _follow_up_form(rec: Recommendation, *, formdata: Any = None) -> FollowUpForm:
    form = FollowUpForm(prefix=f"fu{rec.id}", formdata=formdata)
    if formdata is None:
        form.progress.data = rec.progress  # the last one given
        today = _today()
        for entry in [*form.files, *form.links]:
            entry.form.refers_to_on.data = today
    return form


def _review_form(rec: Recommendation, *, formdata: Any = None) -> ReviewForm:
    form = ReviewForm(prefix=f"rv{rec.id}", formdata=formdata)
    today = _today()
    periods = svc.review_periods(rec, today)
    form.period.choices = [SelectChoice(p, svc.period_label(p)) for p in periods]
    if formdata is None:
        form.period.data = periods[0] if periods else svc.period_of(today)
        form.outcome.data = (rec.outcome or Outcome.BELUM_DITINDAKLANJUTI).value
    return form


def _detail(
    finding: Finding,
    *,
    follow_up_forms: dict[int, FollowUpForm] | None = None,
    review_forms: dict[int, ReviewForm] | None = None,
    repayment_form: RepaymentForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    recs = _visible_recommendations(finding)
    follow_up_forms = dict(follow_up_forms or {})
    review_forms = dict(review_forms or {})
    manage = can(P.MANAGE_FINDINGS)
    for rec in recs:
        closed = rec.outcome is not None and rec.outcome.closed
        if rec.id not in follow_up_forms and can_answer_recommendation(rec) and not closed:
            follow_up_forms[rec.id] = _follow_up_form(rec)
        if manage and rec.id not in review_forms:
            review_forms[rec.id] = _review_form(rec)
    if manage and finding.is_financial and repayment_form is None:
        repayment_form = RepaymentForm(formdata=None)
        repayment_form.paid_on.data = _today()
    return render_template(
        "findings/detail.html",
        finding=finding,
        report=finding.report,
        recs=recs,
        reminded=last_reminded("recommendation", [rec.id for rec in recs]),
        today=_today(),
        follow_up_forms=follow_up_forms,
        review_forms=review_forms,
        repayment_form=repayment_form,
        manage=manage,
        max_upload=current_app.config.get("UPLOAD_MAX_FILE_SIZE"),
        whatsapp_urls=wa_links.recommendation_urls(recs, _today()) if manage else {},
    ), status


@bp.route("/<int:finding_id>")
@login_only
def detail(finding_id: int) -> ResponseReturnValue:
    return _detail(_load_finding(finding_id))


def _load_recommendation(rec_id: int) -> Recommendation:
    stmt = (
        select(Recommendation)
        .where(Recommendation.id == rec_id)
        .options(
            joinedload(Recommendation.finding).joinedload(Finding.report),
            selectinload(Recommendation.reviews),
        )
    )
    rec = db.session.scalars(scope_recommendations(stmt)).first()
    if rec is None:
        abort(404)
    return rec


@bp.route("/recommendations/<int:rec_id>/follow-up", methods=["GET", "POST"])
@requires(P.ANSWER_FINDINGS)
def follow_up(rec_id: int) -> ResponseReturnValue:
    rec = _load_recommendation(rec_id)
    anchor = url_for("findings.detail", finding_id=rec.finding_id, _anchor=f"rec-{rec.id}")
    if request.method == "GET":
        return redirect(anchor)
    if not can_answer_recommendation(rec):
        abort(403)
    form = FollowUpForm(prefix=f"fu{rec.id}")
    if form.validate_on_submit():
        files = [
            svc.FileEvidence(entry.form.file.data, entry.form.refers_to_on.data)
            for entry in form.files
            if entry.form.file.data and getattr(entry.form.file.data, "filename", "")
        ]
        links = [
            svc.LinkEvidence(
                entry.form.url.data, entry.form.refers_to_on.data, entry.form.label.data
            )
            for entry in form.links
            if entry.form.url.data
        ]
        with saving(form) as saved:
            svc.submit_follow_up(
                current_user,
                rec,
                description=form.description.data,
                files=files,
                links=links,
                progress=form.progress.data,
                now=_now(),
            )
        if saved:
            flash(
                _(
                    "Your follow-up of recommendation %(number)s has been submitted for "
                    "review by the Inspektorat.",
                    number=rec.number,
                ),
                "success",
            )
            return redirect(anchor)
    finding = _load_finding(rec.finding_id)
    return _detail(finding, follow_up_forms={rec.id: form}, status=400)


@bp.route("/recommendations/<int:rec_id>/review", methods=["POST"])
@requires(P.MANAGE_FINDINGS)
def review(rec_id: int) -> ResponseReturnValue:
    rec = _load_recommendation(rec_id)
    form = _review_form(rec, formdata=request.form)
    if form.validate_on_submit():
        from tracker.services import reviews

        with saving(form) as saved:
            result = reviews.propose(
                current_user,
                rec,
                period=form.period.data,
                outcome=form.outcome.data,
                reason=form.reason.data or None,
                new_due_on=form.new_due_on.data,
                note=form.note.data,
                now=_now(),
            )
        if saved:
            flash(
                _(
                    "Recommendation %(number)s: outcome %(outcome)s proposed for %(period)s. "
                    "It takes effect once the Inspektur or an appointed approver approves it.",
                    number=rec.number,
                    outcome=result.outcome.numbered,
                    period=svc.period_label(result.period),
                ),
                "success",
            )
            return redirect(
                url_for("findings.detail", finding_id=rec.finding_id, _anchor=f"rec-{rec.id}")
            )
    finding = _load_finding(rec.finding_id)
    return _detail(finding, review_forms={rec.id: form}, status=400)


@bp.route("/<int:finding_id>/repayments", methods=["POST"])
@requires(P.MANAGE_FINDINGS)
def repayment_new(finding_id: int) -> ResponseReturnValue:
    finding = _load_finding(finding_id)
    form = RepaymentForm()
    if form.validate_on_submit():
        upload = form.file.data if getattr(form.file.data, "filename", "") else None
        with saving(form) as saved:
            repayment = svc.add_repayment(
                current_user,
                finding,
                paid_on=form.paid_on.data,
                amount=form.amount.data,
                note=form.note.data,
                evidence=svc.FileEvidence(upload, form.paid_on.data) if upload else None,
                now=_now(),
            )
        if saved:
            flash(
                _(
                    "A repayment of %(amount)s has been recorded; the balance is %(balance)s.",
                    amount=svc.format_rupiah(repayment.amount),
                    balance=svc.format_rupiah(finding.balance),
                ),
                "success",
            )
            return redirect(url_for("findings.detail", finding_id=finding.id, _anchor="repayments"))
    finding = _load_finding(finding_id)
    return _detail(finding, repayment_form=form, status=400)


@bp.route("/repayments/<int:repayment_id>/delete", methods=["POST"])
@requires(P.MANAGE_FINDINGS)
def repayment_delete(repayment_id: int) -> ResponseReturnValue:
    repayment = db.get_or_404(Repayment, repayment_id)
    finding_id = repayment.finding_id
    with saving() as saved:
        names = svc.delete_repayment(current_user, repayment, now=_now())
    if saved:
        for name in names:
            delete_stored(name)
        flash(_("The repayment has been removed."), "success")
    return redirect(url_for("findings.detail", finding_id=finding_id, _anchor="repayments"))


@bp.route("/evidence/<int:evidence_id>")
@login_only
def evidence(evidence_id: int) -> ResponseReturnValue:
    item = db.session.scalars(
        select(FindingEvidence)
        .where(FindingEvidence.id == evidence_id)
        .options(
            joinedload(FindingEvidence.follow_up).joinedload(FollowUp.recommendation),
            joinedload(FindingEvidence.repayment),
        )
    ).first()
    if item is None or item.kind is not EvidenceKind.FILE or not item.stored_name:
        abort(404)
    if item.follow_up is not None:
        visible = db.session.scalar(
            scope_recommendations(
                select(Recommendation.id).where(
                    Recommendation.id == item.follow_up.recommendation_id
                )
            )
        )
    else:
        assert item.repayment is not None
        visible = db.session.scalar(
            scope_findings(select(Finding.id).where(Finding.id == item.repayment.finding_id))
        )
    if visible is None:
        abort(404)
    try:
        response = send_stored(
            item.stored_name, item.original_name or "bukti", item.content_type or ""
        )
    except FileNotFoundError:
        abort(404)
    return response


# The other sub-areas add their routes to ``bp`` (imported last: they use the helpers above).
from tracker.blueprints.findings import decisions, grades, reports, siptl  # noqa: E402, F401
