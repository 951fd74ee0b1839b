"""Background jobs: the daily reminder run and the delivery of the outbox.

Unlike services, these functions commit: each outbox row is written (committed) before
it is sent, claimed atomically before sending, and marked sent right after, so

* a rerun for the same date finds the rows and sends nothing twice;
* an SMTP failure leaves the row pending with its error for the next attempt;
* several schedulers on one PostgreSQL database act once: the daily run holds an
  advisory lock, and a row is claimed by a conditional UPDATE that only one wins.

If a process dies between handing a message to the SMTP server and recording it, the
row stays ``sending``; after ``REMINDER_SENDING_TIMEOUT_MINUTES`` it is sent again
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
from sqlalchemy import or_, select, text, update

from tracker.extensions import db
from tracker.links import base_url
from tracker.mail import MailError, PermanentMailError, build_message, deliver
from tracker.models.base import utcnow
from tracker.models.reminder import DigestState, ReminderDigest, ReminderRun
from tracker.services import reminders

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
    rejected: int = 0  # of failed: refused for good by the mail server (5xx)
    deferred: int = 0  # not tried: the run reached its deadline
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.skipped_locked:
            return f"{self.date}: penjadwal lain sedang memegang kunci; tidak ada yang dilakukan"
        if self.dry_run:
            return (
                f"{self.date} (uji coba, tidak ada yang ditulis atau dikirim): "
                f"{self.recipients} penerima, {self.items} butir"
            )
        text = (
            f"{self.date}: {self.recipients} penerima baru, {self.items} butir, "
            f"{self.already_queued} sudah diantrekan sebelumnya, {self.sent} terkirim, "
            f"{self.failed - self.rejected} gagal (akan dicoba lagi)"
        )
        if self.rejected:
            text += f", {self.rejected} ditolak server surel (tidak dicoba lagi)"
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
    """The text and HTML bodies of a digest, from what the outbox row recorded."""
    context = _digest_context(digest)
    with force_locale("id"):
        return (
            render_template("email/reminder_digest.txt", **context),
            render_template("email/reminder_digest.html", **context),
        )


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
        for reason in reminders.REASON_ORDER:
            of_reason = [e for e in entries if e["reason"] == reason.value]
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
    with force_locale("id"):
        message = build_message(
            digest.recipient_email,
            "reminder_digest",
            subject=digest.subject,
            now=now,
            **_digest_context(digest),
        )
    sent = deliver(message)
    digest.message_id = sent.message_id
    digest.transport = sent.transport


def _claim(digest_id: int, now: dt.datetime) -> bool:
    timeout = dt.timedelta(
        minutes=int(current_app.config.get("REMINDER_SENDING_TIMEOUT_MINUTES", 15))
    )
    result = db.session.execute(
        update(ReminderDigest)
        .where(
            ReminderDigest.id == digest_id,
            or_(
                ReminderDigest.state == DigestState.PENDING,
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
    """Send every pending digest (or those in ``only``); returns (sent, failed).

    A 5xx refusal fails a digest at once; anything else leaves it pending for a retry
    until REMINDER_MAX_ATTEMPTS. The run claims no new digest once it has taken
    REMINDER_RUN_DEADLINE_SECONDS (a hanging mail server cannot hold it): the rest wait
    for the next retry. ``report``, if given, also gets the rejected and deferred counts."""
    max_attempts = int(current_app.config.get("REMINDER_MAX_ATTEMPTS", 20))
    deadline = time.monotonic() + float(current_app.config["REMINDER_RUN_DEADLINE_SECONDS"])
    stmt = select(ReminderDigest.id).where(
        ReminderDigest.state.in_([DigestState.PENDING, DigestState.SENDING])
    )
    if only is not None:
        stmt = stmt.where(ReminderDigest.id.in_(only))
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
        if not _claim(digest_id, now):
            continue  # another process has it, or it is not due for a retry yet
        digest = db.session.get(ReminderDigest, digest_id)
        assert digest is not None
        try:
            _send(digest, now)
        except PermanentMailError as exc:
            digest.last_error = str(exc)[:2000]
            digest.state = DigestState.FAILED
            failed += 1
            if report is not None:
                report.rejected += 1
        except MailError as exc:
            digest.last_error = str(exc)[:2000]
            digest.state = (
                DigestState.FAILED if digest.attempts >= max_attempts else DigestState.PENDING
            )
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
        planned = reminders.plan_digests(today)
        report.recipients = len(planned)
        report.items = sum(len(d.items) for d in planned)
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
    db.session.commit()
    sent, _failed = deliver_pending(now, only=[digest.id])
    return sent == 1
