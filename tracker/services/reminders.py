"""Reminders: which open items need a reminder on a date D, to whom, and the outbox rows.

Everything here is a function of D (so a run can be replayed) and of the database:

* an open item is reminded when it is due in 7 or 1 working days, due on D (or on the
  non-working days just before D), or overdue — overdue items repeat weekly: only when
  no digest covered them in the 7 days before D; items with no progress for 30 days are
  flagged on the same weekly rhythm;
* recipients: the executor (the OPD secretary), a copy to the OPD head; items overdue for
  more than ``REMINDER_ESCALATION_DAYS`` also go to the Sekda and the Inspektur;
* one digest per recipient per day, whatever the number of items.

Planning writes nothing; :func:`queue_digests` writes the outbox rows (flush only).
Sending happens in :mod:`tracker.jobs`, which commits each step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from tracker.extensions import db
from tracker.models import HierarchyRole, NotifyChannel, Person
from tracker.models.reminder import (
    Channel,
    DigestState,
    MessageKind,
    ReminderDigest,
    ReminderItem,
    ReminderReason,
)
from tracker.services.records import add_unless_taken
from tracker.workdays import add_working_days, is_working_day, working_days_between

REASON_ORDER = list(ReminderReason)
COVERING_STATES = (DigestState.PENDING, DigestState.SENDING, DigestState.SENT)


@dataclass(frozen=True)
class Recipient:
    """Whom a digest goes to, and where: ``email`` and/or ``phone`` (E.164 without "+"),
    each only when the official wants that channel and it is available."""

    email: str | None
    name: str
    person_id: int | None = None
    user_id: int | None = None
    phone: str | None = None

    @property
    def key(self) -> str:
        """One digest per recipient: keyed by their e-mail, else their number."""
        return self.email or f"tel:{self.phone}"


@dataclass(frozen=True)
class OpenItem:
    """An open commitment or recommendation, as the reminder rules see it."""

    item_type: str  # "commitment" | "recommendation"
    item_id: int
    title: str
    opd_id: int | None
    opd_name: str
    due_on: dt.date
    last_progress_on: dt.date | None
    url_path: str
    executor: Recipient | None
    head: Recipient | None
    #: the Inspektorat's note when it sent the item back and the OPD has not reported it
    #: done again: the digest says "Dikembalikan" with the note, not "no progress"
    returned_note: str | None = None


@dataclass(slots=True)
class PlannedItem:
    item: OpenItem
    reason: ReminderReason
    as_role: str  # executor / head / escalation


@dataclass
class PlannedDigest:
    recipient: Recipient
    items: list[PlannedItem] = field(default_factory=list)

    def grouped(self) -> list[tuple[ReminderReason, list[PlannedItem]]]:
        return [
            (reason, [i for i in self.items if i.reason is reason])
            for reason in REASON_ORDER
            if any(i.reason is reason for i in self.items)
        ]


Source = Callable[[dt.date], Iterable[OpenItem]]

#: Where open items come from; None means the defaults (commitments, recommendations).
SOURCES: list[Source] | None = None


def default_sources() -> list[Source]:
    from tracker.services.reminder_sources import commitment_items, recommendation_items

    return [commitment_items, recommendation_items]


def _config(key: str, default: int) -> int:
    return int(current_app.config.get(key, default))


def escalation_days() -> int:
    """Days overdue after which an item also goes to the Sekda and the Inspektur."""
    return _config("REMINDER_ESCALATION_DAYS", 30)


def _covered(today: dt.date) -> set[tuple[str, int]]:
    """Items a digest covered in the 7 days before ``today``: one query, each item once."""
    rows = db.session.execute(
        select(ReminderItem.item_type, ReminderItem.item_id)
        .join(ReminderItem.digest)
        .where(
            ReminderDigest.for_date > today - dt.timedelta(days=7),
            ReminderDigest.for_date < today,
            ReminderDigest.state.in_(COVERING_STATES),
        )
        .distinct()
    )
    return {(t, i) for t, i in rows}


class DueRules:
    """The working-day arithmetic of one date, done once per run: the previous working
    day, and how many working days ahead each due date is (remembered per date, and only
    counted within the 8 working days that matter), so each item costs a few lookups."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.previous = add_working_days(today, -1)
        #: from this date on an item is 8 or more working days ahead
        self.horizon = add_working_days(today, 8)
        self._ahead: dict[dt.date, int] = {}

    def ahead(self, due_on: dt.date) -> int | None:
        """Working days from today to ``due_on`` (after today); None from the horizon on."""
        if due_on >= self.horizon:
            return None
        known = self._ahead.get(due_on)
        if known is None:
            known = self._ahead[due_on] = working_days_between(self.today, due_on)
        return known


