"""Workshops: planning, invitations, attendance at the door, QR self check-in and the
attendance sheet.

Views are thin: load (scoped: an ``opd`` user only finds workshops they or their OPD are
invited to, anything else is 404) → check permission → validate → call
:mod:`tracker.services.workshops` → commit → flash → redirect.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from flask import (
    Blueprint,
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
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from tracker.blueprints.workshops.forms import (
    CancelForm,
    WorkshopEditForm,
    WorkshopForm,
)
from tracker.extensions import db
from tracker.forms import opd_options
from tracker.i18n import datetime_wib
from tracker.links import external_url
from tracker.models import (
    AttendanceStatus,
    Opd,
    ThematicArea,
    Workshop,
    WorkshopKind,
    WorkshopStatus,
)
from tracker.models.base import utcnow
from tracker.permissions import (
    P,
    can,
    login_only,
    requires,
    scope_invitations,
    scope_workshops,
)
from tracker.saving import form_status, saving
from tracker.services import workshop_list as lists
from tracker.services import workshop_notices as notices
from tracker.services import workshops as service

bp = Blueprint("workshops", __name__)

#: Labels of the edit form's fields, for the "changed meanwhile" list.
FIELD_LABELS: dict[str, Any] = {
    "title": _l("Title"),
    "theme": _l("Theme"),
    "kind": _l("Kind"),
    "starts_at": _l("Start (WIB)"),
    "ends_at": _l("End (WIB)"),
    "venue": _l("Venue"),
    "organiser_opd_id": _l("Organiser"),
    "description": _l("Description"),
    "agenda": _l("Agenda"),
    "status": _l("Status"),
    "thematic_area_ids": _l("Thematic areas"),
}


# --- helpers ---------------------------------------------------------------------------


def _load(workshop_id: int, *options: Any) -> Workshop:
    """The workshop if the current user may see it, else 404."""
    stmt = scope_workshops(select(Workshop).where(Workshop.id == workshop_id))
    workshop = db.session.scalar(stmt.options(*options))
    if workshop is None:
        abort(404)
    return workshop


def _detail_url(workshop: Workshop, **kw: Any) -> str:
    return url_for("workshops.detail", workshop_id=workshop.id, **kw)


def _external_detail_url(workshop: Workshop) -> str:
    return external_url("workshops.detail", workshop_id=workshop.id)


def _checkin_url(workshop: Workshop) -> str:
    return external_url("workshops.checkin", workshop_id=workshop.id)


def _signer(purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key or "", salt=f"tracker.workshops.{purpose}")


def _sign(purpose: str, record_id: int, values: Any) -> str:
    return str(_signer(purpose).dumps({"id": record_id, "values": values}))


def _unsign(purpose: str, token: str | None, record_id: int) -> Any:
    try:
        data = _signer(purpose).loads(token or "")
    except BadData:
        return None
    if not isinstance(data, dict) or data.get("id") != record_id:
        return None
    return data.get("values")


def _area_choices(current_ids: Iterable[int] = ()) -> list[SelectChoice]:
    current = sorted(set(current_ids))
    areas = db.session.scalars(
        select(ThematicArea)
        .where(or_(ThematicArea.active.is_(True), ThematicArea.id.in_(current)))
        .order_by(ThematicArea.year.desc(), ThematicArea.sort_order, ThematicArea.name)
    ).all()
    return [SelectChoice(str(a.id), f"{a.year} · {a.name}") for a in areas]


def _form_values(form: WorkshopForm) -> dict[str, Any]:
    def utc(value: dt.datetime | None) -> dt.datetime | None:
        return service.from_wib_local(value) if value is not None else None

    return {
        "title": form.title.data,
        "theme": form.theme.data,
        "kind": WorkshopKind(form.kind.data),
        "starts_at": utc(form.starts_at.data),
        "ends_at": utc(form.ends_at.data),
        "venue": form.venue.data,
        "organiser_opd_id": form.organiser_opd_id.data,
        "description": form.description.data,
        "agenda": form.agenda.data,
        "thematic_area_ids": list(form.thematic_area_ids.data or []),
    }


def _describe_value(key: str, value: Any, names: Mapping[str, Mapping[int, str]]) -> Any:
    """A value from the conflict report as the user knows it."""
    if value is None or value == []:
        return None
    if key in ("starts_at", "ends_at") and isinstance(value, str):
        try:
            return datetime_wib(dt.datetime.fromisoformat(value))
        except ValueError:
            return value
    if key == "kind" and value in {k.value for k in WorkshopKind}:
        return WorkshopKind(value).label
    if key == "status" and value in {s.value for s in WorkshopStatus}:
        return WorkshopStatus(value).label
    if key == "organiser_opd_id":
        return names["opd"].get(value, value)
    if key == "thematic_area_ids":
        return ", ".join(str(names["area"].get(i, i)) for i in value)
    return value


def _describe_changes(changes: Mapping[str, tuple[Any, Any]]) -> dict[str, tuple[Any, Any]]:
    opd_ids = {
        v for k, pair in changes.items() if k == "organiser_opd_id" for v in pair if v is not None
    }
    area_ids = {
        i for k, pair in changes.items() if k == "thematic_area_ids" for v in pair for i in v or []
    }
    names: dict[str, dict[int, str]] = {"opd": {}, "area": {}}
    if opd_ids:
        names["opd"] = dict(
            db.session.execute(select(Opd.id, Opd.name).where(Opd.id.in_(sorted(opd_ids)))).all()
        )
    if area_ids:
        names["area"] = dict(
            db.session.execute(
                select(ThematicArea.id, ThematicArea.name).where(
                    ThematicArea.id.in_(sorted(area_ids))
                )
            ).all()
        )
    return {
        key: (_describe_value(key, a, names), _describe_value(key, b, names))
        for key, (a, b) in changes.items()
    }


# --- list and detail ---------------------------------------------------------------------


@bp.route("/")
@login_only
def index() -> ResponseReturnValue:
    now = utcnow()
    filters = lists.Filters.from_args(request.args)
    found = lists.page(filters, now, request.args)
    return render_template(
        "workshops/index.html",
        listing=found.listing,
        when=filters.when,
        status=filters.status,
        statuses=[(s.value, s.label) for s in WorkshopStatus],
        counts=found.counts,
        now=now,
    )


def _detail_context(workshop: Workshop, **extra: Any) -> dict[str, Any]:
    now = utcnow()
    invitations = service.load_invitations(workshop, scope_invitations)
    sees_all = can(P.VIEW_ALL)
    mine = None
    if current_user.person_id is not None:
        mine = next((i for i in invitations if i.person_id == current_user.person_id), None)
    opens, closes = service.checkin_window(workshop)
    context = {
        "workshop": workshop,
        "invitations": invitations,
        "summary": service.attendance_summary(invitations) if sees_all else None,
        "sees_all": sees_all,
        "manage": can(P.MANAGE_WORKSHOPS),
        "mine": mine,
        "checkin_state": service.checkin_state(workshop, now),
        "checkin_refusal": service.checkin_refusal(workshop, now),
        "checkin_opens": opens,
        "checkin_closes": closes,
        "checkin_url": _checkin_url(workshop),
        "cancel_form": CancelForm(),
        "sent_versions": notices.sent_versions(workshop, invitations),
        "now": now,
        "Status": AttendanceStatus,
    }
    context.update(extra)
    return context


@bp.route("/<int:workshop_id>")
@login_only
def detail(workshop_id: int) -> ResponseReturnValue:
    workshop = _load(
        workshop_id, selectinload(Workshop.organiser), selectinload(Workshop.thematic_areas)
    )
    return render_template("workshops/detail.html", **_detail_context(workshop))


# --- create, edit, cancel ------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@requires(P.MANAGE_WORKSHOPS)
def new() -> ResponseReturnValue:
    form = WorkshopForm()
    if request.method == "GET":
        form.organiser_opd_id.data = service.default_organiser_id()
    form.organiser_opd_id.choices = opd_options(empty=_("— none —"))
    form.thematic_area_ids.choices = _area_choices()
    if form.validate_on_submit():
        with saving(form) as saved:
            workshop = service.create_workshop(
                actor=current_user, now=utcnow(), **_form_values(form)
            )
        if saved:
            flash(_("“%(title)s” has been planned.", title=workshop.title), "success")
            return redirect(_detail_url(workshop))
    return render_template("workshops/new.html", form=form), form_status(form)


@bp.route("/<int:workshop_id>/edit", methods=["GET", "POST"])
@requires(P.MANAGE_WORKSHOPS)
def edit(workshop_id: int) -> ResponseReturnValue:
    workshop = _load(
        workshop_id, selectinload(Workshop.thematic_areas), selectinload(Workshop.organiser)
    )
    if workshop.is_cancelled:
        flash(_("This workshop has been cancelled; it can no longer be changed."), "warning")
        return redirect(_detail_url(workshop))
    form = WorkshopEditForm()
    if request.method == "GET":
        form.process(
            data={
                "title": workshop.title,
                "theme": workshop.theme,
                "kind": workshop.kind.value,
                "starts_at": service.wib_local(workshop.starts_at),
                "ends_at": service.wib_local(workshop.ends_at),
                "venue": workshop.venue,
                "organiser_opd_id": workshop.organiser_opd_id,
                "thematic_area_ids": [a.id for a in workshop.thematic_areas],
                "description": workshop.description,
                "agenda": workshop.agenda,
                "status": workshop.status.value,
                "version": workshop.version,
                "original": _sign("edit", workshop.id, service.editable_values(workshop)),
            }
        )
    form.organiser_opd_id.choices = opd_options(workshop.organiser_opd_id, empty=_("— none —"))
    form.thematic_area_ids.choices = _area_choices(a.id for a in workshop.thematic_areas)
    changes: dict[str, tuple[Any, Any]] = {}
    if form.validate_on_submit():
        values = _form_values(form)
        preview = notices.preview_change(
            workshop,
            starts_at=values["starts_at"],
            ends_at=values["ends_at"],
            venue=values["venue"],
        )
        if (
            preview.needs_confirmation
            and not form.confirm_notice.data
            and form.version.data == workshop.version
        ):
            # The confirmation step: what changes, and to how many invitees it is sent.
            return render_template(
                "workshops/edit.html",
                form=form,
                workshop=workshop,
                changes=changes,
                labels=_labels(),
                confirm=preview,
            )
        with saving(form) as saved:
            result = notices.update_and_notify(
                workshop,
                actor=current_user,
                now=utcnow(),
                url=_external_detail_url(workshop),
                confirmed=bool(form.confirm_notice.data),
                **values,
                status=WorkshopStatus(form.status.data),
                expected_version=form.version.data,
                original=_unsign("edit", form.original.data, workshop.id),
            )
        if saved:
            flash(_("“%(title)s” has been saved.", title=workshop.title), "success")
            _flash_notice(result.notice)
            return redirect(_detail_url(workshop))
        if saved.conflict:
            changes = _describe_changes(saved.conflict.changes)
            form.show_current(workshop.version)
            form.original.data = _sign("edit", workshop.id, service.editable_values(workshop))
    return render_template(
        "workshops/edit.html",
        form=form,
        workshop=workshop,
        changes=changes,
        labels=_labels(),
        confirm=None,
    ), form_status(form)


def _labels() -> dict[str, str]:
    return {key: str(label) for key, label in FIELD_LABELS.items()}


def flash_delivery(outcome: Any, sent: str, failed: str) -> None:
    """Tell the user whom a sending reached (``sent``, already worded with the count), whom
    it did not (``failed``, with ``%(names)s``) and who has no e-mail address."""
    flash(sent, "success" if not outcome.failed else "warning")
    if outcome.failed:
        flash(failed % {"names": ", ".join(outcome.failed)}, "danger")
    if outcome.by_whatsapp:
        flash(
            ngettext(
                "%(num)d invitee without an e-mail address is told by WhatsApp.",
                "%(num)d invitees without an e-mail address are told by WhatsApp.",
                outcome.by_whatsapp,
            ),
            "info",
        )
    if outcome.without_email:
        flash(
            _(
                "No e-mail address recorded for: %(names)s.",
                names=", ".join(outcome.without_email),
            ),
            "warning",
        )


def _flash_notice(outcome: notices.NoticeOutcome | None) -> None:
    """Tell the user whom the update or cancellation reached, and whom not."""
    if outcome is None:
        return
    flash_delivery(
        outcome,
        ngettext(
            "The change has been sent to %(num)d invitee.",
            "The change has been sent to %(num)d invitees.",
            outcome.sent,
        ),
        _(
            "Could not send the change to: %(names)s. Send it again from the invitee list.",
            names="%(names)s",
        ),
    )


@bp.route("/<int:workshop_id>/cancel", methods=["POST"])
@requires(P.MANAGE_WORKSHOPS)
def cancel(workshop_id: int) -> ResponseReturnValue:
    workshop = _load(
        workshop_id, selectinload(Workshop.organiser), selectinload(Workshop.thematic_areas)
    )
    if workshop.is_cancelled:
        flash(_("This workshop has already been cancelled."), "warning")
        return redirect(_detail_url(workshop))
    form = CancelForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            outcome = notices.cancel_and_notify(
                workshop,
                actor=current_user,
                now=utcnow(),
                url=_external_detail_url(workshop),
                reason=form.reason.data,
                confirmed=bool(form.confirm_notice.data),
            )
        if saved:
            flash(_("“%(title)s” has been cancelled.", title=workshop.title), "success")
            _flash_notice(outcome)
            return redirect(_detail_url(workshop))
    return render_template(
        "workshops/detail.html", **_detail_context(workshop, cancel_form=form, show_cancel=True)
    ), 400


@bp.route("/<int:workshop_id>/notices/resend", methods=["POST"])
@requires(P.MANAGE_WORKSHOPS)
def resend_notice(workshop_id: int) -> ResponseReturnValue:
    """Send the latest version (update or cancellation) to the invitees who lack it."""
    workshop = _load(workshop_id, selectinload(Workshop.organiser))
    with saving() as saved:
        outcome = notices.resend_latest(
            workshop, actor=current_user, now=utcnow(), url=_external_detail_url(workshop)
        )
    if saved:
        _flash_notice(outcome)
    return redirect(_detail_url(workshop, _anchor="invitees"))


# The other sub-areas add their routes to ``bp`` (imported last: they use the helpers above).
from tracker.blueprints.workshops import cards, door, invitees, sheets, signatures  # noqa: E402, F401
