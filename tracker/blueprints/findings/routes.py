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
    Response,
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

from tracker.blueprints.findings.charts import grades_svg
from tracker.blueprints.findings.forms import (
    EvaluationResultEditForm,
    EvaluationResultForm,
    FindingEditForm,
    FindingForm,
    FollowUpForm,
    RecommendationEditForm,
    RecommendationForm,
    RepaymentForm,
    ReportEditForm,
    ReportForm,
    ReviewForm,
)
from tracker.blueprints.findings.matrix import matrix_pdf, matrix_workbook
from tracker.documents import pdf_response, safe_filename, xlsx_response
from tracker.extensions import db
from tracker.forms import attach_error, load_original, sign_original
from tracker.i18n import date_short, to_wib
from tracker.listing import Listing, int_arg
from tracker.models import HierarchyRole, Opd, Person
from tracker.models.base import utcnow
from tracker.models.finding import (
    EvaluationResult,
    EvidenceKind,
    Finding,
    FindingEvidence,
    FollowUp,
    Grade,
    Instrument,
    Outcome,
    Recommendation,
    RecommendationReview,
    Repayment,
    Report,
    ReportKind,
    UnfollowableReason,
)
from tracker.models.workshop import Workshop
from tracker.permissions import (
    P,
    can,
    can_answer_recommendation,
    login_only,
    requires,
    scope_findings,
    scope_opd_ids,
    scope_recommendations,
    scope_workshops,
)
from tracker.services import findings as svc
from tracker.services import grades as grade_svc
from tracker.services.errors import ConflictError, DomainError, NotAllowed
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
        except NotAllowed:
            db.session.rollback()
            abort(403)
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
        except NotAllowed:
            db.session.rollback()
            abort(403)
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
        except NotAllowed:
            db.session.rollback()
            abort(403)
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


# --- reports ---------------------------------------------------------------------------


def _report_counts(ids: list[int]) -> dict[int, dict[str, int]]:
    """Findings, recommendations and settled recommendations per report, in one query."""
    counts: dict[int, dict[str, int]] = {i: {"findings": 0, "recs": 0, "settled": 0} for i in ids}
    if not ids:
        return counts
    rows = db.session.execute(
        select(
            Finding.report_id,
            func.count(func.distinct(Finding.id)),
            func.count(Recommendation.id),
            func.count(Recommendation.id).filter(Recommendation.outcome == Outcome.SESUAI),
        )
        .outerjoin(Recommendation, Recommendation.finding_id == Finding.id)
        .where(Finding.report_id.in_(ids))
        .group_by(Finding.report_id)
    )
    for report_id, findings_n, recs_n, settled_n in rows:
        counts[report_id] = {"findings": findings_n, "recs": recs_n, "settled": settled_n}
    return counts


@bp.route("/reports")
@requires(P.VIEW_ALL)
def reports() -> ResponseReturnValue:
    stmt = select(Report)
    kind = request.args.get("kind", "")
    if kind in {k.value for k in ReportKind}:
        stmt = stmt.where(Report.kind == ReportKind(kind))
    else:
        kind = ""
    year = int_arg("year")
    if year is not None:
        stmt = stmt.where(Report.year == year)
    listing = Listing(
        stmt,
        sorts={
            "year": [Report.year, Report.kind, Report.number],
            "kind": [Report.kind, Report.year],
            "number": Report.number,
            "issuer": Report.issuer,
            "received": Report.received_on,
            "grade": Report.score,
        },
        default_sort="year",
        default_direction="desc",
        search=[Report.number, Report.title, Report.issuer],
        tiebreak=Report.id,
    )
    counts = _report_counts([r.id for r in listing.items])
    return render_template(
        "findings/reports.html",
        listing=listing,
        counts=counts,
        rates={i: svc.completion_rate(c["settled"], c["recs"]) for i, c in counts.items()},
        kind_filter=kind,
        year_filter=year,
        kind_options=[(k.value, k.short) for k in ReportKind],
        year_options=list(
            db.session.scalars(select(Report.year).distinct().order_by(Report.year.desc()))
        ),
    )


