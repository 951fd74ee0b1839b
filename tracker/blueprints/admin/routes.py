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
from flask_login import current_user
from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload
from wtforms import SelectChoice

from tracker.blueprints.admin.forms import (
    AuditFilterForm,
    OpdEditForm,
    OpdForm,
    PersonEditForm,
    PersonForm,
    ThematicAreaEditForm,
    ThematicAreaForm,
    UserEditForm,
    UserNewForm,
)
from tracker.extensions import db
from tracker.forms import attach_error, load_original, opd_options, sign_original
from tracker.i18n import WIB, date_short, datetime_wib, today_wib
from tracker.listing import Listing, int_arg
from tracker.models import (
    AuditAction,
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
from tracker.models.base import utcnow
from tracker.permissions import P, requires
from tracker.services import organisation
from tracker.services.errors import ConflictError, DomainError

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


def _status_filter(stmt: Select[Any], column: Any) -> tuple[Select[Any], str]:
    """``?status=active|inactive|all`` (anything else means all)."""
    status = request.args.get("status", "all")
    if status == "active":
        return stmt.where(column.is_(True)), status
    if status == "inactive":
        return stmt.where(column.is_(False)), status
    return stmt, "all"


def _enum_arg(name: str, enum_cls: type[enum.Enum]) -> Any:
    raw = request.args.get(name, "")
    return enum_cls(raw) if raw in {m.value for m in enum_cls} else None


def _choice(value: Any, label: Any) -> SelectChoice:
    return SelectChoice(str(value), str(label))


def _opd_filter_options() -> list[tuple[int, str]]:
    """Every OPD, active or not, for the list filters."""
    rows = db.session.execute(select(Opd.id, Opd.code, Opd.name).order_by(Opd.code)).all()
    return [(r.id, f"{r.code} — {r.name}") for r in rows]


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
    status = 200
    changes: dict[str, tuple[Any, Any]] = {}
    if request.method == "GET":
        form.original.data = sign_original(record, fields)
    elif form.validate_on_submit():
        try:
            save(load_original(form.original.data, record))
        except ConflictError as exc:
            db.session.rollback()
            kind = type(record).__name__
            names = _names_for((k, v) for k, pair in exc.changes.items() for v in pair)
            changes = {
                k: (_describe(kind, k, a, names), _describe(kind, k, b, names))
                for k, (a, b) in exc.changes.items()
            }
            form.form_errors.append(exc.message)
            # The user has now seen the current values: saving again overwrites them.
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
            flash(success(), "success")
            return redirect(next_url)
    else:
        status = 400
    labels = {name: field.label.text for name, field in form._fields.items()}
    return render_template(
        template, form=form, record=record, changes=changes, labels=labels, **context
    ), status


def _create(
    form: Any,
    save: Callable[[], Any],
    *,
    template: str,
    success: Callable[[Any], str],
    next_url: str,
    **context: Any,
) -> ResponseReturnValue:
    status = 200
    if form.validate_on_submit():
        try:
            record = save()
        except DomainError as exc:
            db.session.rollback()
            attach_error(form, exc)
            status = 400
        else:
            db.session.commit()
            flash(success(record), "success")
            return redirect(next_url)
    elif request.method == "POST":
        status = 400
    return render_template(template, form=form, **context), status


def _toggle(record: Any, setter: Callable[[bool], None], label: str) -> None:
    try:
        setter(not record.active)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return
    db.session.commit()
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
    stmt, status = _status_filter(select(Opd), Opd.active)
    listing = Listing(
        stmt,
        sorts={
            "code": Opd.code,
            "name": Opd.name,
            "kind": Opd.kind,
            "order": [Opd.sort_order, Opd.name],
            "active": Opd.active,
        },
        default_sort="code",
        search=[Opd.code, Opd.name],
        tiebreak=Opd.id,
    )
    return render_template(
        "admin/opds.html", listing=listing, status=status, status_choices=_status_choices()
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


# --- officials -------------------------------------------------------------------------


@bp.route("/people")
@requires(P.VIEW_PEOPLE)
def people() -> ResponseReturnValue:
    stmt = (
        select(Person)
        .outerjoin(Person.opd)
        .options(contains_eager(Person.opd), selectinload(Person.user))
    )
    stmt, status = _status_filter(stmt, Person.active)
    opd_arg = request.args.get("opd", "")
    opd_id = int_arg("opd")
    if opd_arg == "none":
        stmt = stmt.where(Person.opd_id.is_(None))
    elif opd_id is not None:
        stmt = stmt.where(Person.opd_id == opd_id)
    else:
        opd_arg = ""
    role = _enum_arg("role", HierarchyRole)
    if role is not None:
        stmt = stmt.where(Person.hierarchy_role == role)
    rank = case({r: i for i, r in enumerate(HierarchyRole)}, value=Person.hierarchy_role)
    listing = Listing(
        stmt,
        sorts={
            "name": Person.name,
            "position": Person.position,
            "role": [rank, Person.name],
            "opd": [Opd.code, rank, Person.name],
            "active": Person.active,
        },
        default_sort="name",
        search=[Person.name, Person.nip, Person.position, Person.email],
        tiebreak=Person.id,
    )
    return render_template(
        "admin/people.html",
        listing=listing,
        status=status,
        status_choices=_status_choices(),
        opd_filter=opd_arg,
        opd_options=_opd_filter_options(),
        role_filter=role.value if role else "",
        roles=[(m.value, m.label) for m in HierarchyRole],
    )


def _person_kwargs(form: PersonForm) -> dict[str, Any]:
    return {
        "name": form.name.data,
        "nip": form.nip.data,
        "position": form.position.data,
        "hierarchy_role": HierarchyRole(form.hierarchy_role.data),
        "opd_id": form.opd_id.data,
        "email": form.email.data,
        "phone": form.phone.data,
        "notes": form.notes.data,
    }


@bp.route("/people/new", methods=["GET", "POST"])
@requires(P.MANAGE_PEOPLE)
def person_new() -> ResponseReturnValue:
    form = PersonForm()
    if request.method == "GET" and (preset := int_arg("opd")) is not None:
        form.opd_id.data = preset
    form.opd_id.choices = opd_options(empty=_("— none —"))
    return _create(
        form,
        lambda: organisation.create_person(**_person_kwargs(form)),
        template="admin/person_new.html",
        success=lambda person: _("The official %(name)s has been added.", name=person.name),
        next_url=url_for("admin.people"),
    )


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
@requires(P.MANAGE_PEOPLE)
def person_edit(person_id: int) -> ResponseReturnValue:
    person = db.get_or_404(Person, person_id)
    form = PersonEditForm(obj=person if request.method == "GET" else None)
    form.opd_id.choices = opd_options(person.opd_id, empty=_("— none —"))
    return _edit(
        form,
        person,
        PERSON_FIELDS,
        lambda original: organisation.update_person(
            person,
            **_person_kwargs(form),
            expected_version=form.version.data,
            original=original,
        ),
        template="admin/person_edit.html",
        success=lambda: _("The official %(name)s has been saved.", name=person.name),
        next_url=url_for("admin.people"),
    )


@bp.route("/people/<int:person_id>/toggle", methods=["POST"])
@requires(P.MANAGE_PEOPLE)
def person_toggle(person_id: int) -> ResponseReturnValue:
    person = db.get_or_404(Person, person_id)
    _toggle(person, lambda active: organisation.set_person_active(person, active), person.name)
    return redirect(url_for("admin.people"))


# --- users -----------------------------------------------------------------------------


@bp.route("/users")
@requires(P.MANAGE_USERS)
def users() -> ResponseReturnValue:
    stmt = (
        select(User)
        .outerjoin(User.opd)
        .options(contains_eager(User.opd), selectinload(User.person))
    )
    stmt, status = _status_filter(stmt, User.active)
    role = _enum_arg("role", Role)
    if role is not None:
        stmt = stmt.where(User.role == role)
    opd_id = int_arg("opd")
    if opd_id is not None:
        stmt = stmt.where(User.opd_id == opd_id)
    listing = Listing(
        stmt,
        sorts={
            "name": User.name,
            "email": User.email,
            "role": [User.role, User.name],
            "opd": [Opd.code, User.name],
            "last_login": User.last_login_at,
            "active": User.active,
        },
        default_sort="name",
        search=[User.email, User.name],
        tiebreak=User.id,
    )
    return render_template(
        "admin/users.html",
        listing=listing,
        status=status,
        status_choices=_status_choices(),
        role_filter=role.value if role else "",
        roles=[(m.value, m.label) for m in Role],
        opd_filter=opd_id,
        opd_options=_opd_filter_options(),
    )


def _show_password(user: User, password: str, *, created: bool) -> ResponseReturnValue:
    """The one and only time a generated password is shown (never stored in clear)."""
    return render_template(
        "admin/user_password.html", user=user, password=password, created=created
    )


@bp.route("/users/new", methods=["GET", "POST"])
@requires(P.MANAGE_USERS)
def user_new() -> ResponseReturnValue:
    form = UserNewForm()
    form.opd_id.choices = opd_options(empty=_("— none —"))
    form.person_id.choices = _person_choices()
    status = 200
    if form.validate_on_submit():
        try:
            user, generated = organisation.create_account(
                email=form.email.data,
                name=form.name.data,
                role=Role(form.role.data),
                opd_id=form.opd_id.data,
                person_id=form.person_id.data,
                password=form.password.data or None,
                now=utcnow(),
            )
        except DomainError as exc:
            db.session.rollback()
            attach_error(form, exc)
            status = 400
        else:
            db.session.commit()
            message = _("The login %(email)s has been created.", email=user.email)
            if generated:
                flash(message, "success")
                return _show_password(user, generated, created=True)
            flash(message, "success")
            return redirect(url_for("admin.users"))
    elif request.method == "POST":
        status = 400
    return render_template("admin/user_new.html", form=form), status


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@requires(P.MANAGE_USERS)
def user_edit(user_id: int) -> ResponseReturnValue:
    user = db.get_or_404(User, user_id)
    form = UserEditForm(obj=user if request.method == "GET" else None)
    form.opd_id.choices = opd_options(user.opd_id, empty=_("— none —"))
    form.person_id.choices = _person_choices(user.person_id)
    return _edit(
        form,
        user,
        USER_FIELDS,
        lambda original: organisation.update_account(
            user,
            name=form.name.data,
            role=Role(form.role.data),
            opd_id=form.opd_id.data,
            person_id=form.person_id.data,
            actor=current_user,
            expected_version=form.version.data,
            original=original,
        ),
        template="admin/user_edit.html",
        success=lambda: _("The login %(email)s has been saved.", email=user.email),
        next_url=url_for("admin.users"),
    )


@bp.route("/users/<int:user_id>/toggle", methods=["POST"])
@requires(P.MANAGE_USERS)
def user_toggle(user_id: int) -> ResponseReturnValue:
    user = db.get_or_404(User, user_id)
    _toggle(
        user,
        lambda active: organisation.set_account_active(user, active, actor=current_user),
        user.email,
    )
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@requires(P.MANAGE_USERS)
def user_reset_password(user_id: int) -> ResponseReturnValue:
    user = db.get_or_404(User, user_id)
    try:
        password = organisation.reset_password(user, actor=current_user, now=utcnow())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("admin.user_edit", user_id=user.id))
    db.session.commit()
    flash(_("The password of %(email)s has been reset.", email=user.email), "success")
    return _show_password(user, password, created=False)


# --- thematic areas --------------------------------------------------------------------


@bp.route("/thematic-areas")
@requires(P.MANAGE_REFERENCE)
def thematic_areas() -> ResponseReturnValue:
    stmt, status = _status_filter(select(ThematicArea), ThematicArea.active)
    year = int_arg("year")
    if year is not None:
        stmt = stmt.where(ThematicArea.year == year)
    listing = Listing(
        stmt,
        sorts={
            "year": [ThematicArea.year, ThematicArea.sort_order, ThematicArea.code],
            "code": ThematicArea.code,
            "name": ThematicArea.name,
            "order": [ThematicArea.sort_order, ThematicArea.code],
            "priority": [ThematicArea.is_priority, ThematicArea.sort_order],
            "active": ThematicArea.active,
        },
        default_sort="year",
        default_direction="desc",
        search=[ThematicArea.code, ThematicArea.name],
        tiebreak=ThematicArea.id,
    )
    years = db.session.scalars(
        select(ThematicArea.year).distinct().order_by(ThematicArea.year.desc())
    ).all()
    return render_template(
        "admin/thematic_areas.html",
        listing=listing,
        status=status,
        status_choices=_status_choices(),
        year_filter=year,
        years=years,
    )


def _area_kwargs(form: ThematicAreaForm) -> dict[str, Any]:
    return {
        "year": form.year.data,
        "code": form.code.data,
        "name": form.name.data,
        "description": form.description.data,
        "is_priority": bool(form.is_priority.data),
        "sort_order": form.sort_order.data,
    }


@bp.route("/thematic-areas/new", methods=["GET", "POST"])
@requires(P.MANAGE_REFERENCE)
def thematic_area_new() -> ResponseReturnValue:
    form = ThematicAreaForm()
    if request.method == "GET":
        form.year.data = int_arg("year") or today_wib().year
    return _create(
        form,
        lambda: organisation.create_thematic_area(**_area_kwargs(form)),
        template="admin/thematic_area_new.html",
        success=lambda area: _("The thematic area %(name)s has been added.", name=area.name),
        next_url=url_for("admin.thematic_areas"),
    )


@bp.route("/thematic-areas/<int:area_id>/edit", methods=["GET", "POST"])
@requires(P.MANAGE_REFERENCE)
def thematic_area_edit(area_id: int) -> ResponseReturnValue:
    area = db.get_or_404(ThematicArea, area_id)
    form = ThematicAreaEditForm(obj=area if request.method == "GET" else None)
    return _edit(
        form,
        area,
        AREA_FIELDS,
        lambda original: organisation.update_thematic_area(
            area, **_area_kwargs(form), expected_version=form.version.data, original=original
        ),
        template="admin/thematic_area_edit.html",
        success=lambda: _("The thematic area %(name)s has been saved.", name=area.name),
        next_url=url_for("admin.thematic_areas"),
    )


@bp.route("/thematic-areas/<int:area_id>/toggle", methods=["POST"])
@requires(P.MANAGE_REFERENCE)
def thematic_area_toggle(area_id: int) -> ResponseReturnValue:
    area = db.get_or_404(ThematicArea, area_id)
    _toggle(
        area,
        lambda active: organisation.set_thematic_area_active(area, active),
        f"{area.code} ({area.year})",
    )
    return redirect(url_for("admin.thematic_areas"))


# --- audit log (read-only) -------------------------------------------------------------


def _audited_types() -> list[str]:
    return sorted(
        m.class_.__name__ for m in Base.registry.mappers if getattr(m.class_, "__audited__", False)
    )


def _entity_label(name: str) -> str:
    return str(ENTITY_LABELS.get(name, name))


def _wib_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=WIB).astimezone(dt.UTC)


