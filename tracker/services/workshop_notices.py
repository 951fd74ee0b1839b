"""Changes that reach the invitees: a workshop moved (date, time or venue) or cancelled after
its invitations were sent is e-mailed to every invitee who was sent one, with a calendar file
that updates the same event.

Rules:

* a change of the date, time (start or end) or venue, and a cancellation, raise
  ``Workshop.ical_sequence`` (:func:`tracker.services.workshops.update_workshop` and
  :func:`~tracker.services.workshops.cancel_workshop` do it); a change of anything else (the
  title, the agenda) sends nothing;
* when invitations were sent, the user confirms first that those invitees will be told
  (:class:`ConfirmationNeeded` otherwise: nothing is saved);
* each of them gets an e-mail (``workshop_update`` or ``workshop_cancelled``, in Indonesian)
  with an ``.ics`` of the same UID, ``SEQUENCE`` = the new ``ical_sequence`` and
  ``METHOD:REQUEST`` (or ``METHOD:CANCEL`` with ``STATUS:CANCELLED``);
* ``Invitation.sent_sequence`` and ``invitation_sent_at`` record the last version delivered
  and when: a failed delivery leaves them as they were, so the workshop page shows the invitee
  as not up to date and the update can be sent again (:func:`resend_latest`).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from tracker.extensions import db
from tracker.mail import Attachment, MailError, send_email
from tracker.models import Invitation, Person, User, Workshop
from tracker.models.notification import NoticeEvent
from tracker.services import notices, pass_links, passes
from tracker.services import workshops as workshop_rules
from tracker.services.errors import ConflictError, DomainError


class Version(enum.StrEnum):
    """What an invitee was last sent."""

    INVITATION = "invitation"
    UPDATE = "update"
    CANCELLATION = "cancellation"


@dataclass(frozen=True)
class SentVersion:
    """The version of the workshop an invitee was last sent, and when."""

    kind: Version
    sequence: int
    sent_at: dt.datetime
    #: a newer version exists that this invitee has not received
    behind: bool

    @property
    def label(self) -> str:
        if self.kind is Version.CANCELLATION:
            return _("cancellation")
        if self.kind is Version.UPDATE:
            return _("update no. %(n)d", n=self.sequence)
        return _("invitation")


def sent_version(workshop: Workshop, invitation: Invitation) -> SentVersion | None:
    """What ``invitation``'s invitee was last sent (``None``: nothing yet). An invitation
    sent before versions were recorded counts as the first version."""
    if invitation.invitation_sent_at is None:
        return None
    sequence = invitation.sent_sequence or 0
    current = workshop.ical_sequence or 0
    if workshop.is_cancelled and sequence == current:
        kind = Version.CANCELLATION
    elif sequence == 0:
        kind = Version.INVITATION
    else:
        kind = Version.UPDATE
    return SentVersion(kind, sequence, invitation.invitation_sent_at, behind=sequence < current)


def sent_versions(
    workshop: Workshop, invitations: Iterable[Invitation]
) -> dict[int, SentVersion | None]:
    """:func:`sent_version` per invitation id (no queries)."""
    return {inv.id: sent_version(workshop, inv) for inv in invitations}


def recipient_count(workshop: Workshop) -> int:
    """How many invitees were sent an invitation: those an update or cancellation reaches."""
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(Invitation)
            .where(
                Invitation.workshop_id == workshop.id,
                Invitation.invitation_sent_at.is_not(None),
            )
        )
        or 0
    )


@dataclass(frozen=True)
class ChangePreview:
    """What an edit would change of the calendar fields, and how many invitees are told."""

    #: field ("starts_at", "ends_at", "venue") → (now, after the edit)
    changes: Mapping[str, tuple[Any, Any]]
    recipients: int

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.changes) and self.recipients > 0


def preview_change(
    workshop: Workshop,
    *,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
    venue: str | None,
) -> ChangePreview:
    """The calendar fields an edit to these values changes (read only)."""
    after: dict[str, Any] = {
        "starts_at": starts_at.astimezone(dt.UTC) if starts_at is not None else None,
        "ends_at": ends_at.astimezone(dt.UTC) if ends_at is not None else None,
        "venue": (venue or "").strip(),
    }
    changes = {
        key: (getattr(workshop, key), value)
        for key, value in after.items()
        if value is not None and value != "" and getattr(workshop, key) != value
    }
    return ChangePreview(changes, recipient_count(workshop) if changes else 0)


class ConfirmationNeeded(DomainError):
    """Invitees were sent an invitation: the change is saved only once the user confirms
    that they will be told."""

    def __init__(self, recipients: int) -> None:
        super().__init__(
            _(
                "Confirm that the %(n)d invitees who received an invitation will be sent "
                "the change.",
                n=recipients,
            ),
            field="confirm_notice",
        )
        self.recipients = recipients


#: What sending a notice did: the same account as sending the invitations.
NoticeOutcome = workshop_rules.MailOutcome


@dataclass
class ChangeResult:
    changed: dict[str, tuple[Any, Any]]
    notice: NoticeOutcome | None


def update_and_notify(
    workshop: Workshop,
    *,
    actor: User | None,
    now: dt.datetime,
    url: str,
    confirmed: bool,
    **values: Any,
) -> ChangeResult:
    """Edit the workshop (``values``: the arguments of ``workshops.update_workshop``); a
    change of its date, time or venue is sent to every invitee who was sent an invitation,
    once ``confirmed`` (otherwise nothing is saved)."""
    preview = preview_change(
        workshop,
        starts_at=values.get("starts_at"),
        ends_at=values.get("ends_at"),
        venue=values["venue"],
    )
    expected_version = values.get("expected_version")
    if preview.needs_confirmation and not confirmed and workshop.version == expected_version:
        raise ConfirmationNeeded(preview.recipients)
    changed = workshop_rules.update_workshop(workshop, actor=actor, now=now, **values)
    calendar_changes = {
        key: value for key, value in changed.items() if key in workshop_rules.CALENDAR_FIELDS
    }
    if not calendar_changes:
        return ChangeResult(changed, None)
    recipients = recipient_count(workshop)
    if recipients and not confirmed:
        raise ConfirmationNeeded(recipients)
    notice = send_latest(workshop, _notified(workshop), now=now, url=url, previous=calendar_changes)
    return ChangeResult(changed, notice)


def cancel_and_notify(
    workshop: Workshop,
    *,
    actor: User | None,
    now: dt.datetime,
    url: str,
    reason: str | None,
    confirmed: bool,
) -> NoticeOutcome | None:
    """Cancel the workshop and send the cancellation to every invitee who was sent an
    invitation, once ``confirmed`` (otherwise nothing is saved)."""
    recipients = recipient_count(workshop)
    if recipients and not confirmed and not workshop.is_cancelled:
        raise ConfirmationNeeded(recipients)
    workshop_rules.cancel_workshop(workshop, actor=actor, now=now, reason=reason)
    if not recipients:
        return None
    return send_latest(workshop, _notified(workshop), now=now, url=url)


def behind(workshop: Workshop) -> list[Invitation]:
    """The invitees sent an invitation who have not received the latest version."""
    return [
        inv
        for inv in _notified(workshop)
        if (inv.sent_sequence or 0) < (workshop.ical_sequence or 0)
    ]


def resend_latest(
    workshop: Workshop, *, actor: User | None, now: dt.datetime, url: str
) -> NoticeOutcome:
    """Send the latest version (update or cancellation) to the invitees who have not
    received it."""
    del actor
    pending = behind(workshop)
    if not pending:
        raise DomainError(_("Every invitee who was sent an invitation has the latest version."))
    return send_latest(workshop, pending, now=now, url=url)


def _notified(workshop: Workshop) -> list[Invitation]:
    stmt = (
        select(Invitation)
        .where(
            Invitation.workshop_id == workshop.id,
            Invitation.invitation_sent_at.is_not(None),
        )
        .options(selectinload(Invitation.person).selectinload(Person.opd))
    )
    return workshop_rules.in_protocol_order(db.session.scalars(stmt).all())


def send_latest(
    workshop: Workshop,
    invitations: Iterable[Invitation],
    *,
    now: dt.datetime,
    url: str,
    previous: Mapping[str, tuple[Any, Any]] | None = None,
) -> NoticeOutcome:
    """E-mail the workshop's current version (an update, or the cancellation) to each of
    ``invitations``, with the calendar file; record what was delivered to whom. A failed
    delivery is reported by name and leaves the invitation as it was."""
    outcome = NoticeOutcome()
    cancelled = workshop.is_cancelled
    template = "workshop_cancelled" if cancelled else "workshop_update"
    method = "CANCEL" if cancelled else "REQUEST"
    filename = "pembatalan.ics" if cancelled else "perubahan.ics"
    invitations = list(invitations)
    # An update carries each invitee's personal pass again (the same link as before).
    tokens = {} if cancelled else passes.issue_all(invitations)
    with force_locale("id"):
        if cancelled:
            subject = _("Cancelled: %(title)s", title=workshop.title)
        else:
            subject = _("Changed: %(title)s", title=workshop.title)
        for invitation in invitations:
            person = invitation.person
            if not person.email:
                outcome.without_email.append(person.name)
                continue
            calendar = workshop_rules.workshop_ics(
                workshop, now=now, url=url, method="REQUEST", attendee=person
            )
            attachments = [Attachment(filename, calendar, f"text/calendar; method={method}")]
            link = pass_links.pass_url(tokens[invitation.id]) if invitation.id in tokens else None
            if link:
                attachments.append(pass_links.qr_attachment(link))
            try:
                send_email(
                    person.email,
                    template,
                    subject=subject,
                    attachments=attachments,
                    workshop=workshop,
                    person=person,
                    url=url,
                    previous=previous or {},
                    pass_url=link,
                    qr_filename=pass_links.QR_FILENAME,
                )
            except MailError:
                outcome.failed.append(person.name)
                continue
            invitation.sent_sequence = workshop.ical_sequence
            invitation.invitation_sent_at = now
            outcome.sent += 1
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise ConflictError(str(workshop_rules.STALE_MESSAGE)) from exc
    told = notices.workshop_event(
        workshop,
        invitations,
        NoticeEvent.WORKSHOP_CANCELLED if cancelled else NoticeEvent.WORKSHOP_UPDATE,
        now=now,
        pass_urls={i: pass_links.pass_url(t) for i, t in tokens.items()},
    )
    for invitation in notices.reached_by_whatsapp_only(invitations, told):
        invitation.sent_sequence = workshop.ical_sequence
        invitation.invitation_sent_at = now
        outcome.without_email.remove(invitation.person.name)
        outcome.by_whatsapp += 1
    db.session.flush()
    return outcome