def _report_kwargs(form: ReportForm) -> dict[str, Any]:
    return {
        "kind": ReportKind(form.kind.data),
        "year": form.year.data,
        "number": form.number.data,
        "title": form.title.data,
        "issuer": form.issuer.data,
        "issued_on": form.issued_on.data,
        "received_on": form.received_on.data,
        "grade": Grade(form.grade.data) if form.grade.data else None,
        "score": form.score.data,
        "note": form.note.data,
    }


@bp.route("/reports/new", methods=["GET", "POST"])
@requires(P.MANAGE_FINDINGS)
def report_new() -> ResponseReturnValue:
    form = ReportForm()
    if request.method == "GET":
        form.year.data = _today().year - 1
    return _form_page(
        form,
        lambda _original: svc.create_report(current_user, now=_now(), **_report_kwargs(form)),
        template="findings/report_form.html",
        success=lambda r: _("The report %(name)s has been registered.", name=_report_label(r)),
        next_url=lambda r: url_for("findings.report_detail", report_id=r.id),
    )


def _load_report(report_id: int) -> Report:
    report = db.session.scalars(
        select(Report)
        .where(Report.id == report_id)
        .options(
            selectinload(Report.findings).selectinload(Finding.opds),
            selectinload(Report.findings)
            .selectinload(Finding.recommendations)
            .joinedload(Recommendation.opd),
            selectinload(Report.findings).selectinload(Finding.repayments),
        )
    ).first()
    if report is None:
        abort(404)
    return report


@bp.route("/reports/<int:report_id>")
@requires(P.VIEW_ALL)
def report_detail(report_id: int) -> ResponseReturnValue:
    report = _load_report(report_id)
    recs = [r for f in report.findings for r in f.recommendations]
    settled = sum(1 for r in recs if r.outcome is Outcome.SESUAI)
    return render_template(
        "findings/report_detail.html",
        report=report,
        recs=recs,
        rate=svc.completion_rate(settled, len(recs)),
        today=_today(),
    )


@bp.route("/reports/<int:report_id>/edit", methods=["GET", "POST"])
@requires(P.MANAGE_FINDINGS)
def report_edit(report_id: int) -> ResponseReturnValue:
    report = _load_report(report_id)
    form = ReportEditForm(obj=report if request.method == "GET" else None)
    if request.method == "GET":
        form.kind.data = report.kind.value
        form.grade.data = report.grade.value if report.grade else ""
    return _form_page(
        form,
        lambda original: svc.update_report(
            current_user,
            report,
            now=_now(),
            expected_version=form.version.data,
            original=original,
            **_report_kwargs(form),
        ),
        template="findings/report_form.html",
        success=lambda _r: _("The report %(name)s has been saved.", name=_report_label(report)),
        next_url=lambda _r: url_for("findings.report_detail", report_id=report.id),
        record=report,
        fields=REPORT_FIELDS,
    )


@bp.route("/reports/<int:report_id>/delete", methods=["POST"])
@requires(P.MANAGE_FINDINGS)
def report_delete(report_id: int) -> ResponseReturnValue:
    report = _load_report(report_id)
    label = _report_label(report)
    try:
        svc.delete_report(current_user, report)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("findings.report_detail", report_id=report_id))
    db.session.commit()
    flash(_("The report %(name)s has been deleted.", name=label), "success")
    return redirect(url_for("findings.reports"))


# --- findings and recommendations (Inspektorat) -----------------------------------------


def _finding_kwargs(form: FindingForm) -> dict[str, Any]:
    return {
        "number": form.number.data,
        "title": form.title.data,
        "condition": form.condition.data,
        "criteria": form.criteria.data,
        "cause": form.cause.data,
        "effect": form.effect.data,
        "is_financial": bool(form.is_financial.data),
        "amount_to_recover": form.amount_to_recover.data if form.is_financial.data else None,
        "opd_ids": form.opd_ids.data or [],
    }


