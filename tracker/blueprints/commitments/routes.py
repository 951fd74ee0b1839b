"""Commitments: the list (filters, search, export), the detail page with its timeline and
actions, entry one by one and in bulk for a workshop, edits, and evidence downloads.

Views are thin: load (scoped: an ``opd`` user only ever finds their own OPD's commitments,
anything else is a 404) → check the permission → validate the form → call
:mod:`tracker.services.commitments` → commit → flash → redirect. Every form that changes a
commitment carries its version; a stale one is refused (409) with the list of what
happened meanwhile, and nothing of it is stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import Select, String, case, cast, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import SelectChoice

from tracker.blueprints.commitments.forms import (
    ActivateForm,
    BulkForm,
    CancelForm,
    CommitmentEditForm,
    CommitmentForm,
    CommitmentNewForm,
    FilterForm,
    ProgressForm,
    ReopenForm,
    ReportDoneForm,
    ReviewForm,
)
from tracker.documents import new_workbook, safe_filename, write_table, xlsx_response
from tracker.extensions import db
from tracker.forms import attach_error, opd_options
from tracker.i18n import date_short, datetime_wib, today_wib
from tracker.listing import Listing, int_arg
from tracker.models import Opd, Person, ThematicArea
from tracker.models.base import utcnow
from tracker.models.commitment import (
    Commitment,
    CommitmentEvidence,
    CommitmentStatus,
    EvidenceKind,
    ProgressUpdate,
)
from tracker.models.workshop import Workshop
from tracker.permissions import (
    P,
    can,
    can_report_on,
    login_only,
    may_report_progress,
    requires,
    scope_commitments,
)
from tracker.services import commitments as service
from tracker.services.commitments import InvalidRows
from tracker.services.errors import ConflictError, DomainError, NotAllowed
from tracker.services.reminders import last_reminded
from tracker.uploads import allowed_types_text, human_size, max_file_size, send_stored

bp = Blueprint("commitments", __name__)

S = CommitmentStatus

#: Labels of the fields shown in the history of edits and in conflicts.
FIELD_LABELS: dict[str, Any] = {
    "opd_id": _l("OPD"),
    "workshop_id": _l("Workshop"),
    "made_by_id": _l("Made by"),
    "carried_out_by_id": _l("Carried out by"),
    "thematic_area_id": _l("Thematic area"),
    "statement": _l("Commitment"),
    "indicator": _l("Indicator"),
    "target": _l("Target"),
    "due_on": _l("Due date"),
    "progress": _l("Progress (%)"),
}

STATUS_ORDER = case({s: i for i, s in enumerate(CommitmentStatus)}, value=Commitment.status)
SORTS: dict[str, Any] = {
    "due": [Commitment.due_on],
    "opd": [Opd.sort_order, Opd.code, Commitment.due_on],
    "area": [ThematicArea.sort_order, Commitment.due_on],
    "status": [STATUS_ORDER, Commitment.due_on],
    "progress": [Commitment.progress],
    "updated": [Commitment.updated_at],
    "statement": [Commitment.statement],
}
SEARCH = [Commitment.statement, Commitment.indicator, Commitment.target, Opd.code, Opd.name]


# --- helpers ---------------------------------------------------------------------------


def _choice(value: Any, label: Any, **kw: Any) -> SelectChoice:
    return SelectChoice(str(value), str(label), **kw)


def _area_choices(current_id: int | None = None, empty: Any = None) -> list[SelectChoice]:
    rows = db.session.execute(
        select(ThematicArea.id, ThematicArea.name, ThematicArea.year, ThematicArea.is_priority)
        .where(or_(ThematicArea.active.is_(True), ThematicArea.id == current_id))
        .order_by(ThematicArea.year.desc(), ThematicArea.sort_order, ThematicArea.name)
    ).all()
    return [
        _choice("", empty or _("— none —")),
        *(
            _choice(
                r.id,
                r.name,
                optgroup=(
                    _("RB priorities %(year)d", year=r.year) if r.is_priority else str(r.year)
                ),
            )
            for r in rows
        ),
    ]


def _workshop_choices() -> list[SelectChoice]:
    rows = db.session.execute(
        select(Workshop.id, Workshop.title, Workshop.starts_at).order_by(
            Workshop.starts_at.desc(), Workshop.id
        )
    ).all()
    return [
        _choice("", _("— none —")),
        *(_choice(r.id, f"{r.title} ({date_short(r.starts_at)})") for r in rows),
    ]


def _person_choices(keep: Iterable[int | None] = ()) -> list[SelectChoice]:
    """Active officials (and those already chosen), grouped by OPD; each option says its
    OPD and hierarchy role so the page can preselect an OPD's head and secretary."""
    keep_ids = [i for i in keep if i]
    people = db.session.scalars(
        select(Person)
        .outerjoin(Person.opd)
        .options(contains_eager(Person.opd))
        .where(or_(Person.active.is_(True), Person.id.in_(keep_ids)))
        .order_by(Opd.sort_order.nulls_first(), Opd.code, Person.hierarchy_role, Person.name)
    ).all()
    choices = [_choice("", _("— none —"))]
    for p in people:
        choices.append(
            _choice(
                p.id,
                p.name if p.position == p.name else f"{p.name} — {p.position}",
                optgroup=p.opd.code if p.opd else _("City leaders"),
                render_kw={
                    "data-opd": str(p.opd_id or ""),
                    "data-role": p.hierarchy_role.value,
                },
            )
        )
    return choices