def reason_for(
    item: OpenItem,
    today: dt.date,
    *,
    covered: bool,
    stale_days: int,
    rules: DueRules | None = None,
) -> ReminderReason | None:
    """Why ``item`` is reminded on ``today`` (a working day), or None. ``rules`` carries
    the date arithmetic of ``today`` across the items of one run."""
    if rules is None or rules.today != today:
        rules = DueRules(today)
    if item.due_on <= rules.previous:
        return None if covered else ReminderReason.OVERDUE
    if item.due_on <= today:
        return ReminderReason.DUE_TODAY
    ahead = rules.ahead(item.due_on)
    if ahead == 1:
        return ReminderReason.DUE_1
    if ahead == 7:
        return ReminderReason.DUE_7
    if not covered and (
        item.returned_note is not None
        or (
            item.last_progress_on is not None and (today - item.last_progress_on).days >= stale_days
        )
    ):
        return ReminderReason.STALE
    return None


def _leaders() -> list[Recipient]:
    """The Sekda and the Inspektur, who receive escalations."""
    people = (
        db.session.scalars(
            select(Person)
            .where(
                Person.active.is_(True),
                Person.hierarchy_role.in_([HierarchyRole.SEKDA, HierarchyRole.INSPEKTUR]),
            )
            .options(joinedload(Person.user))
            .order_by(Person.hierarchy_role, Person.id)
        )
        .unique()
        .all()
    )
    result = []
    for person in people:
        recipient = recipient_for(person)
        if recipient is not None:
            result.append(recipient)
    return result


def recipient_for(person: Person | None) -> Recipient | None:
    """Where a Person is reached: their login's e-mail if they have one, else their own,
    and their mobile number when WhatsApp is configured; each as they chose
    (``notify_by``), falling back to the other channel when theirs is missing."""
    if person is None or not person.active:
        return None
    from tracker import phones, whatsapp

    user = person.user
    email = user.email if user is not None and user.active else person.email
    email = email.strip().lower() if email else None
    phone = phones.safe_normalise(person.phone) if whatsapp.enabled() else None
    if phone is not None and not phones.is_mobile(phone):
        phone = None
    if person.notify_by is NotifyChannel.EMAIL and email:
        phone = None
    elif person.notify_by is NotifyChannel.WHATSAPP and phone:
        email = None
    if not email and not phone:
        return None
    return Recipient(email, person.name, person.id, user.id if user is not None else None, phone)


def plan_digests(today: dt.date, *, sources: Sequence[Source] | None = None) -> list[PlannedDigest]:
    """The digests due on ``today``; writes nothing. Empty on non-working days: what falls
    on a weekend or holiday goes out on the next working day.

    Linear in the open items: a constant number of queries (the sources', the items
    covered last week, the leaders), and each item is added to a recipient's digest at
    most once through a set keyed by recipient and item."""
    if not is_working_day(today):
        return []
    covered = _covered(today)
    stale_days = _config("REMINDER_STALE_DAYS", 30)
    overdue_limit = escalation_days()
    rules = DueRules(today)
    leaders: list[Recipient] | None = None
    digests: dict[str, PlannedDigest] = {}
    #: per recipient, the items already in their digest: (item_type, item_id)
    seen: dict[str, set[tuple[str, int]]] = {}

    def add(
        recipient: Recipient | None,
        key: tuple[str, int],
        item: OpenItem,
        reason: ReminderReason,
        role: str,
    ) -> None:
        if recipient is None:
            return
        recipient_key = recipient.key
        items = seen.get(recipient_key)
        if items is None:
            items = seen[recipient_key] = set()
            digests[recipient_key] = PlannedDigest(recipient)
        elif key in items:
            return
        items.add(key)
        digests[recipient_key].items.append(PlannedItem(item, reason, role))

    if sources is None:
        sources = SOURCES if SOURCES is not None else default_sources()
    escalated = ReminderReason.ESCALATED
    for source in sources:
        for item in source(today):
            key = (item.item_type, item.item_id)
            reason = reason_for(
                item, today, covered=key in covered, stale_days=stale_days, rules=rules
            )
            if reason is None:
                continue
            if reason is ReminderReason.OVERDUE and (today - item.due_on).days > overdue_limit:
                reason = escalated
            add(item.executor, key, item, reason, "executor")
            add(item.head, key, item, reason, "head")
            if reason is escalated:
                if leaders is None:
                    leaders = _leaders()
                for leader in leaders:
                    add(leader, key, item, reason, "escalation")
    rank = {reason: n for n, reason in enumerate(REASON_ORDER)}
    for digest in digests.values():
        digest.items.sort(key=lambda p: (rank[p.reason], p.item.due_on, p.item.title))
    return sorted(digests.values(), key=lambda d: d.recipient.key)


