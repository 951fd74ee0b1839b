"""The door kiosk: arrivals read from a personal pass or tapped in a list, and walk-ins.

Every arrival goes through :func:`tracker.services.passes.record_arrival` (``via="door"``),
so a second scan changes nothing. The kiosk sends the moment of the scan, which is earlier
than the moment of saving when a scan waited in the device's queue for the connection to
come back; that moment is clamped (never in the future, never before the check-in window
opens). A queued scan may reach the server twice (the answer to the first send was lost):
the replay of the same scan is recognised by the arrival it already recorded and answers as
the first send did: it carries the same moment of the scan (to the millisecond), which is
what the first send recorded.

A walk-in is an active official who was not invited: staff pick them and one tap creates
their invitation (``walk_in=True``) and records their arrival.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from tracker.extensions import db
from tracker.i18n import time_wib
from tracker.models import AttendanceStatus, Invitation, Opd, Person, User, Workshop
from tracker.services import passes
from tracker.services.errors import ConflictError, DomainError
from tracker.services.workshops import checkin_window, protocol_key

VIA = "door"
#: what a personal link looks like: ``…/hadir/<token>`` (a bare token is accepted too)
_PASS_PATH = re.compile(r"/hadir/([A-Za-z0-9_-]+)/?(?:[?#].*)?$")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]+$")


def token_from_scan(text: str | None) -> str:
    """The token of a scanned personal link, or the text itself when it is a bare token;
    "" when the text is neither."""
    text = (text or "").strip()
    if len(text) > 2000:
        return ""
    match = _PASS_PATH.search(text)
    if match:
        return match.group(1)
    return text if _TOKEN.match(text) else ""


def arrival_time(
    workshop: Workshop, scanned_at: dt.datetime | None, now: dt.datetime
) -> dt.datetime:
    """The moment to record for a scan made at ``scanned_at`` (to the millisecond, as the
    device gives it): not in the future, not before the check-in window opens."""
    moment = scanned_at or now
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    opens, _closes = checkin_window(workshop)
    return min(max(moment, opens), now)


@dataclass(frozen=True)
class DoorArrival:
    invitation: Invitation
    #: "recorded" (this scan recorded the arrival) or "already" (recorded before)
    outcome: str

    @property
    def changed(self) -> bool:
        return self.outcome == "recorded"


def _arrive(
    workshop: Workshop, invitation: Invitation, *, scanned_at: dt.datetime | None, now: dt.datetime
) -> DoorArrival:
    if workshop.is_cancelled:
        raise DomainError(_("This workshop has been cancelled; there is nothing to check in to."))
    arrived_at = arrival_time(workshop, scanned_at, now)
    arrival = passes.record_arrival(invitation, arrived_at=arrived_at, now=now, via=VIA)
    if arrival.changed:
        return DoorArrival(invitation, "recorded")
    # The device's scan moment (to the millisecond) tells a replay from another scan.
    same_scan = (
        scanned_at is not None
        and invitation.checked_in_via == VIA
        and invitation.checked_in_at == arrived_at
    )
    return DoorArrival(invitation, "recorded" if same_scan else "already")


def scan(
    workshop: Workshop, text: str | None, *, scanned_at: dt.datetime | None, now: dt.datetime
) -> DoorArrival:
    """Record the arrival of the holder of the scanned pass (a link or a bare token)."""
    token = token_from_scan(text)
    invitation = passes.find(token, workshop_id=workshop.id) if token else None
    if invitation is None:
        elsewhere = passes.find(token) if token else None
        if elsewhere is not None:
            raise DomainError(
                _(
                    "This pass is for another workshop (“%(title)s”), not this one.",
                    title=elsewhere.workshop.title,
                )
            )
        raise DomainError(
            _("This code is not a valid pass: it may have been replaced or mistyped.")
        )
    return _arrive(workshop, invitation, scanned_at=scanned_at, now=now)


def arrive(
    workshop: Workshop, invitation_id: int, *, scanned_at: dt.datetime | None, now: dt.datetime
) -> DoorArrival:
    """Record the arrival of an invitee tapped in the kiosk's list."""
    invitation = db.session.scalar(
        select(Invitation)
        .where(Invitation.id == invitation_id, Invitation.workshop_id == workshop.id)
        .options(selectinload(Invitation.person).selectinload(Person.opd))
    )
    if invitation is None:
        raise DomainError(_("This invitee is not on this workshop's list."))
    return _arrive(workshop, invitation, scanned_at=scanned_at, now=now)


