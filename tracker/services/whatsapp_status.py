"""What WhatsApp reports about the messages it accepted: the status callbacks of the
webhook (``/webhooks/whatsapp``).

A callback carries ``entry[].changes[].value.statuses[]``, each with the message id
(``wamid.…``, kept in ``ReminderDigest.message_id`` when the message was sent), its
``status`` (sent, delivered, read, failed), a Unix ``timestamp``, the ``recipient_id`` and,
for a failure, ``errors[]`` (code, title, message, ``error_data.details``).

Callbacks may arrive late, twice or out of order, so a message's status only moves
forward: sent → delivered → read; a failure replaces sent or delivered; nothing replaces
read or a failure, and a status already recorded keeps its first time. Ids of messages the
tracker does not know (another application on the same number, rows since deleted) are
ignored. The caller commits.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from tracker.audit import Actor
from tracker.extensions import db
from tracker.models.reminder import Channel, DeliveryStatus, DigestState, ReminderDigest

#: How far a status has come; a failure ranks with read: nothing moves past either.
RANK = {
    DeliveryStatus.SENT: 1,
    DeliveryStatus.DELIVERED: 2,
    DeliveryStatus.READ: 3,
    DeliveryStatus.FAILED: 3,
}
MAX_ERROR_LENGTH = 2000
MAX_ID_LENGTH = 300  # ReminderDigest.message_id


#: how the outbox names a message in ``biz_opaque_callback_data`` (tracker.jobs)
REFERENCE_PREFIX = "outbox:"


def webhook_actor(ip: str | None) -> Actor:
    """Whom the audit log names for what a callback changed."""
    return Actor(None, "whatsapp-webhook", ip)


def parse_callback(body: bytes) -> dict[str, Any] | None:
    """The callback's JSON object, or None when the body is not what the Cloud API sends
    (not JSON, not an object, ``entry`` not a list)."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("entry"), list):
        return None
    return payload


def _statuses(payload: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for entry in payload.get("entry") or []:
        changes = entry.get("changes") if isinstance(entry, dict) else None
        for change in changes if isinstance(changes, list) else []:
            value = change.get("value") if isinstance(change, dict) else None
            statuses = value.get("statuses") if isinstance(value, dict) else None
            for status in statuses if isinstance(statuses, list) else []:
                if isinstance(status, dict) and _is_message_id(status.get("id")):
                    yield status


def _is_message_id(value: object) -> bool:
    """An id the outbox could hold (PostgreSQL refuses a NUL even in a query)."""
    return isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH and "\x00" not in value


def _status_of(status: dict[str, Any]) -> DeliveryStatus | None:
    try:
        return DeliveryStatus(str(status.get("status") or "").lower())
    except ValueError:
        return None  # "deleted", "warning", … are not delivery statuses


def _time_of(status: dict[str, Any], now: dt.datetime) -> dt.datetime:
    """The status's Unix timestamp in UTC (``now`` when it is missing or absurd)."""
    try:
        seconds = int(str(status.get("timestamp")))
        return dt.datetime.fromtimestamp(seconds, dt.UTC)
    except (ValueError, OverflowError, OSError):
        return now


def _printable(value: object) -> str:
    return "".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in str(value or ""))


def error_text(status: dict[str, Any]) -> str:
    """``code: title / message / details`` for each error of a failed status."""
    described = []
    errors = status.get("errors")
    for error in errors if isinstance(errors, list) else []:
        if not isinstance(error, dict):
            continue
        data = error.get("error_data")
        details = data.get("details") if isinstance(data, dict) else None
        parts: list[str] = []
        for part in (error.get("title"), error.get("message"), details):
            text = " ".join(_printable(part).split())
            if text and text.rstrip(".").lower() not in {p.rstrip(".").lower() for p in parts}:
                parts.append(text)
        code = " ".join(_printable(error.get("code")).split())
        text = " / ".join(parts) or "no description"
        described.append(f"{code}: {text}" if code else text)
    return ("; ".join(described) or "failed, no reason given")[:MAX_ERROR_LENGTH]


def _outbox_id(status: dict[str, Any]) -> int | None:
    """The outbox row a message named when it was sent (``biz_opaque_callback_data``)."""
    reference = status.get("biz_opaque_callback_data")
    if not isinstance(reference, str) or not reference.startswith(REFERENCE_PREFIX):
        return None
    number = reference[len(REFERENCE_PREFIX) :]
    return int(number) if number.isdigit() and len(number) < 10 else None


def _settle(row: ReminderDigest, message_id: str, now: dt.datetime) -> None:
    """A message WhatsApp accepted whose sender died before recording it (the row is
    still "sending"): it was sent, and must not be sent again."""
    row.state = DigestState.SENT
    row.message_id = message_id
    row.transport = "whatsapp"
    row.sent_at = row.sent_at or now
    row.last_error = None


def record_statuses(payload: dict[str, Any], now: dt.datetime) -> int:
    """Record the delivery statuses of a callback on the WhatsApp messages of the outbox;
    return how many messages changed. A status for a row still "sending" (its sender
    died between the send and the commit) marks it sent. Flushes, never commits."""
    statuses = [s for s in _statuses(payload) if _status_of(s) is not None]
    ids = {s["id"] for s in statuses}
    if not ids:
        return 0
    rows = {
        row.message_id: row
        for row in db.session.scalars(
            select(ReminderDigest).where(
                ReminderDigest.channel == Channel.WHATSAPP, ReminderDigest.message_id.in_(ids)
            )
        )
    }
    referenced = {n for n in (_outbox_id(s) for s in statuses) if n is not None}
    in_flight = (
        {
            row.id: row
            for row in db.session.scalars(
                select(ReminderDigest).where(
                    ReminderDigest.id.in_(sorted(referenced)),
                    ReminderDigest.channel == Channel.WHATSAPP,
                    ReminderDigest.state == DigestState.SENDING,
                )
            )
        }
        if referenced
        else {}
    )
    changed: set[int] = set()
    for status in statuses:
        row = rows.get(status["id"])
        new = _status_of(status)
        if row is None:
            row = in_flight.get(_outbox_id(status) or 0)
            if row is not None:
                _settle(row, status["id"], now)
                rows[status["id"]] = row
        if row is None or new is None:
            continue
        current = row.delivery_status
        if current is not None and RANK[new] <= RANK[current]:
            continue  # late, repeated, or after read / a failure
        row.delivery_status = new
        row.delivery_status_at = _time_of(status, now)
        if new is DeliveryStatus.FAILED:
            row.delivery_error = error_text(status)
        changed.add(row.id)
    db.session.flush()
    return len(changed)