def subject_for(digest: PlannedDigest, today: dt.date) -> str:
    """A leader who only receives escalations is told what is late in the OPDs; everyone
    else, what they have to follow up."""
    from tracker.i18n import date_long

    with force_locale("id"):
        count = len(digest.items)
        if all(p.as_role == "escalation" for p in digest.items):
            return _(
                "Escalation for %(date)s: %(count)d long-overdue item(s) in the OPDs",
                date=date_long(today),
                count=count,
            )
        if all(p.as_role == "head" for p in digest.items):
            return _(
                "Open in your OPD as of %(date)s: %(count)d item(s)",
                date=date_long(today),
                count=count,
            )
        return _(
            "Reminder for %(date)s: %(count)d item(s) to follow up",
            date=date_long(today),
            count=count,
        )


def payload_for(digest: PlannedDigest) -> list[dict[str, Any]]:
    return [
        {
            "type": p.item.item_type,
            "id": p.item.item_id,
            "title": p.item.title,
            "opd": p.item.opd_name,
            "due_on": p.item.due_on.isoformat(),
            "reason": p.reason.value,
            "as_role": p.as_role,
            "url": p.item.url_path,
            **({"returned_note": p.item.returned_note} if p.item.returned_note else {}),
        }
        for p in digest.items
    ]


@dataclass
class QueueResult:
    created: list[ReminderDigest] = field(default_factory=list)
    existing: int = 0
    #: items covered by the digests created (one per item and digest)
    items: int = 0


#: ReminderItem rows per INSERT (executemany); the digests of a run go in one flush
ITEM_BATCH = 5_000
#: the drivers' placeholders for positional parameters (SQLite, psycopg)
PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def digest_key(today: dt.date, channel: Channel, address: str) -> str:
    return f"digest:{today.isoformat()}:{channel.value}:{address}"


def channels_of(recipient: Recipient) -> list[tuple[Channel, str]]:
    """The channels a recipient's digest goes out on, with the address on each."""
    result = []
    if recipient.email:
        result.append((Channel.EMAIL, recipient.email))
    if recipient.phone:
        result.append((Channel.WHATSAPP, recipient.phone))
    return result


