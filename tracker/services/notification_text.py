"""What a notification says, in one line, in the reader's language.

:func:`headline` names the event ("Komitmen dikembalikan"); :func:`describe` says what
happened, from the event's ``params``: "Komitmen dikembalikan oleh Budi: <catatan>",
"Tindak lanjut ditinjau: Belum sesuai (2) — <catatan>; batas baru Rabu, 26 Juli 2023",
"Undangan: <judul> — Rabu, 26 Juli 2023 08.30 WIB, <tempat>".

The item's title (``Notification.title``) is shown beside the line by whoever shows it (the
link in the list, the subject of a message); only a workshop's lines name it, since the
workshop is what they are about. The functions read nothing but the notification and need
no request: the in-app list, the e-mail and the WhatsApp message use the same words (call
them under ``force_locale("id")`` outside a request). A parameter that is missing, empty
or malformed is left out of the line, never an error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext as _

from tracker.i18n import date_long, time_wib
from tracker.models.finding import Outcome
from tracker.models.notification import NoticeEvent, Notification

#: what separates the event's lead from the reviewer's note or a reason
NOTE = " — "


def headline(n: Notification) -> str:
    """The event's label: "Komitmen dikembalikan", "Undangan workshop", …"""
    return NoticeEvent(n.event).label


def describe(n: Notification) -> str:
    """One line saying what happened to the item (see the module's docstring)."""
    params: Mapping[str, Any] = n.params if isinstance(n.params, Mapping) else {}
    return _DESCRIBE[NoticeEvent(n.event)](n, params)


def when(value: dt.datetime) -> str:
    """A moment as a line shows it: 'Rabu, 26 Juli 2023 08.30 WIB'."""
    return f"{date_long(value)} {time_wib(value)}"


# --- reading the parameters -------------------------------------------------------------


def _text(params: Mapping[str, Any], key: str) -> str | None:
    """A non-empty text parameter, whitespace collapsed (None when missing or not text)."""
    value = params.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = " ".join(str(value).split())
    return text or None


def _date(params: Mapping[str, Any], key: str) -> dt.date | None:
    """An ISO date ('2023-07-26'; a datetime's date is taken too), None when malformed."""
    raw = _text(params, key)
    if raw is None:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        moment = _moment(params, key)
        return moment.date() if moment else None


def _moment(params: Mapping[str, Any], key: str) -> dt.datetime | None:
    """An ISO datetime in UTC ('2023-07-26T01:30:00+00:00'; without an offset: UTC)."""
    raw = _text(params, key)
    if raw is None:
        return None
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _outcome(params: Mapping[str, Any]) -> Outcome | None:
    raw = _text(params, "outcome")
    try:
        return Outcome(raw) if raw else None
    except ValueError:
        return None


def _with_note(lead: str, note: str | None, separator: str = ": ") -> str:
    return f"{lead}{separator}{note}" if note else lead


def _due(params: Mapping[str, Any]) -> str:
    due_on = _date(params, "due_on")
    return "; " + _("due %(date)s", date=date_long(due_on)) if due_on else ""


def _schedule(params: Mapping[str, Any]) -> str:
    """' — Rabu, 26 Juli 2023 08.30 WIB, Aula Balai Kota' (what is known of it)."""
    starts_at = _moment(params, "starts_at")
    parts = [p for p in (when(starts_at) if starts_at else None, _text(params, "place")) if p]
    return NOTE + ", ".join(parts) if parts else ""


# --- one line per event -----------------------------------------------------------------


def _commitment_returned(n: Notification, params: Mapping[str, Any]) -> str:
    by = _text(params, "by")
    lead = _("Commitment returned by %(name)s", name=by) if by else headline(n)
    return _with_note(lead, _text(params, "note"))


def _commitment_verified(n: Notification, params: Mapping[str, Any]) -> str:
    by = _text(params, "by")
    return _("Commitment verified by %(name)s", name=by) if by else headline(n)


def _commitment_cancelled(n: Notification, params: Mapping[str, Any]) -> str:
    return _with_note(headline(n), _text(params, "reason"))


def _commitment_assigned(n: Notification, params: Mapping[str, Any]) -> str:
    opd = _text(params, "opd")
    lead = _("New commitment for %(opd)s", opd=opd) if opd else headline(n)
    return lead + _due(params)


def _recommendation_assigned(n: Notification, params: Mapping[str, Any]) -> str:
    opd = _text(params, "opd")
    lead = _("New recommendation for %(opd)s", opd=opd) if opd else headline(n)
    report = _text(params, "report")
    if report:
        lead += ", " + _("report %(report)s", report=report)
    return lead + _due(params)


def _follow_up_reviewed(n: Notification, params: Mapping[str, Any]) -> str:
    outcome = _outcome(params)
    lead = (
        _(
            "Follow-up reviewed: %(outcome)s (%(number)s)",
            outcome=outcome.short,
            number=outcome.number,
        )
        if outcome
        else headline(n)
    )
    line = _with_note(lead, _text(params, "note"), NOTE)
    new_due_on = _date(params, "new_due_on")
    if new_due_on:
        line += "; " + _("new due date %(date)s", date=date_long(new_due_on))
    return line


def _proposal_returned(n: Notification, params: Mapping[str, Any]) -> str:
    outcome = _outcome(params)
    by = _text(params, "by")
    lead = (
        _(
            "Your proposed outcome %(number)s (%(outcome)s) was sent back by %(name)s",
            number=outcome.number,
            outcome=outcome.short,
            name=by,
        )
        if outcome and by
        else headline(n)
    )
    return _with_note(lead, _text(params, "note"), NOTE)


def _workshop_invitation(n: Notification, params: Mapping[str, Any]) -> str:
    return _("Invitation: %(title)s", title=n.title) + _schedule(params)


def _workshop_update(n: Notification, params: Mapping[str, Any]) -> str:
    return _("Workshop changed: %(title)s", title=n.title) + _schedule(params)


def _workshop_cancelled(n: Notification, params: Mapping[str, Any]) -> str:
    lead = _("Workshop cancelled: %(title)s", title=n.title)
    return _with_note(lead, _text(params, "reason"), NOTE)


_DESCRIBE: dict[NoticeEvent, Callable[[Notification, Mapping[str, Any]], str]] = {
    NoticeEvent.COMMITMENT_RETURNED: _commitment_returned,
    NoticeEvent.COMMITMENT_VERIFIED: _commitment_verified,
    NoticeEvent.COMMITMENT_CANCELLED: _commitment_cancelled,
    NoticeEvent.COMMITMENT_ASSIGNED: _commitment_assigned,
    NoticeEvent.RECOMMENDATION_ASSIGNED: _recommendation_assigned,
    NoticeEvent.FOLLOW_UP_REVIEWED: _follow_up_reviewed,
    NoticeEvent.WORKSHOP_INVITATION: _workshop_invitation,
    NoticeEvent.WORKSHOP_UPDATE: _workshop_update,
    NoticeEvent.WORKSHOP_CANCELLED: _workshop_cancelled,
    NoticeEvent.PROPOSAL_RETURNED: _proposal_returned,
}