def _next_number(numbers: Iterable[str]) -> str:
    values = [int(n) for n in numbers if n.isdigit()]
    return str(max(values, default=0) + 1)


@bp.route("/reports/<int:report_id>/findings/new", methods=["GET", "POST"])
@requires(P.MANAGE_FINDINGS)
def finding_new(report_id: int) -> ResponseReturnValue:
    report = _load_report(report_id)
    form = FindingForm()
    form.opd_ids.choices = _opd_choices(_active_opds())
    if request.method == "GET":
        form.number.data = _next_number(f.number for f in report.findings)
    return _form_page(
        form,
        lambda _original: svc.create_finding(current_user, report, **_finding_kwargs(form)),
        template="findings/finding_form.html",
        success=lambda f: _("Finding %(number)s has been added.", number=f.number),
        next_url=lambda f: url_for("findings.detail", finding_id=f.id),
        report=report,
    )


@bp.route("/<int:finding_id>/edit", methods=["GET", "POST"])
@requires(P.MANAGE_FINDINGS)
def finding_edit(finding_id: int) -> ResponseReturnValue:
    finding = _load_finding(finding_id)
    form = FindingEditForm(obj=finding if request.method == "GET" else None)
    form.opd_ids.choices = _opd_choices(_active_opds(o.id for o in finding.opds))
    if request.method == "GET":
        form.opd_ids.data = [o.id for o in finding.opds]
    return _form_page(
        form,
        lambda original: svc.update_finding(
            current_user,
            finding,
            expected_version=form.version.data,
            original=original,
            **_finding_kwargs(form),
        ),
        template="findings/finding_form.html",
        success=lambda _r: _("Finding %(number)s has been saved.", number=finding.number),
        next_url=lambda _r: url_for("findings.detail", finding_id=finding.id),
        record=finding,
        fields=FINDING_FIELDS,
        report=finding.report,
    )


@bp.route("/<int:finding_id>/delete", methods=["POST"])
@requires(P.MANAGE_FINDINGS)
def finding_delete(finding_id: int) -> ResponseReturnValue:
    finding = _load_finding(finding_id)
    report_id = finding.report_id
    number = finding.number
    try:
        svc.delete_finding(current_user, finding)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("findings.detail", finding_id=finding_id))
    db.session.commit()
    flash(_("Finding %(number)s has been deleted.", number=number), "success")
    return redirect(url_for("findings.report_detail", report_id=report_id))


def _rec_kwargs(form: RecommendationForm) -> dict[str, Any]:
    return {
        "number": form.number.data,
        "text": form.text.data,
        "opd_id": form.opd_id.data,
        "due_on": form.due_on.data,
    }


@bp.route("/<int:finding_id>/recommendations/new", methods=["GET", "POST"])
@requires(P.MANAGE_FINDINGS)
def recommendation_new(finding_id: int) -> ResponseReturnValue:
    finding = _load_finding(finding_id)
    form = RecommendationForm()
    form.opd_id.choices = _opd_choices(finding.opds)
    if request.method == "GET":
        form.number.data = _next_number(r.number for r in finding.recommendations)
        if len(finding.opds) == 1:
            form.opd_id.data = finding.opds[0].id
    return _form_page(
        form,
        lambda _original: svc.create_recommendation(current_user, finding, **_rec_kwargs(form)),
        template="findings/recommendation_form.html",
        success=lambda r: _("Recommendation %(number)s has been added.", number=r.number),
        next_url=lambda r: url_for("findings.detail", finding_id=finding.id, _anchor=f"rec-{r.id}"),
        finding=finding,
        default_due=svc.default_due_on(finding.report.received_on),
    )