def queue_digests(
    today: dt.date,
    *,
    now: dt.datetime,
    sources: Sequence[Source] | None = None,
    planned: Sequence[PlannedDigest] | None = None,
) -> QueueResult:
    """Write one pending outbox row per recipient and channel for ``today`` (``planned``,
    or planned here); a row that already exists (a rerun, or another scheduler) is left
    alone: its key is unique. WhatsApp rows queued in the quiet hours wait for their end.
    Flushes only.

    Batched: the keys already taken are read in one query, the new digests written in one
    flush (audited as any other write) and their items with ``INSERT`` executemany in
    batches of ``ITEM_BATCH``. Should another process take a key meanwhile, the digests
    are written one by one instead, each unless taken."""
    from tracker.services.notices import quiet_until

    result = QueueResult()
    if planned is None:
        planned = plan_digests(today, sources=sources)
    if not planned:
        return result
    prefix = f"digest:{today.isoformat()}:"
    taken = set(
        db.session.scalars(
            select(ReminderDigest.dedupe_key).where(
                ReminderDigest.for_date == today, ReminderDigest.dedupe_key.startswith(prefix)
            )
        )
    )
    whatsapp_after: dt.datetime | None = None
    specs: list[tuple[dict[str, Any], PlannedDigest]] = []
    for digest in planned:
        subject: str | None = None
        payload: list[dict[str, Any]] = []
        for channel, address in channels_of(digest.recipient):
            key = digest_key(today, channel, address)
            if key in taken:
                result.existing += 1
                continue
            taken.add(key)
            if subject is None:
                subject = subject_for(digest, today)[:300]
                payload = payload_for(digest)
            if channel is Channel.WHATSAPP and whatsapp_after is None:
                whatsapp_after = quiet_until(now)
            spec = {
                "dedupe_key": key,
                "kind": MessageKind.DIGEST,
                "channel": channel,
                "for_date": today,
                "recipient_email": digest.recipient.email,
                "recipient_phone": address if channel is Channel.WHATSAPP else None,
                "recipient_name": digest.recipient.name,
                "recipient_person_id": digest.recipient.person_id,
                "recipient_user_id": digest.recipient.user_id,
                "subject": subject,
                "payload": payload,
                "state": DigestState.PENDING,
                "attempts": 0,
                "created_at": now,
                "not_before": whatsapp_after if channel is Channel.WHATSAPP else None,
            }
            specs.append((spec, digest))
    written = _write_digests(specs, result)
    _write_items(written)
    result.created = [row for row, _digest in written]
    result.items = sum(len(digest.items) for _row, digest in written)
    return result


def _write_digests(
    specs: list[tuple[dict[str, Any], PlannedDigest]], result: QueueResult
) -> list[tuple[ReminderDigest, PlannedDigest]]:
    """The outbox rows of ``specs`` in one flush; one by one (each unless taken) when a
    key was taken by another process since it was read."""
    if not specs:
        return []
    rows = [(ReminderDigest(**spec), digest) for spec, digest in specs]
    savepoint = db.session.begin_nested()
    db.session.add_all([row for row, _digest in rows])
    try:
        savepoint.commit()
    except IntegrityError:
        savepoint.rollback()
        # the failed flush's audit entries are not to be written
        db.session.info.pop("audit_pending", None)
    else:
        return rows
    written = []
    for spec, digest in specs:
        row = ReminderDigest(**spec)
        if add_unless_taken(row):
            written.append((row, digest))
        else:
            result.existing += 1  # queued this moment by another scheduler
    return written


def _write_items(written: list[tuple[ReminderDigest, PlannedDigest]]) -> None:
    """The ReminderItem rows of the digests written: one executemany per ITEM_BATCH rows,
    handed to the driver as plain tuples (SQLite's and psycopg's placeholders; any other
    driver goes through SQLAlchemy's INSERT)."""
    connection = db.session.connection()
    mark = PLACEHOLDERS.get(connection.dialect.paramstyle)
    table = ReminderItem.__table__
    columns = ("digest_id", "item_type", "item_id", "reason", "as_role")
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([mark] * 5)})"
        if mark
        else ""
    )

    def write(batch: list[tuple[int, str, int, str, str]]) -> None:
        if sql:
            connection.exec_driver_sql(sql, batch)  # type: ignore[arg-type]
        else:
            connection.execute(
                insert(table), [dict(zip(columns, row, strict=True)) for row in batch]
            )

    batch: list[tuple[int, str, int, str, str]] = []
    for row, digest in written:
        digest_id = row.id
        for p in digest.items:
            batch.append((digest_id, p.item.item_type, p.item.item_id, p.reason.value, p.as_role))
            if len(batch) >= ITEM_BATCH:
                write(batch)
                batch = []
    if batch:
        write(batch)


def last_reminded(item_type: str, ids: Iterable[int]) -> dict[int, dt.date]:
    """When each item was last covered by a digest that was sent."""
    ids = list(ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(ReminderItem.item_id, func.max(ReminderDigest.for_date))
        .join(ReminderItem.digest)
        .where(
            ReminderItem.item_type == item_type,
            ReminderItem.item_id.in_(ids),
            ReminderDigest.state == DigestState.SENT,
        )
        .group_by(ReminderItem.item_id)
    )
    return {item_id: day for item_id, day in rows}  # noqa: C416
