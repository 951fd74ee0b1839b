"""What an outbox message says, by kind and channel: the e-mail digest's context is in
:mod:`tracker.jobs`; here the notice e-mail and the WhatsApp templates' parameters.

A digest is worded for its reader: the secretary who carries the items out is told what to
do, the head of an OPD what the OPD has open, and the Sekda or the Inspektur (who only get
escalations) how late each OPD is; a returned commitment is "Dikembalikan" with the
reviewer's note. Everything is in Indonesian (``force_locale("id")`` by the caller).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from tracker.extensions import db
from tracker.i18n import date_long
from tracker.links import base_url
from tracker.models.notification import Notification
from tracker.models.reminder import Channel, MessageKind, ReminderDigest, ReminderReason

#: WhatsApp template kinds (WHATSAPP_TEMPLATES)
DIGEST_EXECUTOR = "digest_executor"
DIGEST_HEAD = "digest_head"
DIGEST_ESCALATION = "digest_escalation"
NOTICE = "notice"
#: how many events a WhatsApp notice spells out before "and N more"
NOTICE_EVENTS_SHOWN = 3
#: how much of an item's title a WhatsApp notice quotes
TITLE_SHOWN = 80


def reader_of(payload: Sequence[dict[str, object]]) -> str:
    """Whom a digest speaks to: the executor (any item to carry out), else the head of the
    OPD, else a leader receiving escalations."""
    roles = {str(entry.get("as_role")) for entry in payload}
    if "executor" in roles:
        return DIGEST_EXECUTOR
    if "head" in roles:
        return DIGEST_HEAD
    return DIGEST_ESCALATION


def digest_summary(digest: ReminderDigest) -> str:
    """One line: what the digest holds, as its reader needs it."""
    payload = digest.payload
    if reader_of(payload) == DIGEST_ESCALATION:
        by_opd = Counter(str(entry.get("opd") or "—") for entry in payload)
        parts = [f"{opd} {count}" for opd, count in sorted(by_opd.items())]
        return _(
            "%(count)d long-overdue item(s) by OPD: %(list)s",
            count=len(payload),
            list=", ".join(parts),
        )
    returned = sum(1 for entry in payload if entry.get("returned_note"))
    counts = Counter(
        str(entry.get("reason")) for entry in payload if not entry.get("returned_note")
    )
    parts = []
    if returned:
        parts.append(ngettext("%(num)d returned", "%(num)d returned", returned))
    for reason in ReminderReason:
        if counts.get(reason.value):
            parts.append(f"{counts[reason.value]} {reason.label.lower()}")
    return "; ".join(parts)


def digest_link(digest: ReminderDigest) -> str:
    """The page a digest's WhatsApp message points to: the item when there is one, else
    the digest in the tracker."""
    payload = digest.payload
    if len(payload) == 1:
        return base_url() + str(payload[0]["url"])
    return base_url() + f"/reminders/{digest.id}"


def whatsapp_digest(digest: ReminderDigest) -> tuple[str, list[str]]:
    """The template kind and its parameters: name, date, summary, link."""
    return reader_of(digest.payload), [
        digest.recipient_name,
        date_long(digest.for_date),
        digest_summary(digest),
        digest_link(digest),
    ]


def notifications_of(message: ReminderDigest) -> list[Notification]:
    column = (
        Notification.whatsapp_message_id
        if message.channel is Channel.WHATSAPP
        else Notification.email_message_id
    )
    return list(
        db.session.scalars(
            select(Notification).where(column == message.id).order_by(Notification.id)
        )
    )


def notice_subject(notifications: Sequence[Notification]) -> str:
    from tracker.services.notification_text import headline

    if len(notifications) == 1:
        only = notifications[0]
        return f"{headline(only)}: {only.title}"[:300]
    return ngettext(
        "%(num)d notice from the tracker", "%(num)d notices from the tracker", len(notifications)
    )


def notice_link(notifications: Sequence[Notification]) -> str:
    """Where a notice points: the item (for a workshop invitee, their personal check-in
    link, which needs no login), or the notifications page for several."""
    if len(notifications) == 1:
        only = notifications[0]
        pass_url = (only.params or {}).get("pass_url")
        if isinstance(pass_url, str) and pass_url.startswith(("http://", "https://")):
            return pass_url
        return base_url() + only.url
    return base_url() + "/notifications/"


def whatsapp_notice(
    message: ReminderDigest, notifications: Sequence[Notification]
) -> tuple[str, list[str]]:
    """The notice template's parameters: name, what happened (one line), link."""
    from tracker.services.notification_text import describe

    shown = [_with_title(n, describe(n)) for n in notifications[:NOTICE_EVENTS_SHOWN]]
    rest = len(notifications) - len(shown)
    text = " · ".join(shown)
    if rest > 0:
        text += " · " + ngettext("and %(num)d more", "and %(num)d more", rest)
    return NOTICE, [message.recipient_name, text, notice_link(notifications)]


def _with_title(n: Notification, text: str) -> str:
    """What happened, naming the item (a workshop's line names it already)."""
    if n.item_type == "workshop":
        return text
    title = n.title if len(n.title) <= TITLE_SHOWN else n.title[: TITLE_SHOWN - 1] + "…"
    return f"{text} — “{title}”"


def notice_email_context(notifications: Sequence[Notification]) -> dict[str, object]:
    from tracker.services.notification_text import describe, headline

    base = base_url()
    return {
        "entries": [
            {
                "headline": headline(n),
                "title": n.title,
                "text": describe(n),
                "link": base + n.url,
                "pass_url": (n.params or {}).get("pass_url"),
            }
            for n in notifications
        ],
        "base_url": base,
    }


def preview_text(message: ReminderDigest) -> str:
    """A WhatsApp message as the recipient reads it (for the reminders pages): the
    template's parameters, one per line."""
    if message.kind is MessageKind.NOTICE:
        kind, params = whatsapp_notice(message, notifications_of(message))
    else:
        kind, params = whatsapp_digest(message)
    lines = [f"[{kind}]"]
    lines += [f"{{{{{i}}}}} {value}" for i, value in enumerate(params, start=1)]
    return "\n".join(lines)
