"""Invitations, attendance on the day and self check-in."""

from __future__ import annotations

from collections.abc import Mapping
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
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from tracker.blueprints.workshops.forms import (
    AttendanceForm,
    InviteForm,
)
from tracker.blueprints.workshops.routes import (
    _detail_url,
    _external_detail_url,
    _load,
    _sign,
    _unsign,
    bp,
    flash_delivery,
)
from tracker.extensions import db
from tracker.i18n import datetime_wib
from tracker.models import (
    AttendanceStatus,
    HierarchyRole,
    Invitation,
    Opd,
    Person,
    Workshop,
)
from tracker.models.base import utcnow
from tracker.permissions import (
    P,
    login_only,
    requires,
    scope_workshops,
)
from tracker.saving import form_status, saving
from tracker.services import workshops as service

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
    with saving(form) as saved:
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
    if not saved:
        return render_template(
            "workshops/invite.html", **_invite_context(workshop, form)
        ), form_status(form)
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
        flash_delivery(
            outcome,
            ngettext(
                "%(num)d invitation e-mail has been sent.",
                "%(num)d invitation e-mails have been sent.",
                outcome.sent,
            ),
            _(
                "Could not send to: %(names)s. Their invitations are kept; "
                "try sending again later.",
                names="%(names)s",
            ),
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
    with saving() as saved:
        service.uninvite(workshop, invitation, actor=current_user)
    if saved:
        flash(_("%(name)s has been removed from the invitation list.", name=name), "success")
    return redirect(_detail_url(workshop, _anchor="invitees"))


# --- attendance ------------------------------------------------------------------------------


def _representative_options(invitations: list[Invitation]) -> dict[int, list[Person]]:
    """For each invitation: the active officials of the invitee's OPD, then the city's
    leaders (the usual representatives), only those below the invitee in protocol order;
    one query."""
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
    options: dict[int, list[Person]] = {}
    for inv in invitations:
        opd_id = inv.person.opd_id
        pool = [p for p in people if opd_id and p.opd_id == opd_id]
        pool += [p for p in leaders if p.opd_id != opd_id or not opd_id]
        options[inv.id] = [p for p in pool if service.may_represent(p, inv.person)]
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
    rejected: service.AttendanceRejected | service.AttendanceSaved | None = None,
) -> str:
    """The screen; after a save that refused some rows (``rejected``), those rows keep the
    values sent with their reasons, and the saved rows are marked."""
    invitations = service.load_invitations(workshop)
    by_id = {row.invitation_id: row for row in submitted or []}
    saved_ids = set(rejected.saved_ids) if isinstance(rejected, service.AttendanceSaved) else set()
    rows = []
    for inv in invitations:
        stored = service.row_values(inv)
        sent = by_id.get(inv.id)
        keep_sent = sent is not None and sent.touched and inv.id not in saved_ids
        values = dict(sent.values) if keep_sent and sent is not None else stored
        values["status"] = values.get("status") or AttendanceStatus.INVITED.value
        errors = rejected.errors.get(inv.id, []) if rejected else []
        rows.append(
            {
                "inv": inv,
                "values": values,
                "errors": errors,
                "error_fields": {f for f, _m in errors if f},
                "conflict": rejected.conflicts.get(inv.id) if rejected else None,
                "saved": inv.id in saved_ids,
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
    with saving(quiet=True) as saved:
        result = service.record_attendance(workshop, rows, actor=current_user, now=utcnow())
    if not saved:
        rejected = saved.error
        return _attendance_page(workshop, form, submitted=rows, rejected=rejected), (
            409 if getattr(rejected, "conflict", False) else 400
        )
    if result.partial:
        # Saved what was valid; the page lists the rows refused, with their reasons.
        return _attendance_page(workshop, form, submitted=rows, rejected=result), 200
    if result.changed:
        flash(
            ngettext(
                "Attendance saved: %(num)d invitee updated.",
                "Attendance saved: %(num)d invitees updated.",
                result.changed,
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
        # Not invited is answered above; if the invitation vanished meanwhile, the service's
        # NotAllowed is the one 403 handler's (tracker.errors).
        with saving(quiet=True) as saved:
            result = service.self_check_in(workshop, current_user, now=now)
        if not saved:
            assert saved.error is not None
            error, status = saved.error.message, 409 if saved.conflict else 400
        else:
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
