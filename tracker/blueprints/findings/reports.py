"""Reports, their findings and recommendations: what the Inspektorat registers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from tracker.blueprints.findings.forms import (
    FindingEditForm,
    FindingForm,
    RecommendationEditForm,
    RecommendationForm,
    ReportEditForm,
    ReportForm,
)
from tracker.blueprints.findings.routes import (
    FINDING_FIELDS,
    RECOMMENDATION_FIELDS,
    REPORT_FIELDS,
    _active_opds,
    _form_page,
    _labels,
    _load_finding,
    _load_recommendation,
    _now,
    _opd_choices,
    _report_label,
    _today,
    bp,
)
from tracker.extensions import db
from tracker.models.finding import (
    Finding,
    Grade,
    Outcome,
    Recommendation,
    Report,
    ReportKind,
)
from tracker.models.reference import CodeKind
from tracker.permissions import (
    P,
    requires,
)
from tracker.saving import saving
from tracker.services import codes
from tracker.services import finding_list as lists
from tracker.services import findings as svc

# --- reports ---------------------------------------------------------------------------


@bp.route("/reports")
@requires(P.VIEW_ALL)
def reports() -> ResponseReturnValue:
    filters = lists.ReportFilters.from_args(request.args)
    found = lists.reports(filters, request.args)
    return render_template(
        "findings/reports.html",
        listing=found.listing,
        counts=found.counts,
        rates={i: svc.completion_rate(c["settled"], c["recs"]) for i, c in found.counts.items()},
        kind_filter=filters.kind,
        year_filter=filters.year,
        kind_options=[(k.value, k.short) for k in ReportKind],
        year_options=lists.report_years(),
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
            selectinload(Report.findings).joinedload(Finding.finding_code),
            selectinload(Report.findings).joinedload(Finding.cause_code),
            selectinload(Report.findings).selectinload(Finding.parties),
            selectinload(Report.findings)
            .selectinload(Finding.recommendations)
            .joinedload(Recommendation.opd),
            selectinload(Report.findings)
            .selectinload(Finding.recommendations)
            .joinedload(Recommendation.code),
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
    with saving() as saved:
        svc.delete_report(current_user, report)
    if not saved:
        return redirect(url_for("findings.report_detail", report_id=report_id))
    flash(_("The report %(name)s has been deleted.", name=label), "success")
    return redirect(url_for("findings.reports"))


# --- findings and recommendations (Inspektorat) -----------------------------------------


def _finding_kwargs(form: FindingForm) -> dict[str, Any]:
    financial = bool(form.is_financial.data)
    return {
        "number": form.number.data,
        "title": form.title.data,
        "condition": form.condition.data,
        "criteria": form.criteria.data,
        "cause": form.cause.data,
        "effect": form.effect.data,
        "is_financial": financial,
        "amount_to_recover": form.amount_to_recover.data if financial else None,
        "opd_ids": form.opd_ids.data or [],
        "finding_code_id": form.finding_code_id.data,
        "cause_code_id": form.cause_code_id.data,
        "value": form.value.data,
        "parties": [
            svc.PartyInput(
                e.form.name.data, e.form.nip.data, e.form.position.data, e.form.amount.data
            )
            for e in form.parties
        ],
    }


def _code_choices(kind: CodeKind, keep: Iterable[int | None], empty: str) -> list[SelectChoice]:
    """The codes a form offers, labelled "1.01.02 Name" and grouped under their group."""
    groups = codes.group_names(kind) if codes.is_dotted(kind) else {}
    choices = [SelectChoice("", empty)]
    for code in codes.offered(kind, keep):
        label = code.label if code.active else _("%(code)s (no longer in use)", code=code.label)
        parent = code.parent_code
        group = f"{parent} {groups[parent]}" if parent in groups else None
        choices.append(SelectChoice(str(code.id), label, optgroup=group))
    return choices


def _finding_codes(form: FindingForm, report: Report, finding: Finding | None = None) -> None:
    required = report.kind is ReportKind.LHP_BPK
    form.finding_code_id.choices = _code_choices(
        CodeKind.FINDING,
        [finding.finding_code_id] if finding else [],
        _("— choose the code —") if required else _("— none —"),
    )
    if required:
        form.finding_code_id.label.text = _("Finding code (required for an LHP BPK)")
    form.cause_code_id.choices = _code_choices(
        CodeKind.CAUSE, [finding.cause_code_id] if finding else [], _("— none —")
    )
    if len(form.cause_code_id.choices) == 1:
        form.cause_code_id.description = _(
            "No cause codes have been entered yet; the field stays empty."
        )


def _more_rows(form: FindingForm, **context: Any) -> ResponseReturnValue | None:
    """The "more rows" button: the same form again with three more empty party rows."""
    if request.method != "POST" or not request.form.get("more_parties"):
        return None
    form.add_party_rows(3)
    return render_template(
        "findings/finding_form.html",
        form=form,
        changes={},
        labels=_labels(form),
        **context,
    )


def _next_number(numbers: Iterable[str]) -> str:
    values = [int(n) for n in numbers if n.isdigit()]
    return str(max(values, default=0) + 1)


@bp.route("/reports/<int:report_id>/findings/new", methods=["GET", "POST"])
@requires(P.MANAGE_FINDINGS)
def finding_new(report_id: int) -> ResponseReturnValue:
    report = _load_report(report_id)
    form = FindingForm()
    form.opd_ids.choices = _opd_choices(_active_opds())
    _finding_codes(form, report)
    if request.method == "GET":
        form.number.data = _next_number(f.number for f in report.findings)
    more = _more_rows(form, record=None, report=report)
    if more is not None:
        return more
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
    _finding_codes(form, finding.report, finding)
    if request.method == "GET":
        form.opd_ids.data = [o.id for o in finding.opds]
        form.pad_parties()
    more = _more_rows(form, record=finding, report=finding.report)
    if more is not None:
        return more
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
    with saving() as saved:
        svc.delete_finding(current_user, finding)
    if not saved:
        return redirect(url_for("findings.detail", finding_id=finding_id))
    flash(_("Finding %(number)s has been deleted.", number=number), "success")
    return redirect(url_for("findings.report_detail", report_id=report_id))


def _rec_kwargs(form: RecommendationForm) -> dict[str, Any]:
    return {
        "number": form.number.data,
        "text": form.text.data,
        "opd_id": form.opd_id.data,
        "due_on": form.due_on.data,
        "code_id": form.code_id.data,
        "value": form.value.data,
    }


def _rec_codes(form: RecommendationForm, finding: Finding, rec: Recommendation | None) -> None:
    required = finding.report.kind is ReportKind.LHP_BPK
    form.code_id.choices = _code_choices(
        CodeKind.RECOMMENDATION,
        [rec.code_id] if rec else [],
        _("— choose the code —") if required else _("— none —"),
    )
    if required:
        form.code_id.label.text = _("Recommendation code (required for an LHP BPK)")


@bp.route("/<int:finding_id>/recommendations/new", methods=["GET", "POST"])
@requires(P.MANAGE_FINDINGS)
def recommendation_new(finding_id: int) -> ResponseReturnValue:
    finding = _load_finding(finding_id)
    form = RecommendationForm()
    form.opd_id.choices = _opd_choices(finding.opds)
    _rec_codes(form, finding, None)
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
    _rec_codes(form, finding, rec)
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
    with saving() as saved:
        svc.delete_recommendation(current_user, rec)
    if saved:
        flash(_("Recommendation %(number)s has been deleted.", number=number), "success")
    return redirect(url_for("findings.detail", finding_id=finding_id))