def _fill_choices(form: CommitmentForm, record: Commitment | None = None) -> None:
    form.opd_id.choices = opd_options(record.opd_id if record else None, empty=_("— choose —"))
    form.workshop_id.choices = _workshop_choices()
    form.thematic_area_id.choices = _area_choices(record.thematic_area_id if record else None)
    people = _person_choices([record.made_by_id, record.carried_out_by_id] if record else [])
    form.made_by_id.choices = people
    form.carried_out_by_id.choices = people


def _values(form: Any) -> dict[str, Any]:
    return {name: form[name].data for name in service.FIELDS if name in form}


def _load(commitment_id: int) -> Commitment:
    """The commitment if the current user may see it, else 404."""
    commitment = db.session.scalar(
        scope_commitments(select(Commitment).where(Commitment.id == commitment_id))
    )
    if commitment is None:
        abort(404)
    return commitment


def _load_for_page(commitment_id: int) -> Commitment:
    commitment = db.session.scalar(
        scope_commitments(select(Commitment).where(Commitment.id == commitment_id)).options(
            joinedload(Commitment.opd),
            joinedload(Commitment.workshop),
            joinedload(Commitment.thematic_area),
            joinedload(Commitment.made_by),
            joinedload(Commitment.carried_out_by),
            joinedload(Commitment.verified_by),
            selectinload(Commitment.updates).selectinload(ProgressUpdate.evidence),
        )
    )
    if commitment is None:
        abort(404)
    return commitment


def describe(field: str, value: Any) -> Any:
    """A value of the history of edits, ready to show."""
    if value is None:
        return None
    if field == "due_on" and isinstance(value, str):
        try:
            return date_short(dt.date.fromisoformat(value))
        except ValueError:
            return value
    return value


@bp.app_template_global("commitment_field_label")
def field_label(field: str) -> str:
    return str(FIELD_LABELS.get(field, field))


@bp.app_template_global("commitment_change_value")
def change_value(field: str, value: Any) -> Any:
    return describe(field, value)


@bp.app_template_global("commitment_file_size")
def file_size(size: int) -> str:
    return human_size(size)


@bp.app_template_global("commitment_deadline")
def deadline(commitment: Commitment, today: dt.date | None = None) -> str | None:
    return service.deadline_state(commitment, today or today_wib())