@bp.route("/recommendations/<int:rec_id>/edit", methods=["GET", "POST"])
@requires(P.MANAGE_FINDINGS)
def recommendation_edit(rec_id: int) -> ResponseReturnValue:
    rec = _load_recommendation(rec_id)
    finding = _load_finding(rec.finding_id)
    form = RecommendationEditForm(obj=rec if request.method == "GET" else None)
    form.opd_id.choices = _opd_choices(finding.opds)
    return _form_page(
        form,
        lambda original: svc.update_recommendation(
            current_user,
            rec,
            **_rec_kwargs(form),
            expected_version=form.version.data,
            original=original,
        ),
        template="findings/recommendation_form.html",
        success=lambda _r: _("Recommendation %(number)s has been saved.", number=rec.number),
        next_url=lambda _r: url_for(
            "findings.detail", finding_id=finding.id, _anchor=f"rec-{rec.id}"
        ),
        record=rec,
        fields=RECOMMENDATION_FIELDS,
        finding=finding,
        default_due=svc.default_due_on(finding.report.received_on),
    )


@bp.route("/recommendations/<int:rec_id>/delete", methods=["POST"])
@requires(P.MANAGE_FINDINGS)
def recommendation_delete(rec_id: int) -> ResponseReturnValue:
    rec = _load_recommendation(rec_id)
    finding_id = rec.finding_id
    number = rec.number
    try:
        svc.delete_recommendation(current_user, rec)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(_("Recommendation %(number)s has been deleted.", number=number), "success")
    return redirect(url_for("findings.detail", finding_id=finding_id))


# --- the monitoring matrix -------------------------------------------------------------


def _matrix_args() -> tuple[str, Opd | None, int | None, list[str]]:
    """The semester (?semester=2023-S2), the OPD (?opd=) and report year (?year=)."""
    today = _today()
    first_received = db.session.scalar(select(func.min(Report.received_on)))
    current = svc.period_of(today)
    first = svc.period_of(first_received) if first_received else current
    periods = svc.periods_between(min(first, current), current)
    raw = request.args.get("semester", "").strip()
    if raw:
        try:
            period = svc.parse_period(raw, field="semester")
        except DomainError:
            abort(400)
        if period > current:
            abort(400)
    else:
        period = current
    opd = None
    opd_id = int_arg("opd")
    if opd_id is not None:
        opd = db.session.get(Opd, opd_id)
        if opd is None:
            abort(404)
    allowed = scope_opd_ids(current_user)
    if allowed is not None:
        if opd is not None and opd.id not in allowed:
            abort(404)
        if opd is None and len(allowed) == 1:
            opd = db.session.get(Opd, next(iter(allowed)))
    return period, opd, int_arg("year"), periods


def _matrix(period: str, opd: Opd | None, year: int | None) -> svc.Matrix:
    _start, end = svc.period_bounds(period)
    stmt = (
        select(Recommendation)
        .join(Recommendation.finding)
        .join(Finding.report)
        .options(
            contains_eager(Recommendation.finding).contains_eager(Finding.report),
            contains_eager(Recommendation.finding).selectinload(Finding.repayments),
            contains_eager(Recommendation.finding).selectinload(Finding.opds),
            joinedload(Recommendation.opd),
            selectinload(Recommendation.reviews),
            selectinload(Recommendation.follow_ups).selectinload(FollowUp.evidence),
        )
        .where(Report.received_on <= end)
    )
    if opd is not None:
        stmt = stmt.where(Recommendation.opd_id == opd.id)
    if year is not None:
        stmt = stmt.where(Report.year == year)
    recs = list(db.session.scalars(scope_recommendations(stmt)).unique())
    return svc.build_matrix(recs, period, today=_today())


def _matrix_filename(matrix: svc.Matrix, opd: Opd | None, extension: str) -> str:
    stem = f"matriks-tindak-lanjut-{matrix.period}"
    if opd is not None:
        stem += f"-{opd.code}"
    return safe_filename(stem, extension)


