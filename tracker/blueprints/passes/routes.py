"""The personal check-in pass: ``/hadir/<token>``, public (no login), one per invitation.

Whoever holds the link is the invitee (or the one they sent in their place): the token is
the credential (256 bits, stored hashed, revocable: :mod:`tracker.services.passes`). The
page says whose pass it is, the workshop and, by the check-in window, what can be done.

Opening the link is arriving. The issue asks that opening the personal link within the
check-in window record the arrival, so a GET inside the window records it (idempotently:
a second opening changes nothing and says when the first one was). A GET that writes must
not be set off by software that merely looks at the link: chat apps and mail servers fetch
links to draw previews or to scan them, without the ``Sec-Fetch-*`` headers that browsers
send. The arrival is therefore recorded on a GET only when the request is a browser's
top-level navigation (``Sec-Fetch-Mode: navigate`` and ``Sec-Fetch-Dest: document``) that
is not a prefetch (``Sec-Purpose``/``Purpose``); any other GET shows the big "Hadir"
button, a POST carrying the CSRF token. A scanner running a full browser at the moment of
delivery is outside the window (invitations go out days before), and nothing is recorded
outside the window. Arrival time is when the page was opened (or the button pressed).

The consequence: during the window the link cannot be opened "just to look" without
checking in, so the invitee names a representative before the window opens and forwards
the link (or the QR code) to them; once a representative is named, opening the link at the
door records the representative's arrival (*diwakili*). After the arrival the
representative can no longer be changed from the pass (staff can, on the attendance
screen).

Every response carries ``Referrer-Policy: no-referrer`` (the token is in the URL) and
``Cache-Control: no-store``. An unknown, revoked or malformed token gets the same 404 page,
which names neither the workshop nor the invitee.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from tracker.audit import acting_as
from tracker.blueprints.passes.forms import (
    ArrivalForm,
    RemoveRepresentativeForm,
    RepresentativeForm,
)
from tracker.i18n import to_wib
from tracker.models import Invitation
from tracker.models.base import utcnow
from tracker.permissions import public
from tracker.saving import form_status, saving
from tracker.security import client_ip
from tracker.services import passes, signatures
from tracker.services import representatives as reps
from tracker.services.workshops import CheckInState, checkin_refusal, checkin_state

bp = Blueprint("passes", __name__)


@bp.after_request
def _private(response: Response) -> Response:
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _is_navigation() -> bool:
    """A person's browser opening the page (not a previewer, scanner or prefetch)."""
    headers = request.headers
    if request.method != "GET":
        return False
    if "prefetch" in (headers.get("Sec-Purpose", "") + headers.get("Purpose", "")).lower():
        return False
    return (
        headers.get("Sec-Fetch-Mode") == "navigate" and headers.get("Sec-Fetch-Dest") == "document"
    )


def _invalid() -> ResponseReturnValue:
    return render_template("passes/invalid.html"), 404


def _page(
    invitation: Invitation,
    now: dt.datetime,
    *,
    status: int = 200,
    just_arrived: bool = False,
    error: str | None = None,
    rep_form: RepresentativeForm | None = None,
    notice: str | None = None,
) -> ResponseReturnValue:
    state = checkin_state(invitation.workshop, now)
    arrived = reps.has_arrived(invitation)
    may_name = not arrived and state in (CheckInState.NOT_YET, CheckInState.OPEN)
    if rep_form is None:
        rep_form = RepresentativeForm(prefix="rep", formdata=None)
    choices: list[Any] = []
    if may_name:
        choices = [("", _("— type a name below —"))] + [
            (str(p.id), f"{p.name} · {p.position}") for p in reps.candidates(invitation.person)
        ]
    rep_form.person_id.choices = choices
    if rep_form.refusal is not None and not may_name and error is None:
        error = rep_form.refusal.message  # the form is no longer shown: say why here
    refusal = checkin_refusal(invitation.workshop, now)
    if error == refusal:
        error = None  # the window's message below already says it
    signature = signatures.of(invitation) if arrived else None
    start, end = invitation.workshop.starts_at, invitation.workshop.ends_at
    return render_template(
        "passes/pass.html",
        invitation=invitation,
        person=invitation.person,
        workshop=invitation.workshop,
        token=passes.token_for(invitation),
        state=state.value,
        refusal=refusal,
        arrived=arrived,
        just_arrived=just_arrived,
        error=error,
        notice=notice,
        may_name=may_name,
        arrival_form=ArrivalForm(),
        rep_form=rep_form,
        remove_form=RemoveRepresentativeForm(prefix="remove"),
        multi_day=to_wib(start).date() != to_wib(end).date(),
        signature_uri=signatures.data_uri(signature.svg) if signature else None,
        signer=signatures.signer_name(invitation) if arrived else None,
    ), status


def _arrive(invitation: Invitation, now: dt.datetime) -> tuple[bool, str | None, int]:
    """Record the arrival through the pass: (changed, refusal, status)."""
    with acting_as(reps.pass_actor(invitation, client_ip())), saving(quiet=True) as saved:
        arrival = passes.record_arrival(invitation, arrived_at=now, now=now, via="pass")
    if not saved:
        assert saved.error is not None
        return False, saved.error.message, 409 if saved.conflict else 400
    return arrival.changed, None, 200


@bp.route("/hadir/<token>", methods=["GET", "POST"])
@public
def show(token: str) -> ResponseReturnValue:
    invitation = passes.find(token)
    if invitation is None:
        return _invalid()
    now = utcnow()  # the moment the page was opened or the button pressed: the arrival
    if request.method == "POST":
        form = ArrivalForm()
        if not form.validate_on_submit():
            return _page(invitation, now, status=400, error=_("The form has expired; try again."))
        changed, error, status = _arrive(invitation, now)
        return _page(invitation, now, status=status, just_arrived=changed, error=error)
    if (
        _is_navigation()
        and not reps.has_arrived(invitation)
        and checkin_state(invitation.workshop, now) is CheckInState.OPEN
    ):
        changed, error, status = _arrive(invitation, now)
        return _page(invitation, now, status=status, just_arrived=changed, error=error)
    return _page(invitation, now)


@bp.route("/hadir/<token>/representative", methods=["POST"])
@public
def representative(token: str) -> ResponseReturnValue:
    invitation = passes.find(token)
    if invitation is None:
        return _invalid()
    now = utcnow()
    form = RepresentativeForm(prefix="rep")
    form.person_id.choices = []
    if form.validate_on_submit():
        with acting_as(reps.pass_actor(invitation, client_ip())), saving(form) as saved:
            reps.name_representative(
                invitation,
                now=now,
                person_id=form.person_id.data,
                name=form.name.data,
                position=form.position.data,
                nip=form.nip.data,
            )
        if saved:
            return _page(invitation, now, notice=_("Saved: the representative has been named."))
    return _page(invitation, now, rep_form=form, status=form_status(form))


@bp.route("/hadir/<token>/representative/remove", methods=["POST"])
@public
def remove_representative(token: str) -> ResponseReturnValue:
    invitation = passes.find(token)
    if invitation is None:
        return _invalid()
    now = utcnow()
    form = RemoveRepresentativeForm(prefix="remove")
    if not form.validate_on_submit():
        return _page(invitation, now, status=400, error=_("The form has expired; try again."))
    with acting_as(reps.pass_actor(invitation, client_ip())), saving(quiet=True) as saved:
        reps.remove_representative(invitation, now=now)
    if not saved:
        assert saved.error is not None
        return _page(invitation, now, status=400, error=saved.error.message)
    return _page(invitation, now, notice=_("Saved: you will come in person."))
