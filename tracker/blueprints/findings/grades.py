"""The semester monitoring matrix (page, XLSX, PDF), the grades history and a workshop's
"catatan tahun lalu"."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from flask import (
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
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload

from tracker.blueprints.findings.charts import grades_svg
from tracker.blueprints.findings.forms import (
    EvaluationResultEditForm,
    EvaluationResultForm,
)
from tracker.blueprints.findings.matrix import matrix_pdf, matrix_workbook, report_label
from tracker.blueprints.findings.routes import (
    RESULT_FIELDS,
    _active_opds,
    _form_page,
    _today,
    bp,
)
from tracker.documents import pdf_response, safe_filename, xlsx_response
from tracker.extensions import db
from tracker.i18n import to_wib
from tracker.listing import int_arg, semester_arg
from tracker.models import Opd, Person
from tracker.models.finding import (
    EvaluationResult,
    Finding,
    Grade,
    Instrument,
    Outcome,
    Recommendation,
    Report,
    UnfollowableReason,
)
from tracker.models.workshop import Workshop
from tracker.permissions import (
    P,
    can,
    login_only,
    requires,
    scope_opd_ids,
    scope_recommendations,
    scope_workshops,
)
from tracker.saving import saving
from tracker.services import findings as svc
from tracker.services import grades as grade_svc
from tracker.services import signatories
from tracker.services import tlhp_matrix as tlhp

# --- the monitoring matrix -------------------------------------------------------------


@dataclass
class MatrixScope:
    """What the matrix is asked for: ?semester=2023-S2, ?opd=, ?report=, ?year=."""

    period: str
    opd: Opd | None
    report: Report | None
    year: int | None
    periods: list[str]

    @property
    def args(self) -> dict[str, Any]:
        return {
            "semester": self.period,
            "opd": self.opd.id if self.opd else None,
            "report": self.report.id if self.report else None,
            "year": self.year,
        }


def _matrix_args() -> MatrixScope:
    """The semester, the OPD (an OPD user's own), the report and the report year asked for;
    an OPD or report the user may not see is a 404."""
    today = _today()
    first_received = db.session.scalar(select(func.min(Report.received_on)))
    current = svc.period_of(today)
    first = svc.period_of(first_received) if first_received else current
    periods = svc.periods_between(min(first, current), current)
    period = semester_arg(today)
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
    report = None
    report_id = int_arg("report")
    if report_id is not None:
        report = tlhp.visible_report(report_id, current_user)
        if report is None:
            abort(404)
    return MatrixScope(period, opd, report, int_arg("year"), periods)


def _matrix(scope: MatrixScope) -> tlhp.Matrix:
    recs = tlhp.load(
        scope.period, user=current_user, opd=scope.opd, report=scope.report, year=scope.year
    )
    return tlhp.build_matrix(recs, scope.period, today=_today())


def _matrix_filename(scope: MatrixScope, extension: str) -> str:
    """matriks-tindak-lanjut-2023-S2[-<OPD>][-<report number>][-<year>]."""
    stem = f"matriks-tindak-lanjut-{scope.period}"
    if scope.opd is not None:
        stem += f"-{scope.opd.code}"
    if scope.report is not None:
        stem += f"-{scope.report.kind.short}-{scope.report.number}"
    if scope.year is not None:
        stem += f"-{scope.year}"
    return safe_filename(stem, extension)


@bp.route("/matrix")
@login_only
def matrix() -> ResponseReturnValue:
    scope = _matrix_args()
    result = _matrix(scope)
    scoped = scope_opd_ids(current_user) is not None
    return render_template(
        "findings/matrix.html",
        matrix=result,
        opd=scope.opd,
        report=scope.report,
        year=scope.year,
        outcomes=list(Outcome),
        mark=tlhp.MARK,
        period_options=[(p, svc.period_label(p)) for p in scope.periods],
        opd_options=[] if scoped else [(o.id, f"{o.code} — {o.name}") for o in _active_opds()],
        report_options=[(r.id, report_label(r)) for r in tlhp.report_options(current_user)],
        year_options=list(
            db.session.scalars(select(Report.year).distinct().order_by(Report.year.desc()))
        ),
        args=scope.args,
    )


@bp.route("/matrix.xlsx")
@login_only
def matrix_xlsx() -> Response:
    scope = _matrix_args()
    result = _matrix(scope)
    workbook = matrix_workbook(result, scope.opd, scope.report)
    return xlsx_response(workbook, _matrix_filename(scope, "xlsx"))


def _signer_person() -> Person | None:
    return signatories.inspektur()


@bp.route("/matrix.pdf")
@login_only
def matrix_pdf_view() -> Response:
    scope = _matrix_args()
    result = _matrix(scope)
    data = matrix_pdf(result, scope.opd, _signer_person(), scope.report)
    return pdf_response(data, _matrix_filename(scope, "pdf"))


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
    with saving() as saved:
        grade_svc.delete_result(current_user, result)
    if saved:
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