# --- list and export -------------------------------------------------------------------


def _filters() -> tuple[FilterForm, service.Filters, bool]:
    form = FilterForm(formdata=request.args)
    own_scope = not can(P.VIEW_ALL)
    opds = (
        []
        if own_scope
        else db.session.execute(
            select(Opd.id, Opd.code, Opd.name).order_by(Opd.sort_order, Opd.name)
        ).all()
    )
    form.opd.choices = [
        _choice("", _("All OPDs")),
        *(_choice(r.id, f"{r.code} — {r.name}") for r in opds),
    ]
    form.area.choices = _area_choices(empty=_("All thematic areas"))
    # Only the workshops of commitments the user can see.
    linked = scope_commitments(
        select(Commitment.workshop_id).where(Commitment.workshop_id.is_not(None))
    )
    workshops = db.session.execute(
        select(Workshop.id, Workshop.title, Workshop.starts_at)
        .where(Workshop.id.in_(linked))
        .order_by(Workshop.starts_at.desc(), Workshop.id)
    ).all()
    form.workshop.choices = [
        _choice("", _("All workshops")),
        *(_choice(r.id, f"{r.title} ({date_short(r.starts_at)})") for r in workshops),
    ]
    valid = form.validate()

    def as_id(value: Any) -> int | None:
        raw = str(value or "")
        return int(raw) if raw.isdigit() and len(raw) < 10 else None

    status = (
        form.status.data if form.status.data in {c.value for c in form.status.choices} else None
    )
    filters = service.Filters(
        opd_id=None if own_scope else as_id(form.opd.data),
        thematic_area_id=as_id(form.area.data),
        status=status or None,
        deadline=form.deadline.data if form.deadline.data in ("overdue", "due_soon") else None,
        workshop_id=as_id(form.workshop.data),
        due_from=form.due_from.data if not form.due_from.errors else None,
        due_to=form.due_to.data if not form.due_to.errors else None,
    )
    return form, filters, valid


def _list_stmt(filters: service.Filters, today: dt.date) -> Select[Any]:
    stmt = (
        select(Commitment)
        .join(Commitment.opd)
        .outerjoin(Commitment.thematic_area)
        .outerjoin(Commitment.workshop)
        .options(
            contains_eager(Commitment.opd),
            contains_eager(Commitment.thematic_area),
            contains_eager(Commitment.workshop),
            selectinload(Commitment.made_by),
            selectinload(Commitment.carried_out_by),
        )
    )
    stmt = scope_commitments(stmt)
    return service.apply_filters(stmt, filters, today)


@bp.route("/")
@login_only
def index() -> ResponseReturnValue:
    today = today_wib()
    form, filters, valid = _filters()
    listing = Listing(
        _list_stmt(filters, today),
        sorts=SORTS,
        default_sort="due",
        search=SEARCH,
        tiebreak=Commitment.id,
    )
    return render_template(
        "commitments/index.html",
        listing=listing,
        form=form,
        today=today,
        export_args={k: v for k, v in request.args.items() if k not in ("page", "per_page")},
    ), (200 if valid else 400)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@bp.route("/export.xlsx")