@bp.route("/matrix")
@login_only
def matrix() -> ResponseReturnValue:
    period, opd, year, periods = _matrix_args()
    result = _matrix(period, opd, year)
    scoped = scope_opd_ids(current_user) is not None
    return render_template(
        "findings/matrix.html",
        matrix=result,
        opd=opd,
        year=year,
        period_options=[(p, svc.period_label(p)) for p in periods],
        opd_options=[] if scoped else [(o.id, f"{o.code} — {o.name}") for o in _active_opds()],
        year_options=list(
            db.session.scalars(select(Report.year).distinct().order_by(Report.year.desc()))
        ),
        args={"semester": period, "opd": opd.id if opd else None, "year": year},
    )


@bp.route("/matrix.xlsx")
@login_only
def matrix_xlsx() -> Response:
    period, opd, year, _periods = _matrix_args()
    result = _matrix(period, opd, year)
    return xlsx_response(matrix_workbook(result, opd), _matrix_filename(result, opd, "xlsx"))


def _signer_person() -> Person | None:
    return db.session.scalars(
        select(Person)
        .where(Person.hierarchy_role == HierarchyRole.INSPEKTUR, Person.active.is_(True))
        .order_by(Person.id)
        .limit(1)
    ).first()


@bp.route("/matrix.pdf")
@login_only
def matrix_pdf_view() -> Response:
    period, opd, year, _periods = _matrix_args()
    result = _matrix(period, opd, year)
    data = matrix_pdf(result, opd, _signer_person())
    return pdf_response(data, _matrix_filename(result, opd, "pdf"))


# --- grades history --------------------------------------------------------------------


def _results() -> list[EvaluationResult]:
    return list(
        db.session.scalars(
            select(EvaluationResult).order_by(
                EvaluationResult.instrument, EvaluationResult.year, EvaluationResult.region
            )
        )
    )


def _home_region() -> str:
    return str(current_app.config.get("FINDINGS_HOME_REGION") or grade_svc.HOME_REGION)


@bp.route("/grades")
@login_only
def grades() -> ResponseReturnValue:
    return render_template(
        "findings/grades.html",
        comparisons=grade_svc.comparisons(_results(), _home_region()),
        home=_home_region(),
        manage=can(P.MANAGE_REFERENCE),
        scale=grade_svc.GRADE_SCALE,
    )


@bp.route("/grades.svg")
@login_only
def grades_chart() -> Response:
    raw = request.args.get("instrument", Instrument.SAKIP.value)
    if raw not in {i.value for i in Instrument}:
        abort(404)
    instrument = Instrument(raw)
    comparison = next(
        c for c in grade_svc.comparisons(_results(), _home_region()) if c.instrument is instrument
    )
    svg = grades_svg(
        comparison,
        title=_("%(instrument)s grades per year", instrument=instrument.label),
        empty_text=_("No results have been entered yet."),
    )
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _result_kwargs(form: EvaluationResultForm) -> dict[str, Any]:
    return {
        "instrument": Instrument(form.instrument.data),
        "year": form.year.data,
        "region": form.region.data,
        "score": form.score.data,
        "grade": Grade(form.grade.data) if form.grade.data else None,
        "source": form.source.data,
    }


def _region_options() -> list[str]:
    known = set(db.session.scalars(select(EvaluationResult.region).distinct()))
    return grade_svc.region_order(known | {_home_region(), *grade_svc.PEER_REGIONS}, _home_region())


@bp.route("/grades/new", methods=["GET", "POST"])
@requires(P.MANAGE_REFERENCE)
def grade_new() -> ResponseReturnValue:
    form = EvaluationResultForm()
    if request.method == "GET":
        form.year.data = _today().year - 1
        form.region.data = _home_region()
        if request.args.get("instrument") in {i.value for i in Instrument}:
            form.instrument.data = request.args["instrument"]
    return _form_page(
        form,
        lambda _original: grade_svc.create_result(current_user, **_result_kwargs(form)),
        template="findings/grade_form.html",
        success=lambda r: _(
            "%(region)s %(year)d: grade %(grade)s saved.",
            region=r.region,
            year=r.year,
            grade=r.grade.value,
        ),
        next_url=lambda _r: url_for("findings.grades"),
        regions=_region_options(),
    )


