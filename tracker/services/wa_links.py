""" "Kirim via WhatsApp" for offices without the WhatsApp API: a wa.me link that opens the
staff member's own WhatsApp with the message typed in and the official's number chosen.

The texts are built by pure functions (:func:`item_text`, :func:`digest_text`), always in
Indonesian (the officials' language, whatever language the sender's screen is in); the
helpers below them find whom to write to (a commitment's executor, else the OPD's
secretary) with at most one query per page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select

from tracker import phones
from tracker.extensions import db
from tracker.i18n import date_long
from tracker.links import external_url
from tracker.models import NotifyChannel, Person
from tracker.models.commitment import Commitment
from tracker.models.finding import Recommendation
from tracker.services.commitments import deadline_state
from tracker.services.organisation import opd_officials
from tracker.services.reminders import PlannedDigest

#: The language of every WhatsApp text: the officials'.
LOCALE = "id"
#: How much of a statement or recommendation goes into a message.
TEXT_LIMIT = 300
#: How many items a digest message lists before "and N more".
DIGEST_ITEMS = 15


def shorten(text: str, limit: int = TEXT_LIMIT) -> str:
    """``text`` on one line, cut at a word to at most ``limit`` characters ("…" added)."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.;:") + "…"


# --- texts (pure) ------------------------------------------------------------------------


def item_text(
    *,
    heading: str,
    opd: str,
    text: str,
    due_on: dt.date,
    state: str,
    url: str,
    name: str | None = None,
) -> str:
    """One commitment or recommendation: greeting, what and whose it is, its text (cut to
    about 300 characters), its state and due date, and its link in the tracker."""
    with force_locale(LOCALE):
        lines = []
        if name:
            lines += [_("Dear %(name)s,", name=name), ""]
        lines += [
            f"{heading} · {opd}",
            f"\u201c{shorten(text)}\u201d",
            _("Status: %(state)s; due on %(date)s.", state=state, date=date_long(due_on)),
            "",
            _("Please post the progress and evidence in the tracker."),
            url,
        ]
        return "\n".join(lines)


def digest_text(planned: PlannedDigest, day: dt.date, *, link: str | None = None) -> str:
    """A planned digest as one message: the greeting, the date, each item as
    "- title (OPD, jatuh tempo …)" (at most 15, then "dan N lainnya") and the tracker's
    link (the dashboard unless ``link`` is given)."""
    with force_locale(LOCALE):
        lines = [
            _("Dear %(name)s,", name=planned.recipient.name),
            "",
            _("These items need your attention as of %(date)s:", date=date_long(day)),
        ]
        for entry in planned.items[:DIGEST_ITEMS]:
            item = entry.item
            due = _("due on %(date)s", date=date_long(item.due_on))
            lines.append(f"- {shorten(item.title, 120)} ({item.opd_name}, {due})")
        more = len(planned.items) - DIGEST_ITEMS
        if more > 0:
            lines.append(ngettext("and %(num)d more", "and %(num)d more", more))
        lines += [
            "",
            _("Please post the progress and evidence in the tracker."),
            link or external_url("dashboard.index"),
        ]
        return "\n".join(lines)


def commitment_state(commitment: Commitment, today: dt.date) -> str:
    """'Dalam proses, kemajuan 40%, terlambat 5 hari' (in the current language)."""
    parts = [commitment.status.label, _("progress %(num)d%%", num=commitment.progress)]
    if deadline_state(commitment, today) == "overdue":
        parts.append(_overdue((today - commitment.due_on).days))
    return ", ".join(parts)


def recommendation_state(rec: Recommendation, today: dt.date) -> str:
    """'Belum ditindaklanjuti, menunggu reviu, terlambat 3 hari' (in the current language)."""
    parts = [rec.effective_outcome.label]
    if rec.awaiting_review:
        parts.append(_("awaiting review"))
    if rec.is_overdue(today):
        parts.append(_overdue((today - rec.due_on).days))
    return ", ".join(parts)


def _overdue(days: int) -> str:
    return _("overdue by %(days)s", days=ngettext("%(num)d day", "%(num)d days", days))


# --- whom to write to ---------------------------------------------------------------------


def whatsapp_number(person: Person | None) -> str | None:
    """The official's mobile number (E.164 without "+") if they may be written to on
    WhatsApp: active, not "e-mail only", and a number WhatsApp can reach."""
    if person is None or not person.active or person.notify_by is NotifyChannel.EMAIL:
        return None
    phone = phones.safe_normalise(person.phone)
    return phone if phone is not None and phones.is_mobile(phone) else None


def opd_secretaries(opd_ids: Iterable[int | None]) -> dict[int, Person]:
    """Each OPD's active secretary (the first one recorded): one query."""
    return opd_officials(opd_ids)[1]


def commitment_executor(commitment: Commitment) -> Person | None:
    """Who carries the commitment out: the official named on it, else the OPD's secretary."""
    named = commitment.carried_out_by
    if named is not None and named.active:
        return named
    return opd_secretaries([commitment.opd_id]).get(commitment.opd_id)


# --- links ----------------------------------------------------------------------------


def commitment_url(commitment: Commitment, today: dt.date) -> str:
    """The wa.me link to write to the commitment's executor about it."""
    executor = commitment_executor(commitment)
    with force_locale(LOCALE):
        text = item_text(
            heading=_("Commitment #%(id)d", id=commitment.id),
            opd=commitment.opd.name,
            text=commitment.statement,
            due_on=commitment.due_on,
            state=commitment_state(commitment, today),
            url=external_url("commitments.detail", commitment_id=commitment.id),
            name=executor.name if executor is not None else None,
        )
    return phones.wa_me_url(whatsapp_number(executor), text)


def recommendation_urls(recs: Sequence[Recommendation], today: dt.date) -> dict[int, str]:
    """The wa.me link of each recommendation (by id), to its OPD's secretary."""
    secretaries = opd_secretaries(rec.opd_id for rec in recs)
    result: dict[int, str] = {}
    for rec in recs:
        secretary = secretaries.get(rec.opd_id)
        with force_locale(LOCALE):
            text = item_text(
                heading=_("Recommendation %(number)s", number=rec.number),
                opd=rec.opd.name,
                text=rec.text,
                due_on=rec.due_on,
                state=recommendation_state(rec, today),
                url=external_url(
                    "findings.detail", finding_id=rec.finding_id, _anchor=f"rec-{rec.id}"
                ),
                name=secretary.name if secretary is not None else None,
            )
        result[rec.id] = phones.wa_me_url(whatsapp_number(secretary), text)
    return result


def digest_urls(planned: Sequence[PlannedDigest], day: dt.date) -> list[str]:
    """The wa.me link of each planned digest, in order: to the recipient's number, or,
    where the digest has none (WhatsApp not configured), to the official's own mobile."""
    missing = {
        p.recipient.person_id
        for p in planned
        if not p.recipient.phone and p.recipient.person_id is not None
    }
    people = (
        {
            person.id: person
            for person in db.session.scalars(select(Person).where(Person.id.in_(sorted(missing))))
        }
        if missing
        else {}
    )
    link = external_url("dashboard.index")
    result = []
    for p in planned:
        phone = p.recipient.phone
        if not phone and p.recipient.person_id is not None:
            phone = whatsapp_number(people.get(p.recipient.person_id))
        result.append(phones.wa_me_url(phone, digest_text(p, day, link=link)))
    return result