@login_only
def export() -> ResponseReturnValue:
    """The filtered list (same filters, search and order as the page), every row."""
    today = today_wib()
    _form, filters, valid = _filters()
    if not valid:
        abort(400)
    stmt = _list_stmt(filters, today)
    q = request.args.get("q", "").strip()[:100]
    if q:
        pattern = f"%{_escape_like(q)}%"
        stmt = stmt.where(or_(*(cast(c, String).ilike(pattern, escape="\\") for c in SEARCH)))
    sort = request.args.get("sort", "due")
    columns = SORTS.get(sort, SORTS["due"])
    descending = request.args.get("dir") == "desc"
    stmt = stmt.order_by(*(c.desc() if descending else c.asc() for c in columns), Commitment.id)
    rows = db.session.scalars(stmt).unique().all()

    workbook = new_workbook()
    sheet = workbook.create_sheet(_("Commitments")[:31])
    headers = [
        _("No."),
        _("OPD code"),
        _("OPD"),
        _("Commitment"),
        _("Thematic area"),
        _("Indicator"),
        _("Target"),
        _("Due date"),
        _("Status"),
        _("Progress (%)"),
        _("Deadline"),
        _("Made by"),
        _("Carried out by"),
        _("Workshop"),
        _("Last progress"),
        _("Verified on"),
    ]
    deadline_labels = {"overdue": _("Overdue"), "due_soon": _("Due soon"), None: ""}

    def row(n: int, c: Commitment) -> list[Any]:
        return [
            n,
            c.opd.code,
            c.opd.name,
            c.statement,
            c.thematic_area.name if c.thematic_area else "",
            c.indicator,
            c.target,
            c.due_on,
            c.status.label,
            c.progress,
            deadline_labels[service.deadline_state(c, today)],
            c.made_by.name if c.made_by else "",
            c.carried_out_by.name if c.carried_out_by else "",
            c.workshop.title if c.workshop else "",
            datetime_wib(c.last_progress_at) if c.last_progress_at else "",
            date_short(c.verified_at) if c.verified_at else "",
        ]

    header_row = write_table(
        sheet,
        headers,
        (row(n, c) for n, c in enumerate(rows, start=1)),
        title_lines=[
            _("Commitments"),
            _("As of %(date)s · %(count)d commitments", date=date_short(today), count=len(rows)),
        ],
        widths=[5, 12, 30, 60, 26, 30, 24, 12, 16, 10, 14, 26, 26, 30, 28, 14],
    )
    for cell in sheet[f"H{header_row + 1}:H{header_row + len(rows)}"]:
        for c in cell:
            c.number_format = "yyyy-mm-dd"
    return xlsx_response(workbook, safe_filename(f"komitmen-{today.isoformat()}", "xlsx"))


# --- detail page and its actions -------------------------------------------------------

ACTION_FORMS: dict[str, type[FlaskForm]] = {
    "progress": ProgressForm,
    "done": ReportDoneForm,
    "review": ReviewForm,
    "cancel": CancelForm,
    "reopen": ReopenForm,
    "activate": ActivateForm,
}


def _forms(commitment: Commitment, posted: dict[str, FlaskForm] | None = None) -> dict[str, Any]:
    forms: dict[str, Any] = {}
    for name, cls in ACTION_FORMS.items():
        if posted and name in posted:
            forms[name] = posted[name]
            continue
        form = cls(prefix=name, formdata=None)
        form.version.data = commitment.version
        if name == "progress":
            form.progress.data = commitment.progress
            form.refers_to_on.data = today_wib()
        forms[name] = form
    return forms


def _detail(
    commitment_id: int,
    *,
    posted: dict[str, FlaskForm] | None = None,
    status: int = 200,
    since: list[ProgressUpdate] | None = None,
) -> ResponseReturnValue:
    commitment = _load_for_page(commitment_id)
    today = today_wib()
    moves = service.allowed_transitions(commitment, current_user)
    return render_template(
        "commitments/detail.html",
        commitment=commitment,
        reminded_on=last_reminded("commitment", [commitment.id]).get(commitment.id),
        forms=_forms(commitment, posted),
        moves=moves,
        S=S,
        today=today,
        state=service.deadline_state(commitment, today),
        can_report=commitment.status is S.ACTIVE and can_report_on(commitment),
        since=since,
        max_files=service.max_files(),
        max_file_size=max_file_size(),
        max_request_size=current_app.config.get("MAX_CONTENT_LENGTH"),
        allowed_types=allowed_types_text(),
        human_size=human_size,
        EvidenceKind=EvidenceKind,
    ), status


