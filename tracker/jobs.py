"""Background jobs: the daily reminder run and the delivery of the outbox.

One outbox for every channel (e-mail, WhatsApp) and kind (daily digest, immediate
notice). Unlike services, these functions commit: each outbox row is written (committed)
before it is sent, claimed atomically before sending, and marked sent right after, so

* a rerun for the same date finds the rows and sends nothing twice;
* a temporary failure (SMTP 4xx or unreachable; WhatsApp 5xx, 429 or timeout) leaves the
  row pending with its error, retried with backoff (``not_before``);
* a permanent refusal (SMTP 5xx to the recipient; WhatsApp 4xx, e.g. an invalid number)
  fails it at once;
* several schedulers on one PostgreSQL database act once: the daily run holds an
  advisory lock, and a row is claimed by a conditional UPDATE that only one wins.

If a process dies between handing a message over and recording it, the row stays
``sending``; a WhatsApp status callback for it (the message carries its outbox id) marks
it sent; otherwise after ``REMINDER_SENDING_TIMEOUT_MINUTES`` it is sent again
(at-least-once for that narrow case — never lost).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select, text, true, update

from tracker import whatsapp
from tracker.extensions import db
from tracker.links import base_url
from tracker.mail import MailError, PermanentMailError, build_message, deliver
from tracker.models.base import utcnow
from tracker.models.reminder import Channel, DigestState, MessageKind, ReminderDigest, ReminderRun
from tracker.services import messages, reminders

#: failures worth another try, and those that will not change
TEMPORARY = (MailError, whatsapp.WhatsAppError)
PERMANENT = (PermanentMailError, whatsapp.PermanentWhatsAppError)
#: the longest wait between two attempts
MAX_BACKOFF = dt.timedelta(hours=4)

ADVISORY_LOCK_KEY = 0x7472_6163  # "trac"


@dataclass
class RunReport:
    date: dt.date
    dry_run: bool
    skipped_locked: bool = False
    recipients: int = 0
    items: int = 0
    already_queued: int = 0
    sent: int = 0
    failed: int = 0
    rejected: int = 0  # of failed: refused for good (SMTP 5xx, WhatsApp 4xx)
    deferred: int = 0  # not tried: the run reached its deadline
    errors: list[str] = field(default_factory=list)
    #: a dry run's digests, planned once (shown by the command line)
    planned: list[reminders.PlannedDigest] = field(default_factory=list, repr=False)

    def summary(self) -> str:
        if self.skipped_locked:
            return f"{self.date}: penjadwal lain sedang memegang kunci; tidak ada yang dilakukan"
        if self.dry_run:
            return (
                f"{self.date} (uji coba, tidak ada yang ditulis atau dikirim): "
                f"{self.recipients} penerima, {self.items} butir"
            )
        text = (
            f"{self.date}: {self.recipients} pesan baru, {self.items} butir, "
            f"{self.already_queued} sudah diantrekan sebelumnya, {self.sent} terkirim, "
            f"{self.failed - self.rejected} gagal (akan dicoba lagi)"
        )
        if self.rejected:
            text += f", {self.rejected} ditolak server surel/WhatsApp (tidak dicoba lagi)"
        if self.deferred:
            text += f", {self.deferred} ditunda ke percobaan berikutnya (batas waktu)"
        return text


@contextlib.contextmanager
def advisory_lock(key: int = ADVISORY_LOCK_KEY) -> Iterator[bool]:
    """A PostgreSQL session advisory lock (try, don't wait); always granted on SQLite."""
    if db.engine.dialect.name != "postgresql":
        yield True
        return
    with db.engine.connect() as conn:
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
        conn.commit()
        try:
            yield got
        finally:
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()


def render_digest(digest: ReminderDigest) -> tuple[str, str]:
    """The text and HTML bodies of an outbox message, from what its row recorded (for a
    WhatsApp message, the text is the template's parameters as sent)."""
    with force_locale("id"):
        template, context = _email_content(digest)
        text_body = render_template(f"email/{template}.txt", **context)
        if digest.channel is Channel.WHATSAPP:
            text_body = messages.preview_text(digest)
        return text_body, render_template(f"email/{template}.html", **context)


def _email_content(digest: ReminderDigest) -> tuple[str, dict[str, object]]:
    if digest.kind is MessageKind.NOTICE:
        return "notice", {
            "digest": digest,
            **messages.notice_email_context(messages.notifications_of(digest)),
        }
    return "reminder_digest", _digest_context(digest)


def _digest_context(digest: ReminderDigest) -> dict[str, object]:
    """What the digest's templates show. Its wording follows the recipient's part in the
    items (``as_role``): the secretary who carries them out is asked to post progress and
    evidence, the head of the OPD to see that it is done, and a leader who receives an
    escalation (the Sekda, the Inspektur) to take it up with the heads of the OPDs that
    are late, whose items are then listed by OPD."""
    base = base_url()
    entries = [
        {
            **entry,
            "link": base + str(entry["url"]),
            "due": dt.date.fromisoformat(str(entry["due_on"])),
        }
        for entry in digest.payload
    ]
    roles = {str(entry["as_role"]) for entry in entries}
    escalation_only = roles == {"escalation"}
    groups: list[tuple[str, list[dict[str, object]]]] = []
    if escalation_only:
        by_opd: dict[str, list[dict[str, object]]] = {}
        for entry in entries:
            by_opd.setdefault(str(entry["opd"]), []).append(entry)
        groups = sorted(by_opd.items(), key=lambda group: group[0].lower())
    else:
        # a commitment sent back is "returned" with the note, whatever else it is
        returned = [e for e in entries if e.get("returned_note") is not None]
        if returned:
            groups.append((_("Returned by the Inspektorat"), returned))
        for reason in reminders.REASON_ORDER:
            of_reason = [
                e for e in entries if e["reason"] == reason.value and e.get("returned_note") is None
            ]
            if of_reason:
                groups.append((reason.label, of_reason))
    return {
        "digest": digest,
        "groups": groups,
        "roles": roles,
        "escalation_only": escalation_only,
        "escalation_days": reminders.escalation_days(),
        "base_url": base,
    }


def _send(digest: ReminderDigest, now: dt.datetime) -> None:
    """Hand one message to its channel; raises one of TEMPORARY when it did not go."""
    with force_locale("id"):
        if digest.kind is MessageKind.NOTICE:
            notifications = messages.notifications_of(digest)
            if not notifications:
                return  # its events were withdrawn: nothing to say
            digest.subject = messages.notice_subject(notifications)
        if digest.channel is Channel.WHATSAPP:
            if digest.kind is MessageKind.NOTICE:
                kind, params = messages.whatsapp_notice(digest, notifications)
            else:
                kind, params = messages.whatsapp_digest(digest)
            digest.message_id = whatsapp.send_template(
                digest.recipient_phone or "", kind, params, reference=f"outbox:{digest.id}"
            )
            digest.transport = "whatsapp"
            return
        template, context = _email_content(digest)
        message = build_message(
            digest.recipient_email or "", template, subject=digest.subject, now=now, **context
        )
    sent = deliver(message)
    digest.message_id = sent.message_id
    digest.transport = sent.transport


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed attempt: REMINDER_RETRY_MINUTES, doubled
    each time, at most MAX_BACKOFF."""
    base = dt.timedelta(minutes=int(current_app.config.get("REMINDER_RETRY_MINUTES", 5)))
    return min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF)


def _claim(digest_id: int, now: dt.datetime, *, due_only: bool = True) -> bool:
    timeout = dt.timedelta(
        minutes=int(current_app.config.get("REMINDER_SENDING_TIMEOUT_MINUTES", 15))
    )
    due = or_(ReminderDigest.not_before.is_(None), ReminderDigest.not_before <= now)
    result = db.session.execute(
        update(ReminderDigest)
        .where(
            ReminderDigest.id == digest_id,
            or_(
                (ReminderDigest.state == DigestState.PENDING) & (due if due_only else true()),
                (ReminderDigest.state == DigestState.SENDING)
                & (ReminderDigest.last_attempt_at < now - timeout),
            ),
        )
        .values(
            state=DigestState.SENDING,
            attempts=ReminderDigest.attempts + 1,
            last_attempt_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]


def deliver_pending(
    now: dt.datetime, *, only: list[int] | None = None, report: RunReport | None = None
) -> tuple[int, int]:
    """Send every pending message that is due (or those in ``only``, due or not);
    returns (sent, failed).

    A permanent refusal fails a message at once; anything else leaves it pending, to be
    tried again after ``backoff`` until REMINDER_MAX_ATTEMPTS. The run claims no new
    message once it has taken REMINDER_RUN_DEADLINE_SECONDS (a hanging server cannot
    hold it): the rest wait for the next retry. ``report``, if given, also gets the
    rejected and deferred counts."""
    max_attempts = int(current_app.config.get("REMINDER_MAX_ATTEMPTS", 20))
    deadline = time.monotonic() + float(current_app.config["REMINDER_RUN_DEADLINE_SECONDS"])
    stmt = select(ReminderDigest.id).where(
        ReminderDigest.state.in_([DigestState.PENDING, DigestState.SENDING])
    )
    if only is not None:
        stmt = stmt.where(ReminderDigest.id.in_(only))
    else:
        stmt = stmt.where(
            or_(
                ReminderDigest.state == DigestState.SENDING,
                ReminderDigest.not_before.is_(None),
                ReminderDigest.not_before <= now,
            )
        )
    ids = list(db.session.scalars(stmt.order_by(ReminderDigest.id)))
    db.session.commit()
    sent = failed = 0
    for index, digest_id in enumerate(ids):
        if time.monotonic() > deadline:
            if report is not None:
                report.deferred += len(ids) - index
            current_app.logger.warning(
                "reminders: run deadline reached; %d digest(s) left for the next retry",
                len(ids) - index,
            )
            break
        if not _claim(digest_id, now, due_only=only is None):
            continue  # another process has it, or it is not due for a retry yet
        digest = db.session.get(ReminderDigest, digest_id)
        assert digest is not None
        try:
            _send(digest, now)
        except PERMANENT as exc:
            digest.last_error = str(exc)[:2000]
            digest.state = DigestState.FAILED
            failed += 1
            if report is not None:
                report.rejected += 1
        except TEMPORARY as exc:
            digest.last_error = str(exc)[:2000]
            digest.state = (
                DigestState.FAILED if digest.attempts >= max_attempts else DigestState.PENDING
            )
            digest.not_before = now + backoff(digest.attempts)
            failed += 1
        else:
            digest.state = DigestState.SENT
            digest.sent_at = now
            digest.last_error = None
            sent += 1
        db.session.commit()
    return sent, failed


def run_reminders(
    today: dt.date, *, now: dt.datetime, dry_run: bool = False, trigger: str = "command"
) -> RunReport:
    """Queue the digests for ``today`` and send what is pending; the run is recorded
    (``reminder_run``: start, end, what it did) unless it is a dry run or another
    scheduler holds the lock."""
    report = RunReport(date=today, dry_run=dry_run)
    if dry_run:
        report.planned = reminders.plan_digests(today)
        report.recipients = len(report.planned)
        report.items = sum(len(d.items) for d in report.planned)
        db.session.rollback()
        return report
    with advisory_lock() as acquired:
        if not acquired:
            report.skipped_locked = True
            return report
        run = ReminderRun(for_date=today, trigger=trigger[:20], started_at=utcnow())
        db.session.add(run)
        db.session.commit()
        try:
            result = reminders.queue_digests(today, now=now)
            db.session.commit()
            report.recipients = len(result.created)
            report.items = result.items
            report.already_queued = result.existing
            report.sent, report.failed = deliver_pending(now, report=report)
        except Exception as exc:
            db.session.rollback()
            _finish(run.id, report, error=f"{type(exc).__name__}: {exc}")
            raise
        _finish(run.id, report)
    return report


def _finish(run_id: int, report: RunReport, *, error: str | None = None) -> None:
    db.session.execute(
        update(ReminderRun)
        .where(ReminderRun.id == run_id)
        .values(
            finished_at=utcnow(),
            recipients=report.recipients,
            items=report.items,
            sent=report.sent,
            failed=report.failed,
            deferred=report.deferred,
            error=error[:2000] if error else None,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def ran_today(today: dt.date) -> bool:
    """Whether a daily run for ``today`` has been recorded (started, by any process)."""
    return (
        db.session.scalar(select(ReminderRun.id).where(ReminderRun.for_date == today).limit(1))
        is not None
    )


def resend(digest: ReminderDigest, now: dt.datetime) -> bool:
    """Put a failed digest back in the queue and try it now; True when it went out."""
    if digest.state not in (DigestState.FAILED, DigestState.PENDING):
        return False
    digest.state = DigestState.PENDING
    digest.not_before = None
    db.session.commit()
    sent, _failed = deliver_pending(now, only=[digest.id])
    return sent == 1
