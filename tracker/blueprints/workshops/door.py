"""The door kiosk (personal passes read by the camera, search-and-tap, walk-ins) and the
walk-in page of the attendance screen.

The kiosk talks JSON: each answer says who arrived (or why not) and echoes the scan's
client id, so the page can drop a queued scan once the server has answered it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload
from wtforms import IntegerField
from wtforms.validators import InputRequired

from tracker.blueprints.workshops.routes import _load, bp
from tracker.forms import TrackerForm
from tracker.guards import DB_INT_MAX
from tracker.i18n import time_wib
from tracker.models import AttendanceStatus, Workshop
from tracker.models.base import utcnow
from tracker.permissions import P, requires
from tracker.saving import form_status, saving
from tracker.services import door as service
from tracker.services import workshops as workshop_service
from tracker.services.errors import ConflictError, DomainError

_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
#: a scan time older than this is not believed (a device clock far off)
MAX_QUEUE_AGE = dt.timedelta(days=2)


class WalkInForm(TrackerForm):
    person_id = IntegerField(validators=[InputRequired()])


def _payload() -> dict[str, Any]:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


def _client_id(payload: dict[str, Any]) -> str | None:
    value = payload.get("client_id")
    return value if isinstance(value, str) and _CLIENT_ID.match(value) else None


def _scanned_at(payload: dict[str, Any], now: dt.datetime) -> dt.datetime | None:
    """The moment of the scan (milliseconds since the epoch, from the device), or None."""
    value = payload.get("scanned_at")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not 0 < value < 10**14:
        return None
    millis = int(value)
    moment = dt.datetime.fromtimestamp(millis // 1000, tz=dt.UTC) + dt.timedelta(
        milliseconds=millis % 1000
    )
    return moment if moment > now - MAX_QUEUE_AGE else None


def _positive_int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    text = str(value)
    if not text.isdigit() or len(text) > 10 or not 0 < int(text) <= DB_INT_MAX:
        return None
    return int(text)


def _refused(message: str, client_id: str | None) -> dict[str, Any]:
    return {"ok": False, "outcome": "refused", "message": message, "client_id": client_id}


def _answer(
    saved: Any, arrival: service.DoorArrival | None, client_id: str | None
) -> ResponseReturnValue:
    if not saved or arrival is None:
        error: DomainError | None = saved.error
        message = error.message if error else _("Nothing was recorded.")
        status = 409 if isinstance(error, ConflictError) else 400
        return jsonify(_refused(message, client_id)), status
    return jsonify({**service.describe(arrival), "client_id": client_id})


@bp.route("/<int:workshop_id>/door")
@requires(P.MANAGE_WORKSHOPS)
def door(workshop_id: int) -> ResponseReturnValue:
    workshop = _load(workshop_id, selectinload(Workshop.organiser))
    now = utcnow()
    opens, closes = workshop_service.checkin_window(workshop)
    return render_template(
        "workshops/door.html",
        workshop=workshop,
        invitations=workshop_service.load_invitations(workshop),
        candidates=service.walk_in_candidates(workshop),
        refusal=workshop_service.checkin_refusal(workshop, now),
        opens=time_wib(opens),
        closes=time_wib(closes),
        Status=AttendanceStatus,
    )


@bp.route("/<int:workshop_id>/door/scan", methods=["POST"])
@requires(P.MANAGE_WORKSHOPS)
def door_scan(workshop_id: int) -> ResponseReturnValue:
    """A pass read at the door (``text``: the link or token) or an invitee tapped in the
    list (``invitation_id``)."""
    workshop = _load(workshop_id)
    payload = _payload()
    now = utcnow()
    scanned_at = _scanned_at(payload, now)
    invitation_id = _positive_int(payload.get("invitation_id"))
    text = payload.get("text")
    arrival = None
    with saving(quiet=True) as saved:
        if invitation_id is not None:
            arrival = service.arrive(workshop, invitation_id, scanned_at=scanned_at, now=now)
        else:
            arrival = service.scan(
                workshop, text if isinstance(text, str) else "", scanned_at=scanned_at, now=now
            )
    return _answer(saved, arrival, _client_id(payload))


@bp.route("/<int:workshop_id>/door/walk-in", methods=["POST"])
@requires(P.MANAGE_WORKSHOPS)
def door_walk_in(workshop_id: int) -> ResponseReturnValue:
    workshop = _load(workshop_id)
    payload = _payload()
    now = utcnow()
    person_id = _positive_int(payload.get("person_id"))
    client_id = _client_id(payload)
    if person_id is None:
        message = _("Choose the official who came without an invitation.")
        return jsonify(_refused(message, client_id)), 400
    arrival = None
    with saving(quiet=True) as saved:
        arrival = service.add_walk_in(
            workshop,
            person_id,
            actor=current_user,
            scanned_at=_scanned_at(payload, now),
            now=now,
        )
    return _answer(saved, arrival, client_id)


@bp.route("/<int:workshop_id>/walk-ins", methods=["GET", "POST"])
@requires(P.MANAGE_WORKSHOPS)
def walk_in(workshop_id: int) -> ResponseReturnValue:
    """The attendance screen's "add walk-in": search, then one tap on the official."""
    workshop = _load(workshop_id, selectinload(Workshop.organiser))
    form = WalkInForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            arrival = service.add_walk_in(
                workshop, form.person_id.data, actor=current_user, scanned_at=None, now=utcnow()
            )
        if saved:
            flash(
                _(
                    "%(name)s has been added without an invitation and checked in at %(time)s.",
                    name=arrival.invitation.person.name,
                    time=time_wib(arrival.invitation.checked_in_at),
                ),
                "success",
            )
            return redirect(url_for("workshops.attendance", workshop_id=workshop.id))
    return render_template(
        "workshops/walk_in.html",
        workshop=workshop,
        form=form,
        candidates=service.walk_in_candidates(workshop),
        refusal=workshop_service.checkin_refusal(workshop, utcnow()),
    ), form_status(form)
