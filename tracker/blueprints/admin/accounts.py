"""Officials and user accounts."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case, select
from sqlalchemy.orm import contains_eager, selectinload

from tracker.blueprints.admin.forms import (
    PersonEditForm,
    PersonForm,
    UserEditForm,
    UserNewForm,
)
from tracker.blueprints.admin.routes import (
    PERSON_FIELDS,
    USER_FIELDS,
    _create,
    _edit,
    _enum_arg,
    _opd_filter_options,
    _person_choices,
    _status_choices,
    _status_filter,
    _toggle,
    bp,
)
from tracker.extensions import db
from tracker.forms import attach_error, opd_options
from tracker.listing import Listing, int_arg
from tracker.models import (
    HierarchyRole,
    Opd,
    Person,
    Role,
    User,
)
from tracker.models.base import utcnow
from tracker.permissions import P, requires
from tracker.services import organisation
from tracker.services.errors import DomainError

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