@bp.route("/<int:commitment_id>")
@login_only
def detail(commitment_id: int) -> ResponseReturnValue:
    return _detail(commitment_id)


def _act(
    commitment_id: int,
    name: str,
    allowed: Callable[[Commitment], bool],
    run: Callable[[Commitment, Any], Any],
    success: Callable[[Commitment], str],
) -> ResponseReturnValue:
    """The flow of every action on the detail page: load (scoped) → check → validate →
    service → commit → flash → back to the page; errors show the page with the form."""
    commitment = _load(commitment_id)
    if not allowed(commitment):
        abort(403)
    form = ACTION_FORMS[name](prefix=name)
    if not form.validate_on_submit():
        return _detail(commitment_id, posted={name: form}, status=400)
    try:
        run(commitment, form)
    except NotAllowed:
        db.session.rollback()
        abort(403)
    except ConflictError as exc:
        db.session.rollback()
        expected = form.version.data or 0
        form.form_errors.append(exc.message)
        if name == "progress" and request.files.getlist(f"{name}-files"):
            form.form_errors.append(_("Attach your files again."))
        since = service.updates_since(commitment_id, expected)
        # The user now sees the current state: sending the form again applies it.
        current = db.session.scalar(
            select(Commitment.version).where(Commitment.id == commitment_id)
        )
        form.version.data = current
        form.version.raw_data = [str(current)]
        return _detail(commitment_id, posted={name: form}, status=409, since=since)
    except DomainError as exc:
        db.session.rollback()
        attach_error(form, exc)
        return _detail(commitment_id, posted={name: form}, status=400)
    db.session.commit()
    flash(success(commitment), "success")
    return redirect(url_for("commitments.detail", commitment_id=commitment_id))


@bp.route("/<int:commitment_id>/progress", methods=["POST"])
@login_only
def progress(commitment_id: int) -> ResponseReturnValue:
    if not may_report_progress():
        abort(403)
    return _act(
        commitment_id,
        "progress",
        can_report_on,
        lambda c, form: service.post_progress(
            c,
            actor=current_user,
            now=utcnow(),
            today=today_wib(),
            note=form.note.data,
            progress=form.progress.data,
            expected_version=form.version.data,
            files=request.files.getlist("progress-files"),
            links=form.links.data,
            refers_to_on=form.refers_to_on.data,
        ),
        lambda c: _("Your progress update has been saved."),
    )


@bp.route("/<int:commitment_id>/report-done", methods=["POST"])
@login_only
def report_done(commitment_id: int) -> ResponseReturnValue:
    if not may_report_progress():
        abort(403)
    return _act(
        commitment_id,
        "done",
        can_report_on,
        lambda c, form: service.change_status(
            c,
            S.REPORTED_DONE,
            actor=current_user,
            now=utcnow(),
            expected_version=form.version.data,
            note=form.note.data,
        ),
        lambda c: _("The commitment has been reported done; the Inspektorat will verify it."),
    )


@bp.route("/<int:commitment_id>/review", methods=["POST"])
@requires(P.VERIFY)
def review(commitment_id: int) -> ResponseReturnValue:
    def run(c: Commitment, form: ReviewForm) -> Any:
        verify = form.decision.data == "verify"
        return service.change_status(
            c,
            S.VERIFIED if verify else S.ACTIVE,
            actor=current_user,
            now=utcnow(),
            expected_version=form.version.data,
            note=form.note.data,
            progress=None if verify else form.progress.data,
        )

    return _act(
        commitment_id,
        "review",
        lambda c: True,
        run,
        lambda c: (
            _("The commitment has been verified.")
            if c.status is S.VERIFIED
            else _("The commitment has been returned to the OPD.")
        ),
    )


@bp.route("/<int:commitment_id>/activate", methods=["POST"])
@requires(P.MANAGE_COMMITMENTS)
def activate(commitment_id: int) -> ResponseReturnValue:
    return _act(
        commitment_id,
        "activate",
        lambda c: True,
        lambda c, form: service.change_status(
            c, S.ACTIVE, actor=current_user, now=utcnow(), expected_version=form.version.data
        ),
        lambda c: _("The commitment is now in force; the OPD can see it and report on it."),
    )


