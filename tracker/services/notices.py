"""Immediate notices: when something happens to a person's item, they are told in the app
(a ``Notification``) and, coalesced, by e-mail and WhatsApp (an outbox message).

The events: a commitment returned (with the reviewer's note), verified, cancelled; a
follow-up reviewed (outcome, note, new due date); a new commitment or recommendation
assigned to an OPD; a workshop invitation, change or cancellation (WhatsApp only: the
e-mail with the calendar file is sent by the workshop area itself).

Coalescing: the events of ``NOTICE_COALESCE_MINUTES`` for one person and channel go out
as one message. A notice message is written when the first event happens, held back until
the window ends (``not_before``), and later events are attached to it while it is still
well inside the window; the attaching request locks the row (PostgreSQL), so a sender that
claims it waits until the events are committed and sends them all. WhatsApp is held in the
quiet hours (``WHATSAPP_QUIET_HOURS``, WIB) until they end.

Everything here flushes and never commits; the outbox is delivered by :mod:`tracker.jobs`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from flask import current_app
from sqlalchemy import select

from tracker.extensions import db
from tracker.i18n import WIB
from tracker.models import Opd, Person, Role, User
from tracker.models.commitment import Commitment, UpdateKind
from tracker.models.finding import Recommendation, RecommendationReview, ReviewProposal
from tracker.models.notification import NoticeEvent, Notification
from tracker.models.reminder import Channel, DigestState, MessageKind, ReminderDigest
from tracker.models.workshop import Invitation, Workshop
from tracker.services.organisation import opd_officials
from tracker.services.records import add_unless_taken
from tracker.services.reminders import channels_of, recipient_for

ALL_CHANNELS = (Channel.EMAIL, Channel.WHATSAPP)
#: an event joins a waiting message only while this much of its window is left, so the
#: message cannot be claimed between the check and the commit of the request
JOIN_MARGIN = dt.timedelta(seconds=30)


def _time(value: str) -> dt.time:
    return dt.time.fromisoformat(value.strip())


def quiet_until(now: dt.datetime) -> dt.datetime | None:
    """The end of WhatsApp's quiet hours (UTC) when ``now`` falls inside them, else None."""
    window = str(current_app.config.get("WHATSAPP_QUIET_HOURS") or "").strip()
    if not window:
        return None
    start_text, _sep, end_text = window.partition("-")
    start, end = _time(start_text), _time(end_text)
    local = now.astimezone(WIB)
    clock = local.time()
    if start <= end:
        inside = start <= clock < end
        end_day = local.date()
    else:  # across midnight, e.g. 21:00-06:00
        inside = clock >= start or clock < end
        end_day = local.date() + dt.timedelta(days=1) if clock >= start else local.date()
    if not inside:
        return None
    return dt.datetime.combine(end_day, end, tzinfo=WIB).astimezone(dt.UTC)


def coalesce_window() -> dt.timedelta:
    return dt.timedelta(minutes=float(current_app.config.get("NOTICE_COALESCE_MINUTES", 5)))


def _address_column(channel: Channel) -> Any:
    return (
        ReminderDigest.recipient_phone
        if channel is Channel.WHATSAPP
        else (ReminderDigest.recipient_email)
    )


def _message_for(
    channel: Channel, address: str, person: Person, user: User | None, now: dt.datetime
) -> ReminderDigest:
    """The notice message that carries a new event to ``address``: the one still waiting
    in its window (locked until this request ends), or a new one."""
    waiting = db.session.scalar(
        select(ReminderDigest)
        .where(
            ReminderDigest.kind == MessageKind.NOTICE,
            ReminderDigest.channel == channel,
            _address_column(channel) == address,
            *_still_open(now),
        )
        .order_by(ReminderDigest.id)
        .limit(1)
        .with_for_update()
    )
    if waiting is not None:
        return waiting
    not_before = now + coalesce_window()
    if channel is Channel.WHATSAPP:
        held = quiet_until(now)
        if held is not None and held > not_before:
            not_before = held
    window = int(coalesce_window().total_seconds()) or 1
    bucket = int(now.timestamp()) // window
    for suffix in ("", f":{uuid.uuid4().hex[:12]}"):
        message = ReminderDigest(
            dedupe_key=f"notice:{channel.value}:{address}:{bucket}{suffix}",
            kind=MessageKind.NOTICE,
            channel=channel,
            for_date=now.astimezone(WIB).date(),
            recipient_email=address if channel is Channel.EMAIL else None,
            recipient_phone=address if channel is Channel.WHATSAPP else None,
            recipient_name=person.name,
            recipient_person_id=person.id,
            recipient_user_id=user.id if user is not None else None,
            subject="",
            payload=[],
            state=DigestState.PENDING,
            attempts=0,
            created_at=now,
            not_before=not_before,
        )
        if add_unless_taken(message):
            return message
        # another request opened this window's message at this very moment: join it
        joined = _message_for_key(f"notice:{channel.value}:{address}:{bucket}", now)
        if joined is not None:
            return joined
    raise RuntimeError("could not open a notice message")  # pragma: no cover


