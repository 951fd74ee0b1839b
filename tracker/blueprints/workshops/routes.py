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
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from tracker.blueprints.workshops import documents
from tracker.blueprints.workshops.forms import (
    AttendanceForm,
    CancelForm,
    InviteForm,
    WorkshopEditForm,
    WorkshopForm,
)
from tracker.documents import pdf_response, safe_filename, xlsx_response
from tracker.extensions import db
from tracker.forms import attach_error, opd_options
from tracker.i18n import datetime_wib
from tracker.links import external_url
from tracker.listing import Listing
from tracker.models import (
    AttendanceStatus,
    HierarchyRole,
    Invitation,
    Opd,
    Person,
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
from tracker.services import workshops as service
from tracker.services.errors import ConflictError, DomainError, NotAllowed

bp = Blueprint("workshops", __name__)

WHEN_CHOICES = ("all", "upcoming", "past")

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
    when = request.args.get("when", "all")
    if when not in WHEN_CHOICES:
        when = "all"
    stmt = scope_workshops(select(Workshop)).options(selectinload(Workshop.organiser))
    if when == "upcoming":
        stmt = stmt.where(Workshop.ends_at >= now)
    elif when == "past":
        stmt = stmt.where(Workshop.ends_at < now)
    status = request.args.get("status", "")
    if status in {s.value for s in WorkshopStatus}:
        stmt = stmt.where(Workshop.status == WorkshopStatus(status))
    else:
        status = ""
    listing = Listing(
        stmt,
        sorts={
            "date": [Workshop.starts_at],
            "title": [Workshop.title],
            "venue": [Workshop.venue],
            "status": [Workshop.status, Workshop.starts_at],
        },
        default_sort="date",
        default_direction="asc" if when == "upcoming" else "desc",
        search=[Workshop.title, Workshop.theme, Workshop.venue],
        tiebreak=Workshop.id,
    )
    ids = [w.id for w in listing.items]
    counts: dict[int, tuple[int, int]] = {}
    if ids:
        attended = case(
            (Invitation.status.in_([AttendanceStatus.HADIR, AttendanceStatus.DIWAKILI]), 1),
            else_=0,
        )
        rows = db.session.execute(
            scope_invitations(
                select(Invitation.workshop_id, func.count(), func.sum(attended))
                .where(Invitation.workshop_id.in_(ids))
                .group_by(Invitation.workshop_id)
            )
        ).all()
        counts = {row[0]: (int(row[1]), int(row[2] or 0)) for row in rows}
    return render_template(
        "workshops/index.html",
        listing=listing,
        when=when,
        status=status,
        statuses=[(s.value, s.label) for s in WorkshopStatus],
        counts=counts,
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
    status = 200
    if form.validate_on_submit():
        try:
            workshop = service.create_workshop(
                actor=current_user, now=utcnow(), **_form_values(form)
            )
        except DomainError as exc:
            db.session.rollback()
            attach_error(form, exc)
            status = 400
        else:
            db.session.commit()
            flash(_("The workshop %(title)s has been planned.", title=workshop.title), "success")
            return redirect(_detail_url(workshop))
    elif request.method == "POST":
        status = 400
    return render_template("workshops/new.html", form=form), status


@bp.route("/<int:workshop_id>/edit", methods=["GET", "POST"])
@requires(P.MANAGE_WORKSHOPS)
def edit(workshop_id: int) -> ResponseReturnValue:
    workshop = _load(workshop_id, selectinload(Workshop.thematic_areas))
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
    status = 200
    changes: dict[str, tuple[Any, Any]] = {}
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                service.update_workshop(
                    workshop,
                    actor=current_user,
                    now=utcnow(),
                    **_form_values(form),
                    status=WorkshopStatus(form.status.data),
                    expected_version=form.version.data,
                    original=_unsign("edit", form.original.data, workshop.id),
                )
            except ConflictError as exc:
                db.session.rollback()
                changes = _describe_changes(exc.changes)
                form.form_errors.append(exc.message)
                # The user has now seen the current values: saving again overwrites them.
                form.version.data = workshop.version
                form.version.raw_data = [str(workshop.version)]
                form.original.data = _sign("edit", workshop.id, service.editable_values(workshop))
                status = 409
            except DomainError as exc:
                db.session.rollback()
                attach_error(form, exc)
                status = 400
            else:
                db.session.commit()
                flash(_("The workshop %(title)s has been saved.", title=workshop.title), "success")
                return redirect(_detail_url(workshop))
        else:
            status = 400
    labels = {key: str(label) for key, label in FIELD_LABELS.items()}
    return render_template(
        "workshops/edit.html", form=form, workshop=workshop, changes=changes, labels=labels
    ), status


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
        try:
            service.cancel_workshop(
                workshop, actor=current_user, now=utcnow(), reason=form.reason.data
            )
        except DomainError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            db.session.commit()
            flash(_("The workshop %(title)s has been cancelled.", title=workshop.title), "success")
            return redirect(_detail_url(workshop))
    return render_template(
        "workshops/detail.html", **_detail_context(workshop, cancel_form=form, show_cancel=True)
    ), 400


# --- invitations ---------------------------------------------------------------------------


def _invite_context(workshop: Workshop, form: InviteForm) -> dict[str, Any]:
    people = db.session.scalars(
        select(Person)
        .outerjoin(Person.opd)
        .where(Person.active.is_(True), or_(Person.opd_id.is_(None), Opd.active.is_(True)))
        .options(selectinload(Person.opd))
    ).all()
    people = sorted(people, key=service.protocol_key)
    opds = db.session.scalars(
        select(Opd).where(Opd.active.is_(True)).order_by(Opd.sort_order, Opd.name)
    ).all()
    invited = set(
        db.session.scalars(
            select(Invitation.person_id).where(Invitation.workshop_id == workshop.id)
        )
    )
    unsent = db.session.scalar(
        select(func.count())
        .select_from(Invitation)
        .join(Person, Invitation.person_id == Person.id)
        .where(
            Invitation.workshop_id == workshop.id,
            Invitation.invitation_sent_at.is_(None),
            Person.email.is_not(None),
        )
    )
    leaders = [p for p in people if p.hierarchy_role in service.LEADER_ROLES]
    heads = [p for p in people if p.hierarchy_role in service.HEAD_ROLES and p.opd is not None]
    secretaries = [
        p for p in people if p.hierarchy_role is HierarchyRole.SEKRETARIS_OPD and p.opd is not None
    ]
    preset_people = {
        service.InvitePreset.LEADERS.value: leaders,
        service.InvitePreset.HEADS.value: heads,
        service.InvitePreset.SECRETARIES.value: secretaries,
    }
    groups: list[tuple[Opd | None, list[Person]]] = []
    by_opd: dict[int | None, list[Person]] = {}
    for person in people:
        by_opd.setdefault(person.opd_id, []).append(person)
    if None in by_opd:
        groups.append((None, by_opd[None]))
    groups += [(opd, by_opd[opd.id]) for opd in opds if opd.id in by_opd]
    return {
        "workshop": workshop,
        "form": form,
        "groups": groups,
        "opds": opds,
        "invited": invited,
        "unsent": unsent or 0,
        "presets": [
            (
                preset,
                len(preset_people[preset.value]),
                sum(1 for p in preset_people[preset.value] if p.id not in invited),
            )
            for preset in service.InvitePreset
        ],
        "opd_counts": {
            opd.id: (
                len(by_opd.get(opd.id, [])),
                sum(1 for p in by_opd.get(opd.id, []) if p.id not in invited),
            )
            for opd in opds
        },
    }


@bp.route("/<int:workshop_id>/invite", methods=["GET", "POST"])
@requires(P.MANAGE_WORKSHOPS)
def invite(workshop_id: int) -> ResponseReturnValue:
    workshop = _load(workshop_id, selectinload(Workshop.organiser))
    if workshop.is_cancelled:
        flash(_("This workshop has been cancelled; it can no longer be changed."), "warning")
        return redirect(_detail_url(workshop))
    form = InviteForm()
    form.opd_ids.choices = [
        SelectChoice(str(i), str(i))
        for i in db.session.scalars(select(Opd.id).where(Opd.active.is_(True)))
    ]
    form.person_ids.choices = [
        SelectChoice(str(i), str(i))
        for i in db.session.scalars(select(Person.id).where(Person.active.is_(True)))
    ]
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            chosen = bool(form.presets.data or form.opd_ids.data or form.person_ids.data)
            if not chosen and not form.send_emails.data:
                form.form_errors.append(_("Choose at least one official, OPD or group to invite."))
                status = 400
            else:
                return _do_invite(workshop, form, chosen)
        else:
            status = 400
    return render_template("workshops/invite.html", **_invite_context(workshop, form)), status


def _do_invite(workshop: Workshop, form: InviteForm, chosen: bool) -> ResponseReturnValue:
    now = utcnow()
    added: list[Invitation] = []
    already = 0
    try:
        if chosen:
            result = service.invite(
                workshop,
                actor=current_user,
                now=now,
                presets=form.presets.data or [],
                opd_ids=form.opd_ids.data or [],
                person_ids=form.person_ids.data or [],
            )
            added, already = result.added, result.already
        outcome = None
        if form.send_emails.data:
            pending = db.session.scalars(
                select(Invitation)
                .where(
                    Invitation.workshop_id == workshop.id,
                    Invitation.invitation_sent_at.is_(None),
                )
                .options(selectinload(Invitation.person).selectinload(Person.opd))
            ).all()
            outcome = service.send_invitations(
                workshop,
                service.in_protocol_order(pending),
                now=now,
                url=_external_detail_url(workshop),
            )
    except DomainError as exc:
        db.session.rollback()
        form.form_errors.append(exc.message)
        status = 409 if isinstance(exc, ConflictError) else 400
        return render_template("workshops/invite.html", **_invite_context(workshop, form)), status
    db.session.commit()
    if chosen:
        flash(
            ngettext(
                "%(num)d official has been invited.",
                "%(num)d officials have been invited.",
                len(added),
            )
            + (
                " "
                + ngettext("%(num)d was already invited.", "%(num)d were already invited.", already)
                if already
                else ""
            ),
            "success",
        )
    if outcome is not None:
        flash(
            ngettext(
                "%(num)d invitation e-mail has been sent.",
                "%(num)d invitation e-mails have been sent.",
                outcome.sent,
            ),
            "success" if not outcome.failed else "warning",
        )
        if outcome.failed:
            flash(
                _(
                    "Could not send to: %(names)s. Their invitations are kept; "
                    "try sending again later.",
                    names=", ".join(outcome.failed),
                ),
                "danger",
            )
        if outcome.without_email:
            flash(
                _(
                    "No e-mail address recorded for: %(names)s.",
                    names=", ".join(outcome.without_email),
                ),
                "warning",
            )
    return redirect(_detail_url(workshop, _anchor="invitees"))


@bp.route("/<int:workshop_id>/invitations/<int:invitation_id>/remove", methods=["POST"])
@requires(P.MANAGE_WORKSHOPS)
def uninvite(workshop_id: int, invitation_id: int) -> ResponseReturnValue:
    workshop = _load(workshop_id)
    invitation = db.session.scalar(
        select(Invitation)
        .where(Invitation.id == invitation_id, Invitation.workshop_id == workshop.id)
        .options(selectinload(Invitation.person))
    )
    if invitation is None:
        abort(404)
    name = invitation.person.name
    try:
        service.uninvite(workshop, invitation, actor=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(_("%(name)s has been removed from the invitation list.", name=name), "success")
    return redirect(_detail_url(workshop, _anchor="invitees"))


# --- attendance ------------------------------------------------------------------------------


def _representative_options(invitations: list[Invitation]) -> dict[int | None, list[Person]]:
    """For each OPD of an invitee: its active officials, then the city's leaders (the usual
    representatives); one query."""
    opd_ids = sorted({inv.person.opd_id for inv in invitations if inv.person.opd_id})
    people = db.session.scalars(
        select(Person)
        .where(
            Person.active.is_(True),
            or_(
                Person.opd_id.in_(opd_ids),
                Person.hierarchy_role.in_(service.LEADER_ROLES),
            ),
        )
        .options(selectinload(Person.opd))
    ).all()
    people = sorted(people, key=service.protocol_key)
    leaders = [p for p in people if p.hierarchy_role in service.LEADER_ROLES]
    options: dict[int | None, list[Person]] = {None: leaders}
    for opd_id in opd_ids:
        own = [p for p in people if p.opd_id == opd_id]
        options[opd_id] = own + [p for p in leaders if p.opd_id != opd_id]
    return options


def _submitted_rows(form_data: Mapping[str, Any], originals: Any) -> list[service.AttendanceRow]:
    rows = []
    seen: set[int] = set()
    for raw in form_data.getlist("row"):  # type: ignore[attr-defined]
        if not raw.isdigit() or len(raw) > 9 or int(raw) in seen:
            continue
        inv_id = int(raw)
        seen.add(inv_id)
        version_raw = form_data.get(f"version-{inv_id}", "")
        version = int(version_raw) if version_raw.isdigit() and len(version_raw) < 10 else None
        values = {key: form_data.get(f"{key}-{inv_id}", "") for key in service.ROW_FIELDS}
        original = originals.get(str(inv_id)) if isinstance(originals, dict) else None
        rows.append(
            service.AttendanceRow(
                invitation_id=inv_id,
                version=version,
                values=values,
                original=original if isinstance(original, dict) else None,
            )
        )
    return rows


def _attendance_page(
    workshop: Workshop,
    form: AttendanceForm,
    *,
    submitted: list[service.AttendanceRow] | None = None,
    rejected: service.AttendanceRejected | None = None,
) -> str:
    invitations = service.load_invitations(workshop)
    by_id = {row.invitation_id: row for row in submitted or []}
    rows = []
    for inv in invitations:
        stored = service.row_values(inv)
        sent = by_id.get(inv.id)
        values = dict(sent.values) if sent is not None and sent.touched else stored
        values["status"] = values.get("status") or AttendanceStatus.INVITED.value
        errors = rejected.errors.get(inv.id, []) if rejected else []
        rows.append(
            {
                "inv": inv,
                "values": values,
                "errors": errors,
                "error_fields": {f for f, _m in errors if f},
                "conflict": rejected.conflicts.get(inv.id) if rejected else None,
            }
        )
    form.original.data = _sign(
        "attendance", workshop.id, {str(inv.id): service.row_values(inv) for inv in invitations}
    )
    summary = service.attendance_summary(invitations)
    return render_template(
        "workshops/attendance.html",
        workshop=workshop,
        form=form,
        rows=rows,
        rejected=rejected,
        summary=summary,
        rep_options=_representative_options(invitations),
        statuses=list(AttendanceStatus),
        Status=AttendanceStatus,
        checkin_state=service.checkin_state(workshop, utcnow()),
        checkin_refusal=service.checkin_refusal(workshop, utcnow()),
    )


@bp.route("/<int:workshop_id>/attendance", methods=["GET", "POST"])
@requires(P.MANAGE_WORKSHOPS)
def attendance(workshop_id: int) -> ResponseReturnValue:
    workshop = _load(workshop_id, selectinload(Workshop.organiser))
    form = AttendanceForm()
    if request.method == "GET":
        return _attendance_page(workshop, form)
    if not form.validate_on_submit():
        return _attendance_page(workshop, form), 400
    originals = _unsign("attendance", form.original.data, workshop.id)
    rows = _submitted_rows(request.form, originals)
    try:
        saved = service.record_attendance(workshop, rows, actor=current_user, now=utcnow())
    except service.AttendanceRejected as exc:
        db.session.rollback()
        return _attendance_page(workshop, form, submitted=rows, rejected=exc), (
            409 if exc.conflict else 400
        )
    db.session.commit()
    if saved.changed:
        flash(
            ngettext(
                "Attendance saved: %(num)d invitee updated.",
                "Attendance saved: %(num)d invitees updated.",
                saved.changed,
            ),
            "success",
        )
    else:
        flash(_("Nothing to save: no attendance was changed."), "info")
    return redirect(url_for("workshops.attendance", workshop_id=workshop.id))


# --- self check-in -------------------------------------------------------------------------


def _checkin_page(
    workshop: Workshop | None, status: int, *, refusal: str | None = None, **context: Any
) -> ResponseReturnValue:
    return render_template(
        "workshops/checkin.html", workshop=workshop, refusal=refusal, **context
    ), status


@bp.route("/<int:workshop_id>/checkin", methods=["GET", "POST"])
@login_only
def checkin(workshop_id: int) -> ResponseReturnValue:
    workshop = db.session.scalar(
        scope_workshops(select(Workshop).where(Workshop.id == workshop_id)).options(
            selectinload(Workshop.organiser)
        )
    )
    if workshop is None:
        return _checkin_page(
            None,
            404,
            refusal=_(
                "This workshop does not exist, or neither you nor your OPD is invited to it."
            ),
        )
    invitation = service.own_invitation(workshop, current_user)
    if invitation is None:
        return _checkin_page(
            workshop, 403, refusal=service.not_invited_reason(workshop, current_user)
        )
    now = utcnow()
    status = 200
    error = None
    if request.method == "POST":
        try:
            result = service.self_check_in(workshop, current_user, now=now)
        except NotAllowed as exc:
            db.session.rollback()
            return _checkin_page(workshop, 403, refusal=exc.message)
        except ConflictError as exc:
            db.session.rollback()
            error, status = exc.message, 409
        except DomainError as exc:
            db.session.rollback()
            error, status = exc.message, 400
        else:
            db.session.commit()
            checked = result.invitation.checked_in_at
            if result.changed:
                flash(
                    _(
                        "Welcome! You are checked in at %(time)s.",
                        time=datetime_wib(checked) if checked else "",
                    ),
                    "success",
                )
            else:
                flash(
                    _(
                        "You were already checked in at %(time)s; nothing has changed.",
                        time=datetime_wib(checked) if checked else "—",
                    ),
                    "info",
                )
            return redirect(url_for("workshops.checkin", workshop_id=workshop.id))
        invitation = service.own_invitation(workshop, current_user)
    return _checkin_page(
        workshop,
        status,
        invitation=invitation,
        error=error,
        state=service.checkin_state(workshop, now),
        window_refusal=service.checkin_refusal(workshop, now),
        Status=AttendanceStatus,
    )


# --- QR code, calendar and the attendance sheet ------------------------------------------------


@bp.route("/<int:workshop_id>/qr.svg")
@login_only
def qr(workshop_id: int) -> ResponseReturnValue:
    workshop = _load(workshop_id)
    svg = documents.qr_svg(
        _checkin_url(workshop), title=_("Check-in: %(title)s", title=workshop.title)
    )
    response = Response(svg, mimetype="image/svg+xml")
    # A standalone image: nothing to load, no scripts (set before the app's default CSP).
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.route("/<int:workshop_id>/calendar.ics")
@login_only
def ics(workshop_id: int) -> ResponseReturnValue:
    workshop = _load(workshop_id, selectinload(Workshop.organiser))
    data = service.workshop_ics(workshop, now=utcnow(), url=_external_detail_url(workshop))
    response = Response(data, mimetype="text/calendar")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{safe_filename(workshop.title, "ics")}"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _head_of(opd_id: int | None) -> Person | None:
    """The head of the organising OPD (the Inspektur for the Inspektorat), to sign."""
    if opd_id is None:
        return None
    return db.session.scalars(
        select(Person)
        .where(
            Person.opd_id == opd_id,
            Person.active.is_(True),
            Person.hierarchy_role.in_(sorted(service.HEAD_ROLES)),
        )
        .order_by(Person.id)
        .limit(1)
    ).first()


def _sheet_name(workshop: Workshop, extension: str) -> str:
    day = service.wib_local(workshop.starts_at).strftime("%Y-%m-%d")
    return safe_filename(f"daftar-hadir-{day}-{workshop.title}", extension)


@bp.route("/<int:workshop_id>/daftar-hadir.pdf")
@requires(P.VIEW_ALL)
def sheet_pdf(workshop_id: int) -> ResponseReturnValue:
    workshop = _load(workshop_id, selectinload(Workshop.organiser))
    invitations = service.load_invitations(workshop)
    data = documents.sheet_pdf(workshop, invitations, _head_of(workshop.organiser_opd_id))
    return pdf_response(data, _sheet_name(workshop, "pdf"))


@bp.route("/<int:workshop_id>/daftar-hadir.xlsx")
@requires(P.VIEW_ALL)
def sheet_xlsx(workshop_id: int) -> ResponseReturnValue:
    workshop = _load(workshop_id, selectinload(Workshop.organiser))
    invitations = service.load_invitations(workshop)
    workbook = documents.sheet_workbook(
        workshop, invitations, service.attendance_summary(invitations)
    )
    return xlsx_response(workbook, _sheet_name(workshop, "xlsx"))


__all__ = ["bp"]
