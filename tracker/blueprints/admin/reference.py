"""Thematic areas and the audit log (read-only)."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from tracker.blueprints.admin.audit_text import ENTITY_LABELS, describe_changes, entity_label
from tracker.blueprints.admin.forms import (
    AuditFilterForm,
    ThematicAreaEditForm,
    ThematicAreaForm,
)
from tracker.blueprints.admin.routes import (
    AREA_FIELDS,
    ENTITY_EDIT,
    _choice,
    _create,
    _edit,
    _status_choices,
    _toggle,
    bp,
)
from tracker.extensions import db
from tracker.i18n import today_wib
from tracker.listing import int_arg
from tracker.models import (
    AuditAction,
    AuditLog,
    Base,
    ThematicArea,
    User,
)
from tracker.permissions import P, requires
from tracker.services import organisation
from tracker.services import organisation_list as lists

# --- thematic areas --------------------------------------------------------------------


@bp.route("/thematic-areas")
@requires(P.MANAGE_REFERENCE)
def thematic_areas() -> ResponseReturnValue:
    filters = lists.AreaFilters.from_args(request.args)
    return render_template(
        "admin/thematic_areas.html",
        listing=lists.thematic_areas(filters, request.args),
        status=filters.status,
        status_choices=_status_choices(),
        year_filter=filters.year,
        years=lists.area_years(),
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


@bp.route("/audit")
@requires(P.VIEW_AUDIT_LOG)
def audit_log() -> ResponseReturnValue:
    form = AuditFilterForm(formdata=request.args)
    types = _audited_types()
    form.entity_type.choices = [
        _choice("", _("All records")),
        *(_choice(t, entity_label(t)) for t in types),
    ]
    actors = db.session.execute(select(User.id, User.email).order_by(User.email)).all()
    form.actor.choices = [
        _choice("", _("Everyone")),
        _choice("system", _("System")),
        *(_choice(a.id, a.email) for a in actors),
    ]
    valid = form.validate()

    actor = form.actor.data or ""
    filters = lists.AuditFilters(
        entity_type=form.entity_type.data if form.entity_type.data in types else None,
        action=(
            AuditAction(form.action.data)
            if form.action.data in {a.value for a in AuditAction}
            else None
        ),
        actor="system" if actor == "system" else int_arg("actor", {"actor": actor}),
        date_from=form.date_from.data if not form.date_from.errors else None,
        date_to=form.date_to.data if not form.date_to.errors else None,
    )
    listing = lists.audit_log(filters, request.args)
    return render_template(
        "admin/audit_log.html",
        listing=listing,
        form=form,
        entity_labels=ENTITY_LABELS,
        changes=describe_changes(listing.items),
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
        changes=describe_changes([entry])[entry.id],
    )