@bp.route("/<int:commitment_id>/cancel", methods=["POST"])
@requires(P.MANAGE_COMMITMENTS)
def cancel(commitment_id: int) -> ResponseReturnValue:
    return _act(
        commitment_id,
        "cancel",
        lambda c: True,
        lambda c, form: service.change_status(
            c,
            S.CANCELLED,
            actor=current_user,
            now=utcnow(),
            expected_version=form.version.data,
            reason=form.reason.data,
        ),
        lambda c: _("The commitment has been cancelled."),
    )


@bp.route("/<int:commitment_id>/reopen", methods=["POST"])
@requires(P.MANAGE_COMMITMENTS)
def reopen(commitment_id: int) -> ResponseReturnValue:
    return _act(
        commitment_id,
        "reopen",
        lambda c: True,
        lambda c, form: service.change_status(
            c,
            S.ACTIVE,
            actor=current_user,
            now=utcnow(),
            expected_version=form.version.data,
            note=form.note.data,
        ),
        lambda c: _("The commitment has been reopened."),
    )


@bp.route("/<int:commitment_id>/evidence/<int:evidence_id>")
@login_only
def evidence(commitment_id: int, evidence_id: int) -> ResponseReturnValue:
    """An evidence file, only for users who may see its commitment (else 404)."""
    item = db.session.scalar(
        scope_commitments(
            select(CommitmentEvidence)
            .join(Commitment, CommitmentEvidence.commitment_id == Commitment.id)
            .where(
                CommitmentEvidence.id == evidence_id,
                Commitment.id == commitment_id,
                CommitmentEvidence.kind == EvidenceKind.FILE,
            )
        )
    )
    if item is None or not item.stored_name or not item.content_type:
        abort(404)
    try:
        response = send_stored(item.stored_name, item.original_name, item.content_type)
    except OSError:
        abort(404)
    return response


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_exc: RequestEntityTooLarge) -> ResponseReturnValue:
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    message = _(
        "What you sent is larger than %(total)s in all (each file may be at most %(each)s). "
        "Nothing was saved: go back and send fewer or smaller files, in several updates "
        "if needed.",
        total=human_size(int(limit)),
        each=human_size(max_file_size()),
    )
    return render_template(
        "errors/error.html", code=413, title=_("Too large"), message=message
    ), 413


# --- entry and edits -------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@requires(P.MANAGE_COMMITMENTS)
def new() -> ResponseReturnValue:
    form = CommitmentNewForm()
    _fill_choices(form)
    status = 200
    if request.method == "GET":
        form.opd_id.data = int_arg("opd")
        form.workshop_id.data = int_arg("workshop")
    elif form.validate_on_submit():
        try:
            commitment = service.create_commitment(
                _values(form), actor=current_user, now=utcnow(), activate=bool(form.activate.data)
            )
        except DomainError as exc:
            db.session.rollback()
            attach_error(form, exc)
            status = 400
        else:
            db.session.commit()
            flash(_("The commitment has been recorded."), "success")
            return redirect(url_for("commitments.detail", commitment_id=commitment.id))
    else:
        status = 400
    return render_template("commitments/new.html", form=form), status


