"""An invitee names who comes in their place ("diwakili oleh") from their personal pass.

Rules:

* the representative is named (or changed, or removed) before the invitee's arrival is
  recorded, and not after the check-in window has closed nor for a cancelled workshop;
* either an official chosen from a list, or a typed name and position (NIP optional:
  18 digits, spaces, dots and dashes between its parts allowed);
* the list offers only officials below the invitee in the hierarchy
  (:attr:`HierarchyRole.protocol_rank`): a city leader without an OPD (Wali Kota, Wakil
  Wali Kota) gets the leaders below them and the OPD heads, so the Wakil Wali Kota is never
  offered the Wali Kota; anyone in an OPD (the Sekda, the Inspektur, an OPD head, …) gets
  the active officials of their own OPD below them;
* the attendance status stays as it is: the arrival at the door makes it *diwakili*
  (:func:`tracker.services.passes.record_arrival`).

The writes are audited with the invitee as actor (:func:`pass_actor`), not a user.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.audit import Actor
from tracker.extensions import db
from tracker.models import AttendanceStatus, HierarchyRole, Invitation, Person
from tracker.services.errors import DomainError
from tracker.services.organisation import NIP_LENGTH, normalise_nip
from tracker.services.workshops import (
    HEAD_ROLES,
    NAME_MAX,
    CheckInState,
    _flush,
    checkin_state,
    protocol_key,
)

#: The leaders who belong to no OPD (their representatives come from the whole city).
CITY_LEADERS = frozenset({HierarchyRole.WALI_KOTA, HierarchyRole.WAWALI})


def pass_actor(invitation: Invitation, ip: str | None = None) -> Actor:
    """Who the audit log names for a change made through a personal pass."""
    return Actor(None, f"pass: {invitation.person.name}", ip)


def _rank(person: Person) -> int:
    return HierarchyRole(person.hierarchy_role).protocol_rank


def candidates(invitee: Person) -> list[Person]:
    """The officials ``invitee`` may choose as representative, in protocol order."""
    rank = _rank(invitee)
    stmt = select(Person).where(Person.active.is_(True), Person.id != invitee.id)
    if invitee.hierarchy_role in CITY_LEADERS or invitee.opd_id is None:
        below = [r for r in HierarchyRole if r.protocol_rank > rank]
        wanted = [r for r in below if r in CITY_LEADERS or r in HEAD_ROLES]
        stmt = stmt.where(Person.hierarchy_role.in_(wanted))
    else:
        below = [r for r in HierarchyRole if r.protocol_rank > rank]
        stmt = stmt.where(Person.opd_id == invitee.opd_id, Person.hierarchy_role.in_(below))
    people = db.session.scalars(stmt.options(selectinload(Person.opd))).all()
    return sorted(people, key=protocol_key)


def has_arrived(invitation: Invitation) -> bool:
    return invitation.checked_in_at is not None and invitation.status in (
        AttendanceStatus.HADIR,
        AttendanceStatus.DIWAKILI,
    )


def _may_change(invitation: Invitation, now: dt.datetime) -> None:
    if has_arrived(invitation):
        raise DomainError(
            _(
                "The arrival has already been recorded; the representative can no longer be "
                "changed. Ask the organiser at the door."
            )
        )
    state = checkin_state(invitation.workshop, now)
    if state is CheckInState.CANCELLED:
        raise DomainError(_("This workshop has been cancelled; it can no longer be changed."))
    if state is CheckInState.CLOSED:
        raise DomainError(
            _("The check-in has closed; the representative can no longer be changed.")
        )


def _text(value: str | None, field: str, message: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise DomainError(message, field=field)
    if len(text) > NAME_MAX:
        raise DomainError(_("At most %(n)d characters.", n=NAME_MAX), field=field)
    return text


def name_representative(
    invitation: Invitation,
    *,
    now: dt.datetime,
    person_id: int | None = None,
    name: str | None = None,
    position: str | None = None,
    nip: str | None = None,
) -> None:
    """Name (or replace) the representative: an official from :func:`candidates`, or a
    typed name and position with an optional NIP."""
    _may_change(invitation, now)
    if person_id is not None:
        if (name or "").strip() or (position or "").strip() or (nip or "").strip():
            raise DomainError(
                _("Choose an official or type a name and position, not both."),
                field="person_id",
            )
        chosen = next((p for p in candidates(invitation.person) if p.id == person_id), None)
        if chosen is None:
            raise DomainError(_("Choose an official from the list."), field="person_id")
        invitation.representative_person_id = chosen.id
        invitation.representative_name = None
        invitation.representative_position = None
        invitation.representative_nip = chosen.nip if chosen.nip else None
    else:
        clean_name = _text(name, "name", _("Enter the representative's name."))
        clean_position = _text(position, "position", _("Enter the representative's position."))
        clean_nip = normalise_nip(nip.strip() if isinstance(nip, str) else None)
        if clean_nip is not None and (not clean_nip.isdigit() or len(clean_nip) != NIP_LENGTH):
            raise DomainError(_("The NIP must be exactly %(n)d digits.", n=NIP_LENGTH), field="nip")
        invitation.representative_person_id = None
        invitation.representative_name = clean_name
        invitation.representative_position = clean_position
        invitation.representative_nip = clean_nip
    _flush()


def remove_representative(invitation: Invitation, *, now: dt.datetime) -> None:
    """The invitee comes in person after all."""
    _may_change(invitation, now)
    invitation.representative_person_id = None
    invitation.representative_name = None
    invitation.representative_position = None
    invitation.representative_nip = None
    _flush()