@bp.route("/grades/<int:result_id>/edit", methods=["GET", "POST"])
@requires(P.MANAGE_REFERENCE)
def grade_edit(result_id: int) -> ResponseReturnValue:
    result = db.get_or_404(EvaluationResult, result_id)
    form = EvaluationResultEditForm(obj=result if request.method == "GET" else None)
    if request.method == "GET":
        form.instrument.data = result.instrument.value
        form.grade.data = "" if result.score is not None else result.grade.value
    return _form_page(
        form,
        lambda original: grade_svc.update_result(
            current_user,
            result,
            **_result_kwargs(form),
            expected_version=form.version.data,
            original=original,
        ),
        template="findings/grade_form.html",
        success=lambda _r: _(
            "%(region)s %(year)d: grade %(grade)s saved.",
            region=result.region,
            year=result.year,
            grade=result.grade.value,
        ),
        next_url=lambda _r: url_for("findings.grades"),
        record=result,
        fields=RESULT_FIELDS,
        regions=_region_options(),
    )


@bp.route("/grades/<int:result_id>/delete", methods=["POST"])
@requires(P.MANAGE_REFERENCE)
def grade_delete(result_id: int) -> ResponseReturnValue:
    result = db.get_or_404(EvaluationResult, result_id)
    label = f"{result.region} {result.year}"
    grade_svc.delete_result(current_user, result)
    db.session.commit()
    flash(_("The result %(name)s has been deleted.", name=label), "success")
    return redirect(url_for("findings.grades"))


# --- a workshop's "catatan tahun lalu" -------------------------------------------------


@bp.route("/workshop/<int:workshop_id>")
@login_only
def workshop_notes(workshop_id: int) -> ResponseReturnValue:
    workshop = db.session.scalars(
        scope_workshops(select(Workshop).where(Workshop.id == workshop_id))
    ).first()
    if workshop is None:
        abort(404)
    year = to_wib(workshop.starts_at).year - 1
    stmt = (
        select(Recommendation)
        .join(Recommendation.finding)
        .join(Finding.report)
        .options(
            contains_eager(Recommendation.finding).contains_eager(Finding.report),
            joinedload(Recommendation.opd),
        )
        .where(Report.year == year)
        .order_by(
            Report.kind,
            Report.number,
            func.length(Finding.number),
            Finding.number,
            Finding.id,
            func.length(Recommendation.number),
            Recommendation.number,
            Recommendation.id,
        )
    )
    opd_id = int_arg("opd") if scope_opd_ids(current_user) is None else None
    if opd_id is not None:
        stmt = stmt.where(Recommendation.opd_id == opd_id)
    recs = list(db.session.scalars(scope_recommendations(stmt)).unique())
    groups: dict[int, dict[str, Any]] = {}
    for rec in recs:
        report = rec.finding.report
        group = groups.setdefault(report.id, {"report": report, "findings": {}})
        group["findings"].setdefault(rec.finding.id, {"finding": rec.finding, "recs": []})
        group["findings"][rec.finding.id]["recs"].append(rec)
    counts: dict[Outcome | None, int] = defaultdict(int)
    for rec in recs:
        counts[rec.outcome] += 1
    return render_template(
        "findings/workshop_notes.html",
        workshop=workshop,
        year=year,
        groups=list(groups.values()),
        counts=counts,
        total=len(recs),
        rate=svc.completion_rate(counts[Outcome.SESUAI], len(recs)),
        today=_today(),
        opd_filter=opd_id,
        opd_options=(
            [(o.id, f"{o.code} — {o.name}") for o in _active_opds()]
            if scope_opd_ids(current_user) is None
            else []
        ),
        outcomes=list(Outcome),
        reasons=list(UnfollowableReason),
    )
