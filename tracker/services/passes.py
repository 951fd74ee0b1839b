"""Personal check-in passes: one unguessable token per invitation, for invitees with or
without a login (the Wali Kota, the OPD heads), used by the personal link, the QR code in the
invitation and the door kiosk.

The token is ``HMAC-SHA256(SECRET_KEY, "pass:<invitation id>:<generation>")`` (256 bits,
URL-safe base64), so it can be written again into every e-mail, card or message without being
stored; the database keeps only its SHA-256 (``Invitation.pass_hash``), by which a scanned
token is found. Revoking a pass raises the invitation's ``pass_generation``: the old token
then matches nothing. A token is bound to one invitation, hence to one workshop.

:func:`record_arrival` is the one way an arrival is written, whoever records it (the
personal link, the kiosk, staff): the time of arrival (not of saving), how it was recorded,
and nothing changes on a second scan.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.extensions import db
from tracker.models import AttendanceStatus, Invitation, Person, Workshop
from tracker.services.errors import DomainError
from tracker.services.workshops import checkin_refusal, mark_present

#: the shortest token accepted from a URL or a scan (a real one is 43 characters)
MIN_TOKEN_LENGTH = 32
MAX_TOKEN_LENGTH = 64
#: how an arrival was recorded
VIA = ("self", "pass", "door", "staff")


def _secret() -> bytes:
    key = current_app.config["SECRET_KEY"]
    return key.encode() if isinstance(key, str) else bytes(key)


def token_for(invitation: Invitation) -> str:
    """The invitation's current personal token (the same every time it is asked for)."""
    message = f"pass:{invitation.id}:{invitation.pass_generation}".encode()
    digest = hmac.new(_secret(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(invitation: Invitation) -> str:
    """Make sure the invitation's pass is recorded; returns its token. Idempotent."""
    if invitation.id is None:
        db.session.flush()
    token = token_for(invitation)
    digest = _hash(token)
    if invitation.pass_hash != digest:
        invitation.pass_hash = digest
        db.session.flush()
    return token


def issue_all(invitations: list[Invitation]) -> dict[int, str]:
    """Tokens for many invitations at once (one flush)."""
    db.session.flush()
    tokens: dict[int, str] = {}
    for invitation in invitations:
        token = token_for(invitation)
        digest = _hash(token)
        if invitation.pass_hash != digest:
            invitation.pass_hash = digest
        tokens[invitation.id] = token
    db.session.flush()
    return tokens


def revoke(invitation: Invitation) -> str:
    """End the current pass (a lost or forwarded link) and issue a new one; returns it."""
    invitation.pass_generation = (invitation.pass_generation or 1) + 1
    invitation.pass_hash = None
    db.session.flush()
    return issue(invitation)


def find(token: str | None, *, workshop_id: int | None = None) -> Invitation | None:
    """The invitation whose current pass is ``token`` (optionally only of one workshop), or
    None: a forged, revoked or malformed token finds nothing."""
    token = (token or "").strip()
    if not MIN_TOKEN_LENGTH <= len(token) <= MAX_TOKEN_LENGTH or not token.isascii():
        return None
    stmt = (
        select(Invitation)
        .where(Invitation.pass_hash == _hash(token))
        .options(
            selectinload(Invitation.workshop).selectinload(Workshop.organiser),
            selectinload(Invitation.person).selectinload(Person.opd),
        )
    )
    if workshop_id is not None:
        stmt = stmt.where(Invitation.workshop_id == workshop_id)
    invitation = db.session.scalars(stmt).first()
    # Compare in constant time against what the token derives to now (a stale hash left by
    # a revoked generation never matches).
    if invitation is None or not hmac.compare_digest(token_for(invitation), token):
        return None
    return invitation


@dataclass(frozen=True)
class Arrival:
    invitation: Invitation
    #: False when the person was already recorded as present (a second scan)
    changed: bool


def record_arrival(
    invitation: Invitation, *, arrived_at: dt.datetime, now: dt.datetime, via: str
) -> Arrival:
    """Record that the invitee (or, when one is named, their representative) arrived at
    ``arrived_at`` (the moment of the scan, which may be earlier than ``now`` when a kiosk
    sends a queued scan). Refused outside the check-in window; a second time changes
    nothing."""
    if via not in VIA:
        raise ValueError(via)
    workshop = invitation.workshop
    if arrived_at > now + dt.timedelta(minutes=2):
        raise DomainError(_("The time of arrival is in the future."))
    refusal = checkin_refusal(workshop, arrived_at)
    if refusal is not None:
        raise DomainError(refusal)
    if invitation.status in (AttendanceStatus.HADIR, AttendanceStatus.DIWAKILI) and (
        invitation.checked_in_at is not None
    ):
        return Arrival(invitation, changed=False)
    represented = bool(invitation.representative_name or invitation.representative_person_id)
    mark_present(
        invitation,
        AttendanceStatus.DIWAKILI if represented else AttendanceStatus.HADIR,
        at=arrived_at,
        via=via,
        busy=_("This attendance was being updated at the same moment. Please try again."),
    )
    return Arrival(invitation, changed=True)