def _still_open(now: dt.datetime) -> tuple[Any, ...]:
    """A notice message a new event may still join: not tried yet, and well inside its
    window."""
    return (
        ReminderDigest.state == DigestState.PENDING,
        ReminderDigest.attempts == 0,
        ReminderDigest.not_before > now + JOIN_MARGIN,
    )


def _message_for_key(key: str, now: dt.datetime) -> ReminderDigest | None:
    return db.session.scalar(
        select(ReminderDigest)
        .where(ReminderDigest.dedupe_key == key, *_still_open(now))
        .with_for_update()
    )


def notify(
    event: NoticeEvent,
    *,
    item_type: str,
    item_id: int,
    title: str,
    url: str,
    now: dt.datetime,
    people: Iterable[Person | None] = (),
    users: Iterable[User] = (),
    params: dict[str, Any] | None = None,
    actor: User | None = None,
    channels: Sequence[Channel] = ALL_CHANNELS,
    key: str | None = None,
) -> list[Notification]:
    """Tell ``people`` (officials: in the app when they have a login, and on their
    channels) and ``users`` (logins: in the app) about ``event``. The actor is not told of
    their own action. With ``key``, an event already told to a person is not told again."""
    title = " ".join(title.split())
    title = title if len(title) <= 300 else title[:299] + "…"
    targets: list[tuple[Person | None, User | None]] = []
    seen_people: set[int] = set()
    seen_users: set[int] = set()
    for person in people:
        if person is None or not person.active or person.id in seen_people:
            continue
        seen_people.add(person.id)
        user = person.user if person.user is not None and person.user.active else None
        if user is not None:
            seen_users.add(user.id)
        targets.append((person, user))
    for user in users:
        if not user.active or user.id in seen_users:
            continue
        seen_users.add(user.id)
        targets.append((None, user))
    created = []
    for person, user in targets:
        if actor is not None and user is not None and user.id == actor.id:
            continue
        notification = Notification(
            key=_key(key, person, user),
            event=event,
            person_id=person.id if person is not None else None,
            user_id=user.id if user is not None else None,
            item_type=item_type,
            item_id=item_id,
            title=title,
            url=url,
            params=dict(params or {}),
            created_at=now,
        )
        if not add_unless_taken(notification):
            continue  # told before (same key)
        if person is not None:
            recipient = recipient_for(person)
            if recipient is not None:
                for channel, address in channels_of(recipient):
                    if channel not in channels:
                        continue
                    message = _message_for(channel, address, person, user, now)
                    if channel is Channel.EMAIL:
                        notification.email_message_id = message.id
                    else:
                        notification.whatsapp_message_id = message.id
        created.append(notification)
    db.session.flush()
    return created


def _key(key: str | None, person: Person | None, user: User | None) -> str | None:
    if key is None:
        return None
    who = f"p{person.id}" if person is not None else f"u{user.id if user else 0}"
    return f"{key}:{who}"[:200]


# --- who is told ---------------------------------------------------------------------


def _officials(opd_id: int | None) -> tuple[Person | None, Person | None]:
    """The OPD's head and secretary."""
    heads, secretaries = opd_officials([opd_id])
    return heads.get(opd_id or 0), secretaries.get(opd_id or 0)


def opd_users(opd_id: int | None) -> list[User]:
    """The OPD's logins (its secretaries' accounts): they see its items in the app."""
    if opd_id is None:
        return []
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == Role.OPD, User.opd_id == opd_id, User.active.is_(True))
            .order_by(User.id)
        )
    )


def _opd_name(opd_id: int | None) -> str:
    if opd_id is None:
        return ""
    opd = db.session.get(Opd, opd_id)
    return opd.name if opd is not None else ""


def _actor_name(actor: User | None) -> str:
    return actor.name if actor is not None else ""


COMMITMENT_EVENTS = {
    UpdateKind.RETURN: NoticeEvent.COMMITMENT_RETURNED,
    UpdateKind.VERIFY: NoticeEvent.COMMITMENT_VERIFIED,
    UpdateKind.CANCEL: NoticeEvent.COMMITMENT_CANCELLED,
    UpdateKind.ACTIVATE: NoticeEvent.COMMITMENT_ASSIGNED,
}