@bp.route("/audit")
@requires(P.VIEW_AUDIT_LOG)
def audit_log() -> ResponseReturnValue:
    form = AuditFilterForm(formdata=request.args)
    types = _audited_types()
    form.entity_type.choices = [
        _choice("", _("All records")),
        *(_choice(t, _entity_label(t)) for t in types),
    ]
    actors = db.session.execute(select(User.id, User.email).order_by(User.email)).all()
    form.actor.choices = [
        _choice("", _("Everyone")),
        _choice("system", _("System")),
        *(_choice(a.id, a.email) for a in actors),
    ]
    valid = form.validate()

    stmt = select(AuditLog)
    if form.entity_type.data in types:
        stmt = stmt.where(AuditLog.entity_type == form.entity_type.data)
    if form.action.data in {a.value for a in AuditAction}:
        stmt = stmt.where(AuditLog.action == AuditAction(form.action.data))
    actor = form.actor.data or ""
    if actor == "system":
        stmt = stmt.where(AuditLog.actor_id.is_(None))
    elif actor.isdigit() and len(actor) < 10:
        stmt = stmt.where(AuditLog.actor_id == int(actor))
    if not form.date_from.errors and form.date_from.data:
        stmt = stmt.where(AuditLog.at >= _wib_start(form.date_from.data))
    if not form.date_to.errors and form.date_to.data:
        stmt = stmt.where(AuditLog.at < _wib_start(form.date_to.data + dt.timedelta(days=1)))
    listing = Listing(
        stmt,
        sorts={"at": [AuditLog.at, AuditLog.id]},
        default_sort="at",
        default_direction="desc",
        search=[AuditLog.entity_label],
    )
    return render_template(
        "admin/audit_log.html",
        listing=listing,
        form=form,
        entity_labels=ENTITY_LABELS,
        changes=_describe_changes(listing.items),
    ), (200 if valid else 400)


@bp.route("/audit/<int:entry_id>")
@requires(P.VIEW_AUDIT_LOG)
def audit_entry(entry_id: int) -> ResponseReturnValue:
    entry = db.get_or_404(AuditLog, entry_id)
    link = None
    if entry.entity_type in ENTITY_EDIT:
        endpoint, arg = ENTITY_EDIT[entry.entity_type]
        model = next(
            m.class_ for m in Base.registry.mappers if m.class_.__name__ == entry.entity_type
        )
        if db.session.get(model, entry.entity_id) is not None:
            link = url_for(endpoint, **{arg: entry.entity_id})
    history = db.session.scalars(
        select(AuditLog)
        .where(AuditLog.entity_type == entry.entity_type, AuditLog.entity_id == entry.entity_id)
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
        .limit(50)
    ).all()
    return render_template(
        "admin/audit_entry.html",
        entry=entry,
        link=link,
        history=history,
        entity_labels=ENTITY_LABELS,
        changes=_describe_changes([entry])[entry.id],
    )