@bp.route("/<int:commitment_id>/edit", methods=["GET", "POST"])
@requires(P.MANAGE_COMMITMENTS)
def edit(commitment_id: int) -> ResponseReturnValue:
    commitment = _load(commitment_id)
    form = CommitmentEditForm(obj=commitment if request.method == "GET" else None)
    _fill_choices(form, commitment)
    status = 200
    since: list[ProgressUpdate] | None = None
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                update = service.edit_commitment(
                    commitment,
                    _values(form),
                    actor=current_user,
                    now=utcnow(),
                    expected_version=form.version.data,
                    note=form.note.data,
                    progress=form.progress.data,
                )
            except ConflictError as exc:
                db.session.rollback()
                form.form_errors.append(exc.message)
                since = service.updates_since(commitment.id, form.version.data or 0)
                current = db.session.scalar(
                    select(Commitment.version).where(Commitment.id == commitment_id)
                )
                form.version.data = current
                form.version.raw_data = [str(current)]
                status = 409
            except DomainError as exc:
                db.session.rollback()
                attach_error(form, exc)
                status = 400
            else:
                db.session.commit()
                if update is None:
                    flash(_("Nothing was changed."), "info")
                else:
                    flash(_("The commitment has been saved."), "success")
                return redirect(url_for("commitments.detail", commitment_id=commitment_id))
        else:
            status = 400
    return render_template(
        "commitments/edit.html", form=form, commitment=commitment, since=since
    ), status


@bp.route("/bulk", methods=["GET", "POST"])
@requires(P.MANAGE_COMMITMENTS)
def bulk() -> ResponseReturnValue:
    """Bulk entry for a workshop: one row per attending OPD, saved together or not at all."""
    workshop_id = int_arg("workshop")
    if workshop_id is None:
        workshops = db.session.scalars(
            select(Workshop).order_by(Workshop.starts_at.desc(), Workshop.id)
        ).all()
        status = 400 if request.method == "POST" else 200
        return render_template("commitments/bulk_pick.html", workshops=workshops), status
    workshop = db.get_or_404(Workshop, workshop_id)
    rows = service.bulk_rows(workshop)
    by_opd = {row.opd.id: row for row in rows}
    form = BulkForm()
    if request.method == "GET":
        form.default_due_on.data = service.default_due_on(workshop, today_wib())
        for row in rows:
            form.rows.append_entry(
                {
                    "opd_id": row.opd.id,
                    "made_by_id": row.made_by_id,
                    "carried_out_by_id": row.carried_out_by_id,
                }
            )
    areas = _area_choices()
    people = _person_choices()
    form.default_area_id.choices = areas
    for entry in form.rows:
        entry.form.thematic_area_id.choices = areas
        entry.form.made_by_id.choices = people
        entry.form.carried_out_by_id.choices = people
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            filled = [
                (i, entry.form) for i, entry in enumerate(form.rows) if not entry.form.is_empty()
            ]
            values = []
            for i, row_form in filled:
                data = _values(row_form)
                data["opd_id"] = row_form.opd_id.data
                data["thematic_area_id"] = data["thematic_area_id"] or form.default_area_id.data
                data["due_on"] = data["due_on"] or form.default_due_on.data
                values.append((i, data))
            try:
                created = service.create_commitments(
                    values,
                    workshop=workshop,
                    actor=current_user,
                    now=utcnow(),
                    activate=bool(form.activate.data),
                )
            except InvalidRows as exc:
                db.session.rollback()
                form.form_errors.append(exc.message)
                for index, errors in exc.rows.items():
                    row_form = form.rows[index].form
                    for error in errors:
                        field = row_form._fields.get(error.field or "")
                        if field is not None and error.field != "opd_id":
                            field.errors = [*field.errors, error.message]
                        else:
                            row_form.form_errors.append(error.message)
            except DomainError as exc:
                db.session.rollback()
                form.form_errors.append(exc.message)
            else:
                db.session.commit()
                flash(
                    _(
                        "%(count)d commitments have been recorded for %(title)s.",
                        count=len(created),
                        title=workshop.title,
                    ),
                    "success",
                )
                return redirect(url_for("commitments.index", workshop=workshop.id))
        else:
            form.form_errors.append(_("Please correct the marked rows; nothing was saved."))
    return render_template(
        "commitments/bulk.html",
        form=form,
        workshop=workshop,
        by_opd=by_opd,
    ), status
