"""Administration: OPDs, officials, users, thematic areas and the audit log.

Views are thin: load → check (``@requires``) → validate the form → call
:mod:`tracker.services.organisation` → commit → flash → redirect. Edit forms carry the
record's version and a signed copy of the values the user saw, so a conflicting edit is
refused (409) with the list of fields changed meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager
from wtforms import SelectChoice

from tracker.blueprints.admin.audit_text import describe, names_for
from tracker.blueprints.admin.forms import (
    OpdEditForm,
    OpdForm,
)
from tracker.documents import new_workbook, safe_filename, write_table, xlsx_response
from tracker.extensions import db
from tracker.forms import load_original, sign_original
from tracker.i18n import today_wib
from tracker.imports.kinds import opds as opd_import
from tracker.models import (
    AuditLog,
    Base,
    Opd,
    OpdKind,
    Person,
    ThematicArea,
    User,
)
from tracker.permissions import P, requires
from tracker.saving import form_status, saving
from tracker.services import organisation
from tracker.services import organisation_list as lists

bp = Blueprint("admin", __name__)

OPD_FIELDS = ("code", "name", "kind", "sort_order")
PERSON_FIELDS = (
    "name",
    "nip",
    "position",
    "hierarchy_role",
    "opd_id",
    "email",
    "phone",
    "notify_by",
    "notes",
)
USER_FIELDS = ("name", "role", "opd_id", "person_id")
AREA_FIELDS = ("year", "code", "name", "description", "is_priority", "sort_order")

#: Where the audit log links a record to.
ENTITY_EDIT: dict[str, tuple[str, str]] = {
    "Opd": ("admin.opd_edit", "opd_id"),
    "Person": ("admin.person_edit", "person_id"),
    "User": ("admin.user_edit", "user_id"),
    "ThematicArea": ("admin.thematic_area_edit", "area_id"),
    "Workshop": ("workshops.detail", "workshop_id"),
    "Commitment": ("commitments.detail", "commitment_id"),
    "Report": ("findings.report_detail", "report_id"),
    "Finding": ("findings.detail", "finding_id"),
    "EvaluationResult": ("findings.grade_edit", "result_id"),
    "ReminderDigest": ("reminders.detail", "digest_id"),
}


# --- helpers ---------------------------------------------------------------------------


def _status_choices() -> list[tuple[str, str]]:
    return [("all", _("All")), ("active", _("Active")), ("inactive", _("Inactive"))]


def _choice(value: Any, label: Any) -> SelectChoice:
    return SelectChoice(str(value), str(label))


def _person_choices(current_id: int | None = None) -> list[SelectChoice]:
    """Active officials without a login (plus the one already linked)."""
    people = db.session.scalars(
        select(Person)
        .outerjoin(Person.opd)
        .options(contains_eager(Person.opd))
        .where(
            or_(
                Person.id == current_id,
                and_(
                    Person.active.is_(True),
                    ~select(User.id).where(User.person_id == Person.id).exists(),
                ),
            )
        )
        .order_by(Person.name, Person.id)
    ).all()
    choices = [_choice("", _("— none —"))]
    for p in people:
        # An official recorded by position only (no personal name) is named once.
        label = p.name if p.position == p.name else f"{p.name} — {p.position}"
        if p.opd is not None:
            label += f" ({p.opd.code})"
        choices.append(_choice(p.id, label))
    return choices


def _edit(
    form: Any,
    record: Any,
    fields: tuple[str, ...],
    save: Callable[[Mapping[str, Any] | None], Any],
    *,
    template: str,
    success: Callable[[], str],
    next_url: str,
    **context: Any,
) -> ResponseReturnValue:
    """The edit flow shared by every versioned record."""
    changes: dict[str, tuple[Any, Any]] = {}
    if request.method == "GET":
        form.original.data = sign_original(record, fields)
    elif form.validate_on_submit():
        with saving(form) as saved:
            save(load_original(form.original.data, record))
        if saved:
            flash(success(), "success")
            return redirect(next_url)
        if saved.conflict:
            kind = type(record).__name__
            pairs = saved.conflict.changes.items()
            names = names_for((kind, k, v) for k, pair in pairs for v in pair)
            changes = {
                k: (describe(kind, k, a, names), describe(kind, k, b, names)) for k, (a, b) in pairs
            }
            form.show_current(record.version)
            form.original.data = sign_original(record, fields)
    labels = {name: field.label.text for name, field in form._fields.items()}
    return render_template(
        template, form=form, record=record, changes=changes, labels=labels, **context
    ), form_status(form)


def _create(
    form: Any,
    save: Callable[[], Any],
    *,
    template: str,
    success: Callable[[Any], str],
    next_url: str,
    **context: Any,
) -> ResponseReturnValue:
    if form.validate_on_submit():
        with saving(form) as saved:
            record = save()
        if saved:
            flash(success(record), "success")
            return redirect(next_url)
    return render_template(template, form=form, **context), form_status(form)


def _toggle(record: Any, setter: Callable[[bool], None], label: str) -> None:
    with saving() as saved:
        setter(not record.active)
    if not saved:
        return
    if record.active:
        flash(_("%(name)s has been reactivated.", name=label), "success")
    else:
        flash(_("%(name)s has been deactivated.", name=label), "success")


# --- landing page ----------------------------------------------------------------------


@bp.route("/")
@requires(P.MANAGE_OPDS)
def index() -> ResponseReturnValue:
    def count(model: type[Base], *where: Any) -> Any:
        return select(func.count()).select_from(model).where(*where).scalar_subquery()

    row = db.session.execute(
        select(
            count(Opd, Opd.active.is_(True)).label("opds_active"),
            count(Opd).label("opds"),
            count(Person, Person.active.is_(True)).label("people_active"),
            count(Person).label("people"),
            count(User, User.active.is_(True)).label("users_active"),
            count(User).label("users"),
            count(ThematicArea, ThematicArea.active.is_(True)).label("areas_active"),
            count(ThematicArea).label("areas"),
            count(AuditLog).label("audit"),
        )
    ).one()
    return render_template("admin/index.html", counts=row._asdict())


# --- OPDs ------------------------------------------------------------------------------


@bp.route("/opds")
@requires(P.MANAGE_OPDS)
def opds() -> ResponseReturnValue:
    filters = lists.OpdFilters.from_args(request.args)
    return render_template(
        "admin/opds.html",
        listing=lists.opds(filters, request.args),
        status=filters.status,
        status_choices=_status_choices(),
    )


@bp.route("/opds.xlsx")
@requires(P.MANAGE_OPDS)
def opds_xlsx() -> ResponseReturnValue:
    """The list as the page shows it (filters, search, order), every row, in the columns
    the OPD import reads back (tracker.imports.kinds.opds)."""
    filters = lists.OpdFilters.from_args(request.args)
    rows = lists.opds(filters, request.args, paginate=False).all()
    return list_xlsx(_("OPDs"), "opd", opd_import.EXPORT_HEADINGS, map(opd_import.export_row, rows))


def list_xlsx(
    title: str, stem: str, headings: Iterable[Any], rows: Iterable[Sequence[Any]]
) -> ResponseReturnValue:
    """A list export: a title line, then the headings and rows (as an import reads them)."""
    workbook = new_workbook()
    sheet = workbook.create_sheet(title[:31])
    header = [str(h) for h in headings]
    write_table(sheet, header, rows, title_lines=[title], widths=[24] * len(header))
    return xlsx_response(workbook, safe_filename(f"{stem}-{today_wib().isoformat()}", "xlsx"))


@bp.route("/opds/new", methods=["GET", "POST"])
@requires(P.MANAGE_OPDS)
def opd_new() -> ResponseReturnValue:
    form = OpdForm()
    return _create(
        form,
        lambda: organisation.create_opd(
            code=form.code.data,
            name=form.name.data,
            kind=OpdKind(form.kind.data),
            sort_order=form.sort_order.data,
        ),
        template="admin/opd_new.html",
        success=lambda opd: _("The OPD %(code)s has been added.", code=opd.code),
        next_url=url_for("admin.opds"),
    )


@bp.route("/opds/<int:opd_id>/edit", methods=["GET", "POST"])
@requires(P.MANAGE_OPDS)
def opd_edit(opd_id: int) -> ResponseReturnValue:
    opd = db.get_or_404(Opd, opd_id)
    form = OpdEditForm(obj=opd if request.method == "GET" else None)
    return _edit(
        form,
        opd,
        OPD_FIELDS,
        lambda original: organisation.update_opd(
            opd,
            code=form.code.data,
            name=form.name.data,
            kind=OpdKind(form.kind.data),
            sort_order=form.sort_order.data,
            expected_version=form.version.data,
            original=original,
        ),
        template="admin/opd_edit.html",
        success=lambda: _("The OPD %(code)s has been saved.", code=opd.code),
        next_url=url_for("admin.opds"),
    )


@bp.route("/opds/<int:opd_id>/toggle", methods=["POST"])
@requires(P.MANAGE_OPDS)
def opd_toggle(opd_id: int) -> ResponseReturnValue:
    opd = db.get_or_404(Opd, opd_id)
    _toggle(opd, lambda active: organisation.set_opd_active(opd, active), opd.code)
    return redirect(url_for("admin.opds"))


# The other sub-areas add their routes to ``bp`` (imported last: they use the helpers above).
from tracker.blueprints.admin import accounts, codes, reference  # noqa: E402, F401
