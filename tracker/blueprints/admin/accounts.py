"""Officials and user accounts."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from tracker import phones
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
    _person_choices,
    _status_choices,
    _toggle,
    bp,
    list_xlsx,
)
from tracker.extensions import db
from tracker.forms import opd_options
from tracker.imports.kinds import officials as official_import
from tracker.listing import int_arg
from tracker.models import (
    HierarchyRole,
    NotifyChannel,
    Person,
    Role,
    User,
)
from tracker.models.base import utcnow
from tracker.permissions import P, requires
from tracker.saving import form_status, saving
from tracker.services import organisation, reviews
from tracker.services import organisation_list as lists

# --- officials -------------------------------------------------------------------------


@bp.route("/people")
@requires(P.VIEW_PEOPLE)
def people() -> ResponseReturnValue:
    filters = lists.PersonFilters.from_args(request.args)
    return render_template(
        "admin/people.html",
        listing=lists.people(filters, request.args),
        status=filters.status,
        status_choices=_status_choices(),
        opd_filter=filters.opd,
        opd_options=lists.opd_filter_options(),
        role_filter=filters.role.value if filters.role else "",
        roles=[(m.value, m.label) for m in HierarchyRole],
    )


@bp.route("/people.xlsx")
@requires(P.VIEW_PEOPLE)
def people_xlsx() -> ResponseReturnValue:
    """The list as the page shows it (filters, search, order), every row, in the columns
    the officials import reads back (tracker.imports.kinds.officials)."""
    filters = lists.PersonFilters.from_args(request.args)
    rows = lists.people(filters, request.args, paginate=False).all()
    return list_xlsx(
        _("Officials"),
        "pejabat",
        official_import.EXPORT_HEADINGS,
        map(official_import.export_row, rows),
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
        "notify_by": NotifyChannel(form.notify_by.data),
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
    if request.method == "GET" and person.phone:
        form.phone.data = phones.display(person.phone)
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
    filters = lists.UserFilters.from_args(request.args)
    return render_template(
        "admin/users.html",
        listing=lists.users(filters, request.args),
        status=filters.status,
        status_choices=_status_choices(),
        role_filter=filters.role.value if filters.role else "",
        roles=[(m.value, m.label) for m in Role],
        opd_filter=filters.opd_id,
        opd_options=lists.opd_filter_options(),
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
    if form.validate_on_submit():
        with saving(form) as saved:
            user, generated = organisation.create_account(
                email=form.email.data,
                name=form.name.data,
                role=Role(form.role.data),
                opd_id=form.opd_id.data,
                person_id=form.person_id.data,
                password=form.password.data or None,
                now=utcnow(),
            )
        if saved:
            flash(_("The login %(email)s has been created.", email=user.email), "success")
            if generated:
                return _show_password(user, generated, created=True)
            return redirect(url_for("admin.users"))
    return render_template("admin/user_new.html", form=form), form_status(form)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@requires(P.MANAGE_USERS)
def user_edit(user_id: int) -> ResponseReturnValue:
    user = db.get_or_404(User, user_id)
    form = UserEditForm(obj=user if request.method == "GET" else None)
    form.opd_id.choices = opd_options(user.opd_id, empty=_("— none —"))
    form.person_id.choices = _person_choices(user.person_id)

    def save(original: Any) -> Any:
        changed = organisation.update_account(
            user,
            name=form.name.data,
            role=Role(form.role.data),
            opd_id=form.opd_id.data,
            person_id=form.person_id.data,
            actor=current_user,
            expected_version=form.version.data,
            original=original,
        )
        reviews.set_approver(current_user, user, bool(form.approves_decisions.data))
        return changed

    return _edit(
        form,
        user,
        (*USER_FIELDS, "approves_decisions"),
        save,
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
    with saving() as saved:
        password = organisation.reset_password(user, actor=current_user, now=utcnow())
    if not saved:
        return redirect(url_for("admin.user_edit", user_id=user.id))
    flash(_("The password of %(email)s has been reset.", email=user.email), "success")
    return _show_password(user, password, created=False)