def commitment_event(
    commitment: Commitment,
    kind: UpdateKind,
    *,
    actor: User | None,
    now: dt.datetime,
    note: str | None = None,
    channels: Sequence[Channel] = ALL_CHANNELS,
) -> list[Notification]:
    """A commitment was returned, verified, cancelled or put in force (assigned): its
    executor (the secretary) is told, and the OPD's logins in the app; the head too when
    it is verified, cancelled or new. ``channels``: where it goes beyond the app."""
    event = COMMITMENT_EVENTS.get(kind)
    if event is None:
        return []
    head, secretary = _officials(commitment.opd_id)
    executor = commitment.carried_out_by or secretary
    people = [executor]
    if event is not NoticeEvent.COMMITMENT_RETURNED:
        people.append(commitment.made_by or head)
    params: dict[str, Any] = {}
    if event is NoticeEvent.COMMITMENT_RETURNED:
        params = {"note": note or "", "by": _actor_name(actor)}
    elif event is NoticeEvent.COMMITMENT_VERIFIED:
        params = {"by": _actor_name(actor)}
    elif event is NoticeEvent.COMMITMENT_CANCELLED:
        params = {"reason": note or ""}
    else:
        params = {"due_on": commitment.due_on.isoformat(), "opd": _opd_name(commitment.opd_id)}
    return notify(
        event,
        item_type="commitment",
        item_id=commitment.id,
        title=commitment.statement,
        url=f"/commitments/{commitment.id}",
        now=now,
        people=people,
        users=opd_users(commitment.opd_id),
        params=params,
        actor=actor,
        channels=channels,
    )


def recommendation_assigned(
    rec: Recommendation, *, actor: User | None, now: dt.datetime
) -> list[Notification]:
    if rec.opd_id is None:
        return []
    head, secretary = _officials(rec.opd_id)
    report = rec.finding.report
    return notify(
        NoticeEvent.RECOMMENDATION_ASSIGNED,
        item_type="recommendation",
        item_id=rec.id,
        title=rec.text,
        url=f"/findings/{rec.finding_id}#rec-{rec.id}",
        now=now,
        people=[secretary, head],
        users=opd_users(rec.opd_id),
        params={
            "due_on": rec.due_on.isoformat(),
            "opd": _opd_name(rec.opd_id),
            "report": f"{report.kind.label} {report.year} {report.number}".strip(),
        },
        actor=actor,
    )


def follow_up_reviewed(
    rec: Recommendation, review: RecommendationReview, *, actor: User | None, now: dt.datetime
) -> list[Notification]:
    """The Inspektorat set a recommendation's outcome: the OPD's secretary (and its
    logins in the app) learn the outcome, the note and any new due date."""
    _head, secretary = _officials(rec.opd_id)
    params: dict[str, Any] = {"outcome": review.outcome.value, "note": review.note or ""}
    if review.new_due_on is not None:
        params["new_due_on"] = review.new_due_on.isoformat()
    return notify(
        NoticeEvent.FOLLOW_UP_REVIEWED,
        item_type="recommendation",
        item_id=rec.id,
        title=rec.text,
        url=f"/findings/{rec.finding_id}#rec-{rec.id}",
        now=now,
        people=[secretary],
        users=opd_users(rec.opd_id),
        params=params,
        actor=actor,
    )


def proposal_returned(
    proposal: ReviewProposal, *, actor: User | None, now: dt.datetime
) -> list[Notification]:
    """An approver sent a proposed review back: its proposer learns why (in the app)."""
    rec = proposal.recommendation
    return notify(
        NoticeEvent.PROPOSAL_RETURNED,
        item_type="recommendation",
        item_id=rec.id,
        title=rec.text,
        url=f"/findings/{rec.finding_id}#rec-{rec.id}",
        now=now,
        users=[proposal.proposed_by],
        params={
            "outcome": proposal.outcome.value,
            "note": proposal.decision_note or "",
            "by": _actor_name(actor),
        },
        actor=actor,
    )


def reached_by_whatsapp_only(
    invitations: Iterable[Invitation], told: Iterable[Notification]
) -> list[Invitation]:
    """The invitees without an e-mail address whom ``told`` reaches by WhatsApp: for them
    the WhatsApp message is the invitation (or the update)."""
    on_whatsapp = {n.person_id for n in told if n.whatsapp_message_id is not None}
    return [
        invitation
        for invitation in invitations
        if not invitation.person.email and invitation.person_id in on_whatsapp
    ]


def workshop_event(
    workshop: Workshop,
    invitations: Iterable[Invitation],
    event: NoticeEvent,
    *,
    now: dt.datetime,
    pass_urls: dict[int, str] | None = None,
) -> list[Notification]:
    """Invitees told of an invitation, a change or a cancellation: in the app and by
    WhatsApp (the e-mail with its calendar file goes out from the workshop area). Each
    version is told once (``ical_sequence`` in the key)."""
    created: list[Notification] = []
    base: dict[str, Any] = {
        "starts_at": workshop.starts_at.astimezone(dt.UTC).isoformat(),
        "place": workshop.venue or "",
    }
    if event is NoticeEvent.WORKSHOP_CANCELLED:
        base = {"reason": workshop.cancel_reason or ""}
    for invitation in invitations:
        params = dict(base)
        if pass_urls and invitation.id in pass_urls:
            params["pass_url"] = pass_urls[invitation.id]
        created += notify(
            event,
            item_type="workshop",
            item_id=workshop.id,
            title=workshop.title,
            url=f"/workshops/{workshop.id}",
            now=now,
            people=[invitation.person],
            params=params,
            channels=(Channel.WHATSAPP,),
            key=f"{event.value}:{workshop.id}:{workshop.ical_sequence or 0}",
        )
    return created
