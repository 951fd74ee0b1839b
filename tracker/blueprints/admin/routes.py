"""Administration: OPDs, officials, users, thematic areas and the audit log.

Views are thin: load → check (``@requires``) → validate the form → call
:mod:`tracker.services.organisation` → commit → flash → redirect. Edit forms carry the
record's version and a signed copy of the values the user saw, so a conflicting edit is
refused (409) with the list of fields changed meanwhile.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager
from wtforms import SelectChoice

from tracker.blueprints.admin.forms import (
    OpdEditForm,
    OpdForm,
)
from tracker.extensions import db
from tracker.forms import load_original, sign_original
from tracker.i18n import date_short, datetime_wib
from tracker.models import (
    AuditLog,
    Base,
    HierarchyRole,
    Opd,
    OpdKind,
    Person,
    Role,
    ThematicArea,
    User,
)
from tracker.permissions import P, requires
from tracker.saving import form_status, saving
from tracker.services import organisation
from tracker.services import organisation_list as lists

bp = Blueprint("admin", __name__)

OPD_FIELDS = ("code", "name", "kind", "sort_order")
PERSON_FIELDS = ("name", "nip", "position", "hierarchy_role", "opd_id", "email", "phone", "notes")
USER_FIELDS = ("name", "role", "opd_id", "person_id")
AREA_FIELDS = ("year", "code", "name", "description", "is_priority", "sort_order")

#: Labels of the record types and columns seen in the audit log.
ENTITY_LABELS: dict[str, Any] = {
    "Opd": _l("OPD"),
    "Person": _l("Official"),
    "User": _l("User"),
    "ThematicArea": _l("Thematic area"),
    "Workshop": _l("Workshop"),
    "Invitation": _l("Invitation"),
    "Commitment": _l("Commitment"),
    "Report": _l("Report"),
    "Finding": _l("Finding"),
    "Recommendation": _l("Recommendation"),
    "FollowUp": _l("Follow-up"),
    "RecommendationReview": _l("Review"),
    "Repayment": _l("Repayment"),
    "FindingEvidence": _l("Evidence"),
    "EvaluationResult": _l("Grade"),
    "ReminderDigest": _l("Reminder"),
}
FIELD_LABELS: dict[str, Any] = {
    "active": _l("Active"),
    "code": _l("Code"),
    "description": _l("Description"),
    "email": _l("E-mail"),
    "hierarchy_role": _l("Role in the hierarchy"),
    "is_priority": _l("RB thematic priority"),
    "kind": _l("Kind"),
    "last_login_at": _l("Last login"),
    "locale": _l("Language"),
    "locked_until": _l("Locked until"),
    "name": _l("Name"),
    "nip": _l("NIP"),
    "notes": _l("Notes"),
    "opd_id": _l("OPD"),
    "password_changed_at": _l("Password changed"),
    "password_hash": _l("Password"),
    "person_id": _l("Official"),
    "phone": _l("Phone"),
    "position": _l("Position"),
    "role": _l("Role"),
    "sort_order": _l("Display order"),
    "year": _l("Year"),
}
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
        label = f"{p.name} — {p.position}"
        if p.opd is not None:
            label += f" ({p.opd.code})"
        choices.append(_choice(p.id, label))
    return choices


#: Enum columns, by (record type, column), shown with their labels.
ENUM_FIELDS: dict[tuple[str, str], type[Any]] = {
    ("Opd", "kind"): OpdKind,
    ("Person", "hierarchy_role"): HierarchyRole,
    ("User", "role"): Role,
}
#: Foreign keys shown by the name of the record they point to.
REFERENCE_FIELDS: dict[str, Any] = {"opd_id": (Opd, Opd.name), "person_id": (Person, Person.name)}


def _names_for(values: Iterable[tuple[str, Any]]) -> dict[tuple[str, int], str]:
    """Names of the OPDs and officials referred to by ``(column, value)`` pairs; one query
    per kind of reference, however many values."""
    wanted: dict[str, set[int]] = {}
    for field, value in values:
        if field in REFERENCE_FIELDS and isinstance(value, int) and not isinstance(value, bool):
            wanted.setdefault(field, set()).add(value)
    names: dict[tuple[str, int], str] = {}
    for field, ids in sorted(wanted.items()):
        model, column = REFERENCE_FIELDS[field]
        rows = db.session.execute(select(model.id, column).where(model.id.in_(sorted(ids))))
        names.update({(field, row[0]): row[1] for row in rows})
    return names


def _describe(entity_type: str, field: str, value: Any, names: Mapping[Any, str]) -> Any:
    """A stored (or audited) value as the user knows it: names instead of ids, labels for
    enums, Yes/No, times in WIB."""
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        value = value.value
    if (field, value) in names:
        return names[(field, value)]
    enum_cls = ENUM_FIELDS.get((entity_type, field))
    if enum_cls is not None and value in {m.value for m in enum_cls}:
        return enum_cls(value).label
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, str) and field.endswith("_at"):
        try:
            return datetime_wib(dt.datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, str) and field.endswith("_on"):
        try:
            return date_short(dt.date.fromisoformat(value))
        except ValueError:
            return value
    return value


def _describe_changes(
    entries: Iterable[AuditLog],
) -> dict[int, list[tuple[str, Any, Any]]]:
    """Each entry's changes as (column label, before, after), ready to show."""
    entries = list(entries)
    names = _names_for(
        (field, value)
        for entry in entries
        for field, pair in (entry.changes or {}).items()
        for value in (pair if isinstance(pair, list) else [])
    )
    described: dict[int, list[tuple[str, Any, Any]]] = {}
    for entry in entries:
        rows = []
        for field, pair in (entry.changes or {}).items():
            before, after = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
            rows.append(
                (
                    str(FIELD_LABELS.get(field, field)),
                    _describe(entry.entity_type, field, before, names),
                    _describe(entry.entity_type, field, after, names),
                )
            )
        described[entry.id] = rows
    return described


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
            names = _names_for((k, v) for k, pair in pairs for v in pair)
            changes = {
                k: (_describe(kind, k, a, names), _describe(kind, k, b, names))
                for k, (a, b) in pairs
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
from tracker.blueprints.admin import accounts, reference  # noqa: E402, F401