# --- walk-ins -------------------------------------------------------------------------------


def walk_in_candidates(workshop: Workshop) -> list[Person]:
    """Active officials (of active OPDs, or without one) not invited to ``workshop``, in
    protocol order (one query)."""
    invited = select(Invitation.person_id).where(Invitation.workshop_id == workshop.id)
    people = db.session.scalars(
        select(Person)
        .outerjoin(Person.opd)
        .where(
            Person.active.is_(True),
            or_(Person.opd_id.is_(None), Opd.active.is_(True)),
            Person.id.not_in(invited),
        )
        .options(selectinload(Person.opd))
    ).all()
    return sorted(people, key=protocol_key)


def add_walk_in(
    workshop: Workshop,
    person_id: int,
    *,
    actor: User | None,
    scanned_at: dt.datetime | None,
    now: dt.datetime,
) -> DoorArrival:
    """An official who came without an invitation: invite them (``walk_in``) and record
    their arrival. Sent twice (a queued tap), the second time answers as the first."""
    del actor
    if workshop.is_cancelled:
        raise DomainError(_("This workshop has been cancelled; there is nothing to check in to."))
    person = db.session.scalar(
        select(Person).where(Person.id == person_id).options(selectinload(Person.opd))
    )
    if person is None or not person.active or (person.opd is not None and not person.opd.active):
        raise DomainError(_("This official does not exist or is no longer active."))
    existing = db.session.scalar(
        select(Invitation)
        .where(Invitation.workshop_id == workshop.id, Invitation.person_id == person.id)
        .options(selectinload(Invitation.person).selectinload(Person.opd))
    )
    if existing is not None:
        if not existing.walk_in:
            raise DomainError(
                _(
                    "%(name)s is already invited: find them in the list of invitees.",
                    name=person.name,
                )
            )
        return _arrive(workshop, existing, scanned_at=scanned_at, now=now)
    # A refused arrival (outside the window) raises: the whole change is rolled back, so
    # no invitation is left behind.
    arrived_at = arrival_time(workshop, scanned_at, now)
    invitation = Invitation(
        workshop=workshop, person=person, walk_in=True, status=AttendanceStatus.INVITED
    )
    db.session.add(invitation)
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise ConflictError(
            _("Someone else added %(name)s at the same moment; try again.", name=person.name)
        ) from exc
    passes.record_arrival(invitation, arrived_at=arrived_at, now=now, via=VIA)
    return DoorArrival(invitation, "recorded")


def describe(arrival: DoorArrival) -> dict[str, object]:
    """What the kiosk shows of an arrival (JSON)."""
    invitation = arrival.invitation
    person = invitation.person
    checked = invitation.checked_in_at
    representative = None
    if invitation.representative_name or invitation.representative_person_id:
        rep = invitation.representative
        representative = {
            "name": invitation.representative_name or (rep.name if rep else ""),
            "position": invitation.representative_position or (rep.position if rep else ""),
        }
    return {
        "ok": True,
        "outcome": arrival.outcome,
        "invitation_id": invitation.id,
        "name": person.name,
        "position": person.position if person.position != person.name else "",
        "opd": person.opd.name if person.opd else "",
        "walk_in": invitation.walk_in,
        "time": time_wib(checked) if checked else "",
        "representative": representative,
    }
