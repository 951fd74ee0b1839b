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
from collections import defaultdict
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
from sqlalchemy import String, and_, cast, exists, func, or_, select
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload
from wtforms import SelectChoice

from tracker.blueprints.findings.forms import (
    FollowUpForm,
    RepaymentForm,
    ReviewForm,
)
from tracker.extensions import db
from tracker.forms import attach_error, load_original, sign_original
from tracker.i18n import date_short
from tracker.listing import Listing, int_arg
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
from tracker.services import findings as svc
from tracker.services.errors import ConflictError, DomainError
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
)
RECOMMENDATION_FIELDS = ("number", "text", "opd_id", "due_on")
RESULT_FIELDS = ("instrument", "year", "region", "score", "grade", "source")
NOT_REVIEWED = "none"
OUTCOME_FILTERS = [o.value for o in Outcome] + [NOT_REVIEWED]


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
    status = 200
    changes: dict[str, tuple[Any, Any]] = {}
    if request.method == "GET":
        if record is not None:
            form.original.data = sign_original(record, fields)
    elif form.validate_on_submit():
        original = load_original(form.original.data, record) if record is not None else None
        try:
            result = save(original)
        except ConflictError as exc:
            db.session.rollback()
            changes = {k: (_describe(a), _describe(b)) for k, (a, b) in exc.changes.items()}
            form.form_errors.append(exc.message)
            form.version.data = record.version
            form.version.raw_data = [str(record.version)]
            form.original.data = sign_original(record, fields)
            status = 409
        except DomainError as exc:
            db.session.rollback()
            attach_error(form, exc)
            status = 400
        else:
            db.session.commit()
            flash(success(result), "success")
            return redirect(next_url(result))
    else:
        status = 400
    return render_template(
        template, form=form, record=record, changes=changes, labels=_labels(form), **context
    ), status


def _opd_choices(opds: Iterable[Opd]) -> list[SelectChoice]:
    return [SelectChoice(str(o.id), f"{o.code} — {o.name}") for o in opds]


def _active_opds(keep: Iterable[int] = ()) -> list[Opd]:
    keep = list(keep)
    return list(
        db.session.scalars(
            select(Opd)
            .where(or_(Opd.active.is_(True), Opd.id.in_(keep)))
            .order_by(Opd.sort_order, Opd.name)
        )
    )


def _awaiting_condition() -> Any:
    return and_(
        Recommendation.last_follow_up_at.is_not(None),
        or_(
            Recommendation.last_reviewed_at.is_(None),
            Recommendation.last_follow_up_at > Recommendation.last_reviewed_at,
        ),
    )


def _scope_condition() -> Any:
    """The condition on Recommendation for the current user (None: every OPD)."""
    allowed = scope_opd_ids(current_user)
    if allowed is None:
        return None
    return Recommendation.opd_id.in_(sorted(allowed)) if allowed else Recommendation.id.is_(None)


def _visible_reports() -> list[Report]:
    stmt = select(Report).order_by(Report.year.desc(), Report.kind, Report.number)
    condition = _scope_condition()
    if condition is not None:
        stmt = stmt.where(
            exists()
            .where(Finding.report_id == Report.id, Recommendation.finding_id == Finding.id)
            .where(condition)
        )
    return list(db.session.scalars(stmt))


def _report_label(report: Report) -> str:
    return f"{report.kind.short} {report.year} — {report.number}"


# --- the list --------------------------------------------------------------------------


@bp.route("/")
@login_only
def index() -> ResponseReturnValue:
    today = _today()
    finding_conds: list[Any] = []
    rec_conds: list[Any] = []
    scope_cond = _scope_condition()
    if scope_cond is not None:
        rec_conds.append(scope_cond)

    report_id = int_arg("report")
    if report_id is not None:
        finding_conds.append(Finding.report_id == report_id)
    year = int_arg("year")
    if year is not None:
        finding_conds.append(Report.year == year)
    kind = request.args.get("kind", "")
    if kind in {k.value for k in ReportKind}:
        finding_conds.append(Report.kind == ReportKind(kind))
    else:
        kind = ""
    opd_id = int_arg("opd") if scope_cond is None else None
    if opd_id is not None:
        rec_conds.append(Recommendation.opd_id == opd_id)
    outcome = request.args.get("outcome", "")
    outcome_cond = None
    if outcome == NOT_REVIEWED:
        outcome_cond = Recommendation.outcome.is_(None)
    elif outcome in {o.value for o in Outcome}:
        outcome_cond = Recommendation.outcome == Outcome(outcome)
    else:
        outcome = ""
    overdue = request.args.get("overdue") == "1"
    if overdue:
        rec_conds.append(svc.overdue_clause(today))
    awaiting = request.args.get("awaiting") == "1"
    if awaiting:
        rec_conds.append(_awaiting_condition())
    q = request.args.get("q", "").strip()[:100]
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        other = aliased(Recommendation)  # not correlated with an outer Recommendation
        rec_text = select(other.id).where(
            other.finding_id == Finding.id, other.text.ilike(pattern, escape="\\")
        )
        allowed = scope_opd_ids(current_user)
        if allowed is not None:
            rec_text = rec_text.where(other.opd_id.in_(sorted(allowed)))
        finding_conds.append(
            or_(
                Finding.title.ilike(pattern, escape="\\"),
                Finding.number.ilike(pattern, escape="\\"),
                Finding.condition.ilike(pattern, escape="\\"),
                Report.number.ilike(pattern, escape="\\"),
                cast(Report.year, String).ilike(pattern, escape="\\"),
                rec_text.exists(),
            )
        )

    # The summary counts every outcome under the other filters.
    counted_conds = list(rec_conds)
    if outcome_cond is not None:
        rec_conds.append(outcome_cond)
    stmt = (
        select(Finding)
        .join(Finding.report)
        .options(contains_eager(Finding.report), selectinload(Finding.opds))
        .where(*finding_conds)
    )
    stmt = scope_findings(stmt)
    if rec_conds:
        stmt = stmt.where(
            select(Recommendation.id)
            .where(Recommendation.finding_id == Finding.id, *rec_conds)
            .exists()
        )
    listing = Listing(
        stmt,
        sorts={
            "report": [0 - Report.year, Report.kind, Report.number, func.length(Finding.number)],
            "number": [func.length(Finding.number), Finding.number],
            "title": Finding.title,
            "received": Report.received_on,
        },
        default_sort="report",
        tiebreak=Finding.id,
    )
    ids = [f.id for f in listing.items]
    recs: dict[int, list[Recommendation]] = defaultdict(list)
    if ids:
        rows = db.session.scalars(
            select(Recommendation)
            .where(Recommendation.finding_id.in_(ids), *rec_conds)
            .options(joinedload(Recommendation.opd))
            .order_by(func.length(Recommendation.number), Recommendation.number, Recommendation.id)
        )
        for rec in rows:
            recs[rec.finding_id].append(rec)

    counts_stmt = (
        select(Recommendation.outcome, func.count())
        .join(Finding, Recommendation.finding_id == Finding.id)
        .join(Report, Finding.report_id == Report.id)
        .where(*finding_conds, *counted_conds)
        .group_by(Recommendation.outcome)
    )
    counts = {
        (row[0].value if row[0] else NOT_REVIEWED): row[1]
        for row in db.session.execute(counts_stmt)
    }
    total = sum(counts.values())
    return render_template(
        "findings/index.html",
        listing=listing,
        recs=recs,
        today=today,
        counts=counts,
        total=total,
        rate=svc.completion_rate(counts.get(Outcome.SESUAI.value, 0), total),
        filters={
            "report": report_id,
            "year": year,
            "kind": kind,
            "opd": opd_id,
            "outcome": outcome,
            "overdue": overdue,
            "awaiting": awaiting,
        },
        report_options=[(r.id, _report_label(r)) for r in _visible_reports()],
        year_options=list(
            db.session.scalars(select(Report.year).distinct().order_by(Report.year.desc()))
        ),
        kind_options=[(k.value, k.short) for k in ReportKind],
        opd_options=(
            [(o.id, f"{o.code} — {o.name}") for o in _active_opds()] if scope_cond is None else []
        ),
        outcome_options=[(o.value, o.numbered) for o in Outcome]
        + [(NOT_REVIEWED, _("Not reviewed yet (counted as 3 in the matrix)"))],
    )


# --- the finding page ------------------------------------------------------------------


def _load_finding(finding_id: int) -> Finding:
    stmt = (
        select(Finding)
        .where(Finding.id == finding_id)
        .options(
            joinedload(Finding.report),
            selectinload(Finding.opds),
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
        try:
            svc.submit_follow_up(
                current_user,
                rec,
                description=form.description.data,
                files=files,
                links=links,
                now=_now(),
            )
        except DomainError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            db.session.commit()
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
        try:
            result = svc.record_review(
                current_user,
                rec,
                period=form.period.data,
                outcome=form.outcome.data,
                reason=form.reason.data or None,
                new_due_on=form.new_due_on.data,
                note=form.note.data,
                now=_now(),
            )
        except DomainError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            db.session.commit()
            flash(
                _(
                    "Recommendation %(number)s: %(outcome)s (%(period)s).",
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
        try:
            repayment = svc.add_repayment(
                current_user,
                finding,
                paid_on=form.paid_on.data,
                amount=form.amount.data,
                note=form.note.data,
                evidence=svc.FileEvidence(upload, form.paid_on.data) if upload else None,
                now=_now(),
            )
        except DomainError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            db.session.commit()
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
    try:
        names = svc.delete_repayment(current_user, repayment, now=_now())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
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
from tracker.blueprints.findings import grades, reports  # noqa: E402, F401
