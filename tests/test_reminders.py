"""Reminder rules over dates, the outbox, delivery through a real SMTP server, pages."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from tracker import jobs
from tracker.extensions import db
from tracker.models import HierarchyRole, Role
from tracker.models.base import utcnow
from tracker.models.reminder import DigestState, ReminderDigest, ReminderReason
from tracker.services import reminders
from tracker.services.reminders import OpenItem, Recipient, reason_for

NOW = dt.datetime(2023, 8, 21, 0, 0, tzinfo=dt.UTC)
SECRETARY = Recipient("sekretaris.dinkes@example.org", "Sekretaris Dinkes")
HEAD = Recipient("kepala.dinkes@example.org", "Kepala Dinkes")


def item(
    item_id: int,
    due: dt.date,
    *,
    last_progress: dt.date | None = None,
    executor: Recipient | None = SECRETARY,
    head: Recipient | None = HEAD,
) -> OpenItem:
    return OpenItem(
        "commitment",
        item_id,
        f"Komitmen {item_id}",
        1,
        "Dinas Kesehatan",
        due,
        last_progress,
        f"/commitments/{item_id}",
        executor,
        head,
    )


@pytest.fixture
def source(monkeypatch):
    items: list[OpenItem] = []
    monkeypatch.setattr(reminders, "SOURCES", [lambda _today: list(items)])
    return items


# --- rules ------------------------------------------------------------------------------

MON = dt.date(2023, 8, 21)  # Monday; Thu 17 Aug 2023 was Independence Day


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (dt.date(2023, 8, 22), ReminderReason.DUE_1),  # Tuesday: 1 working day ahead
        (dt.date(2023, 8, 30), ReminderReason.DUE_7),  # 7 working days ahead
        (dt.date(2023, 8, 29), None),  # 6 working days ahead
        (dt.date(2023, 8, 21), ReminderReason.DUE_TODAY),
        (dt.date(2023, 8, 19), ReminderReason.DUE_TODAY),  # Saturday: goes out Monday
        (dt.date(2023, 8, 18), ReminderReason.OVERDUE),  # the previous working day
    ],
)
def test_reasons_count_working_days(app, due, expected):
    assert reason_for(item(1, due), MON, covered=False, stale_days=30) is expected


def test_due_in_seven_working_days_skips_a_holiday(app):
    # From Mon 14 Aug 2023, 7 working days skip Thu 17 Aug and the weekend: Thu 24 Aug.
    assert (
        reason_for(
            item(1, dt.date(2023, 8, 24)), dt.date(2023, 8, 14), covered=False, stale_days=30
        )
        is ReminderReason.DUE_7
    )
    assert (
        reason_for(
            item(1, dt.date(2023, 8, 23)), dt.date(2023, 8, 14), covered=False, stale_days=30
        )
        is None
    )


def test_overdue_and_stale_repeat_only_when_not_covered(app):
    overdue = item(1, dt.date(2023, 8, 1))
    assert reason_for(overdue, MON, covered=True, stale_days=30) is None
    stale = item(2, dt.date(2023, 12, 1), last_progress=dt.date(2023, 7, 1))
    assert reason_for(stale, MON, covered=False, stale_days=30) is ReminderReason.STALE
    assert reason_for(stale, MON, covered=True, stale_days=30) is None
    fresh = item(3, dt.date(2023, 12, 1), last_progress=dt.date(2023, 8, 1))
    assert reason_for(fresh, MON, covered=False, stale_days=30) is None


def test_nothing_is_planned_on_non_working_days(app, source):
    source.append(item(1, dt.date(2023, 8, 17)))
    assert reminders.plan_digests(dt.date(2023, 8, 17)) == []  # holiday
    assert reminders.plan_digests(dt.date(2023, 8, 19)) == []  # Saturday
    assert len(reminders.plan_digests(dt.date(2023, 8, 18))) == 2  # Friday: due yesterday


def test_one_digest_per_recipient_with_a_copy_for_the_head(app, source):
    source.extend([item(1, MON), item(2, dt.date(2023, 8, 22)), item(3, dt.date(2023, 9, 1))])
    planned = {d.recipient.email: d for d in reminders.plan_digests(MON)}
    assert set(planned) == {SECRETARY.email, HEAD.email}
    secretary = planned[SECRETARY.email]
    assert [(p.item.item_id, p.reason) for p in secretary.items] == [
        (1, ReminderReason.DUE_TODAY),
        (2, ReminderReason.DUE_1),
    ]
    assert {p.as_role for p in planned[HEAD.email].items} == {"head"}


def test_long_overdue_escalates_to_sekda_and_inspektur(app, source):
    setda = factories.make_opd("SETDA", "Sekretariat Daerah")
    factories.make_person(
        setda, hierarchy_role=HierarchyRole.SEKDA, name="Sekda", email="sekda@example.org"
    )
    factories.make_person(
        None,
        hierarchy_role=HierarchyRole.INSPEKTUR,
        name="Inspektur",
        email="inspektur@example.org",
    )
    source.extend([item(1, MON - dt.timedelta(days=31)), item(2, MON - dt.timedelta(days=10))])
    planned = {d.recipient.email: d for d in reminders.plan_digests(MON)}
    assert set(planned) == {
        SECRETARY.email,
        HEAD.email,
        "sekda@example.org",
        "inspektur@example.org",
    }
    assert [(p.item.item_id, p.reason) for p in planned["sekda@example.org"].items] == [
        (1, ReminderReason.ESCALATED)
    ]
    assert [p.reason for p in planned[SECRETARY.email].items] == [
        ReminderReason.ESCALATED,
        ReminderReason.OVERDUE,
    ]


@pytest.mark.app_config(REMINDER_ESCALATION_DAYS=5)
def test_escalation_threshold_is_configurable(app, source):
    source.append(item(1, MON - dt.timedelta(days=10)))
    (digest, *_rest) = reminders.plan_digests(MON)
    assert digest.items[0].reason is ReminderReason.ESCALATED


def test_overdue_items_repeat_weekly(app, source):
    source.append(item(1, dt.date(2023, 8, 1)))
    for day, expected in [
        (dt.date(2023, 8, 21), 2),  # first time: secretary and head
        (dt.date(2023, 8, 22), 0),
        (dt.date(2023, 8, 25), 0),
        (dt.date(2023, 8, 28), 2),  # a week later
    ]:
        result = reminders.queue_digests(day, now=NOW)
        assert len(result.created) == expected, day
        db.session.commit()


def test_items_without_an_address_are_skipped(app, source):
    source.append(item(1, MON, executor=None, head=None))
    assert reminders.plan_digests(MON) == []


# --- outbox and delivery ----------------------------------------------------------------


def _configure_smtp(app, port):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=5)


def test_run_sends_exactly_one_digest_per_recipient_and_a_rerun_nothing(app, source, smtp_server):
    sink, port = smtp_server
    _configure_smtp(app, port)
    source.extend([item(1, MON), item(2, dt.date(2023, 8, 22))])
    report = jobs.run_reminders(MON, now=NOW)
    assert (report.recipients, report.items, report.sent, report.failed) == (2, 4, 2, 0)
    assert sorted(m["To"] for m in sink.received) == [HEAD.email, SECRETARY.email]
    body = next(m for m in sink.received if m["To"] == SECRETARY.email)
    text = body.get_body(("plain",)).get_content()
    assert "Komitmen 1" in text and "Komitmen 2" in text
    assert "http://127.0.0.1:5000/commitments/1" in text
    assert "Jatuh tempo hari ini" in text  # grouped by urgency, in Indonesian

    again = jobs.run_reminders(MON, now=NOW)
    assert (again.recipients, again.already_queued, again.sent) == (0, 2, 0)
    assert len(sink.received) == 2


def test_outage_then_recovery_delivers_everything_exactly_once(app, source, smtp_server):
    sink, port = smtp_server
    _configure_smtp(app, port)
    source.extend([item(1, MON)])
    sink.fail_with = 451
    report = jobs.run_reminders(MON, now=NOW)
    assert (report.sent, report.failed) == (0, 2)
    rows = db.session.scalars(db.select(ReminderDigest)).all()
    assert {r.state for r in rows} == {DigestState.PENDING}
    assert all("451" in (r.last_error or "") for r in rows)
    assert sink.received == []

    sink.fail_with = None
    sent, failed = jobs.deliver_pending(NOW + dt.timedelta(minutes=5))
    assert (sent, failed) == (2, 0)
    assert jobs.deliver_pending(NOW + dt.timedelta(minutes=10)) == (0, 0)
    assert len(sink.received) == 2
    db.session.expire_all()
    assert {r.state for r in db.session.scalars(db.select(ReminderDigest))} == {DigestState.SENT}
    assert {r.attempts for r in db.session.scalars(db.select(ReminderDigest))} == {2}


def test_unreachable_server_keeps_rows_pending(app, source):
    from tests.conftest import _free_port

    _configure_smtp(app, _free_port())
    source.append(item(1, MON))
    report = jobs.run_reminders(MON, now=NOW)
    assert report.failed == 2
    assert db.session.scalar(db.select(db.func.count()).select_from(ReminderDigest)) == 2


@pytest.mark.app_config(REMINDER_MAX_ATTEMPTS=2)
def test_after_max_attempts_a_digest_is_failed_and_can_be_resent(app, source, smtp_server):
    sink, port = smtp_server
    _configure_smtp(app, port)
    sink.fail_with = 550
    source.append(item(1, MON, head=None))
    jobs.run_reminders(MON, now=NOW)
    jobs.deliver_pending(NOW + dt.timedelta(minutes=5))
    digest = db.session.scalar(db.select(ReminderDigest))
    assert digest.state is DigestState.FAILED
    assert jobs.deliver_pending(NOW + dt.timedelta(minutes=10)) == (0, 0)
    sink.fail_with = None
    assert jobs.resend(digest, NOW + dt.timedelta(minutes=15))
    assert len(sink.received) == 1


def test_a_crashed_send_is_retried_after_the_timeout(app, source, smtp_server):
    sink, port = smtp_server
    _configure_smtp(app, port)
    source.append(item(1, MON, head=None))
    reminders.queue_digests(MON, now=NOW)
    db.session.commit()
    digest = db.session.scalar(db.select(ReminderDigest))
    digest.state, digest.last_attempt_at, digest.attempts = DigestState.SENDING, NOW, 1
    db.session.commit()
    assert jobs.deliver_pending(NOW + dt.timedelta(minutes=5)) == (0, 0)  # still in flight
    assert jobs.deliver_pending(NOW + dt.timedelta(minutes=20)) == (1, 0)
    assert len(sink.received) == 1


def test_dry_run_writes_and_sends_nothing(app, source, smtp_server):
    sink, port = smtp_server
    _configure_smtp(app, port)
    source.append(item(1, MON))
    report = jobs.run_reminders(MON, now=NOW, dry_run=True)
    assert (report.recipients, report.items) == (2, 2)
    assert db.session.scalar(db.select(db.func.count()).select_from(ReminderDigest)) == 0
    assert sink.received == []


def test_without_smtp_digests_go_to_the_outbox_folder(app, source, outbox):
    source.append(item(1, MON))
    report = jobs.run_reminders(MON, now=NOW)
    assert report.sent == 2
    assert len(outbox.messages()) == 2


# --- CLI --------------------------------------------------------------------------------


def test_cli_run_and_dry_run(app, source, smtp_server):
    sink, port = smtp_server
    _configure_smtp(app, port)
    source.append(item(1, MON))
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["reminders", "run", "--date", "2023-08-21", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "2 penerima" in dry.output and SECRETARY.email in dry.output
    assert sink.received == []
    sink.fail_with = 451
    outage = runner.invoke(args=["reminders", "run", "--date", "2023-08-21"])
    assert outage.exit_code == 0, outage.output  # an outage it recorded is not an error
    assert "2 gagal" in outage.output
    bad = runner.invoke(args=["reminders", "run", "--date", "21-08-2023"])
    assert bad.exit_code == 2


# --- scheduler --------------------------------------------------------------------------


def test_scheduler_jobs(app):
    from tracker.scheduler import build_scheduler

    scheduler = build_scheduler(app, blocking=False)
    scheduler.start(paused=True)
    try:
        daily = scheduler.get_job("reminders-daily")
        retry = scheduler.get_job("outbox")
        assert "hour='7'" in str(daily.trigger) and "minute='0'" in str(daily.trigger)
        assert str(daily.trigger.timezone) == "Asia/Jakarta"
        assert daily.coalesce and retry.coalesce
        assert daily.max_instances == 1
        assert "0:01:00" in str(retry.trigger)  # notices go out within minutes
    finally:
        scheduler.shutdown(wait=False)


# --- pages ------------------------------------------------------------------------------


def test_staff_see_every_digest_and_others_only_theirs(app, client, login):
    opd_user = factories.make_user(Role.OPD)
    mine = factories.make_digest(
        opd_user.email, recipient_user_id=opd_user.id, state=DigestState.SENT
    )
    factories.make_digest("orang.lain@example.org", state=DigestState.FAILED)
    login(opd_user)
    page = client.get("/reminders/").get_data(as_text=True)
    assert opd_user.email in page and "orang.lain@example.org" not in page
    assert client.get(f"/reminders/{mine.id}").status_code == 200
    client.post("/logout")
    login(factories.make_user(Role.INSPEKTORAT))
    page = client.get("/reminders/?state=failed").get_data(as_text=True)
    assert "orang.lain@example.org" in page and opd_user.email not in page


def test_preview_page_lists_recipients_without_writing(app, client, login, source):
    source.append(item(7, MON))
    login(factories.make_user(Role.INSPEKTORAT))
    page = client.get("/reminders/preview?date=2023-08-21").get_data(as_text=True)
    assert "Komitmen 7" in page and SECRETARY.email in page
    assert db.session.scalar(db.select(db.func.count()).select_from(ReminderDigest)) == 0
    assert client.get("/reminders/preview?date=kemarin").status_code == 200


def test_resend_from_the_page(app, client, login, smtp_server):
    sink, port = smtp_server
    _configure_smtp(app, port)
    digest = factories.make_digest(
        "a@example.org",
        state=DigestState.FAILED,
        payload=[
            {
                "type": "commitment",
                "id": 1,
                "title": "Uji",
                "opd": "Dinkes",
                "due_on": "2023-08-21",
                "reason": "overdue",
                "as_role": "executor",
                "url": "/commitments/1",
            }
        ],
    )
    login(factories.make_user(Role.ADMIN))
    response = client.post(f"/reminders/{digest.id}/resend")
    assert response.status_code == 302
    assert len(sink.received) == 1
    db.session.expire_all()
    assert db.session.get(ReminderDigest, digest.id).state is DigestState.SENT
    page = client.get(f"/reminders/{digest.id}").get_data(as_text=True)
    assert "Uji" in page


def test_last_reminded(app, source):
    source.append(item(1, MON))
    jobs.run_reminders(MON, now=utcnow())
    assert reminders.last_reminded("commitment", [1, 2]) == {1: MON}


def test_a_permanent_refusal_fails_the_digest_at_once_with_the_reason(app, source, smtp_server):
    sink, port = smtp_server
    _configure_smtp(app, port)
    source.append(item(1, MON))
    sink.fail_with = 550
    report = jobs.run_reminders(MON, now=NOW)
    assert (report.sent, report.failed, report.rejected) == (0, 2, 2)
    assert "2 ditolak server surel/WhatsApp" in report.summary()
    db.session.expire_all()
    rows = db.session.scalars(db.select(ReminderDigest)).all()
    assert {r.state for r in rows} == {DigestState.FAILED}
    assert {r.attempts for r in rows} == {1}  # not 20 retries
    assert all("550" in (r.last_error or "") for r in rows)
    assert jobs.deliver_pending(NOW + dt.timedelta(minutes=5)) == (0, 0)


@pytest.mark.app_config(REMINDER_RUN_DEADLINE_SECONDS=0.5, MAIL_TIMEOUT=1)
def test_a_hanging_mail_server_cannot_hold_a_run(app, source):
    import socket
    import time

    silent = socket.socket()  # accepts connections (backlog) and never says a word
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    try:
        _configure_smtp(app, silent.getsockname()[1])
        app.config["MAIL_TIMEOUT"] = 1
        for n in range(1, 5):
            source.append(item(n, MON))
        started = time.monotonic()
        report = jobs.run_reminders(MON, now=NOW)
        took = time.monotonic() - started
    finally:
        silent.close()
    assert report.recipients == 2
    assert report.sent == 0
    assert report.deferred >= 1  # left for the next retry, not tried
    assert report.failed + report.deferred == 2
    assert took < 10
    assert "ditunda ke percobaan berikutnya" in report.summary()
    db.session.expire_all()
    untried = [r for r in db.session.scalars(db.select(ReminderDigest)) if r.attempts == 0]
    assert len(untried) == report.deferred
    assert all(r.state is DigestState.PENDING for r in untried)


def test_deliveries_and_resends_are_in_the_audit_log(app, client, login_as, source, smtp_server):
    from tracker.audit import Actor, acting_as
    from tracker.models import AuditAction, AuditLog

    sink, port = smtp_server
    _configure_smtp(app, port)
    source.append(item(1, MON, head=None))
    sink.fail_with = 550
    with acting_as(Actor(None, "scheduler")):
        jobs.run_reminders(MON, now=NOW)
    digest = db.session.scalar(db.select(ReminderDigest))
    sink.fail_with = None
    officer = login_as("inspektorat")
    assert client.post(f"/reminders/{digest.id}/resend").status_code == 302
    db.session.expire_all()
    entries = db.session.scalars(
        db.select(AuditLog)
        .where(AuditLog.entity_type == "ReminderDigest", AuditLog.entity_id == digest.id)
        .order_by(AuditLog.id)
    ).all()
    assert entries[0].action is AuditAction.CREATE
    assert entries[0].changes["payload"][1] == "••••••"
    states = [(e.actor_label, e.changes.get("state")) for e in entries[1:]]
    assert ("scheduler", ["sending", "failed"]) in states
    assert (officer.email, ["failed", "pending"]) in states  # the resend, by the officer
    assert (officer.email, ["sending", "sent"]) in states
    assert all(officer.id == e.actor_id for e in entries if e.actor_label == officer.email)
    assert len(sink.received) == 1


def test_each_run_is_recorded(app, source, smtp_server):
    from tracker.models import ReminderRun

    sink, port = smtp_server
    _configure_smtp(app, port)
    source.append(item(1, MON))
    jobs.run_reminders(MON, now=NOW, trigger="schedule")
    assert len(sink.received) == 2
    jobs.run_reminders(MON, now=NOW, dry_run=True)  # a dry run is not a run
    (run,) = db.session.scalars(db.select(ReminderRun)).all()
    assert (run.for_date, run.trigger) == (MON, "schedule")
    assert (run.recipients, run.items, run.sent, run.failed, run.deferred) == (2, 2, 2, 0, 0)
    assert run.finished_at is not None and run.finished_at >= run.started_at
    assert run.error is None
    assert jobs.ran_today(MON)


def test_a_scheduler_started_late_runs_todays_reminders_at_once(app, source):
    from tracker import scheduler as scheduling
    from tracker.i18n import WIB
    from tracker.models import ReminderRun

    app.config["REMINDER_TIME"] = "07:00"
    morning = dt.datetime(2023, 8, 21, 6, 59, tzinfo=WIB)
    late = dt.datetime(2023, 8, 21, 9, 30, tzinfo=WIB)
    assert not scheduling.missed_today(app, morning)  # not yet time
    assert scheduling.missed_today(app, late)  # time passed, nothing ran
    with app.app_context():
        jobs.run_reminders(MON, now=NOW)
    assert not scheduling.missed_today(app, late)  # today's run is recorded

    app.config["REMINDER_TIME"] = "00:00"  # so that "now" is always past it
    built = scheduling.build_scheduler(app, blocking=False)
    built.start(paused=True)
    try:
        catch_up = built.get_job("reminders-catch-up")
        assert catch_up is not None
        assert catch_up.args[1] == "catch-up"
    finally:
        built.shutdown(wait=False)
    scheduling.daily_run(app, "catch-up")
    db.session.expire_all()
    triggers = [r.trigger for r in db.session.scalars(db.select(ReminderRun))]
    assert "catch-up" in triggers


def test_the_reminders_page_shows_the_last_runs_to_staff(app, client, login, source):
    source.append(item(1, MON))
    jobs.run_reminders(MON, now=NOW, trigger="catch-up")
    login(factories.make_user("inspektorat"))
    page = client.get("/reminders/").get_data(as_text=True)
    assert 'data-testid="reminder-runs"' in page
    assert "Catch-up" in page or "Susulan" in page
    login_page = client.post("/logout")
    assert login_page.status_code == 302
    login(factories.make_user("pimpinan"))
    assert 'data-testid="reminder-runs"' not in client.get("/reminders/").get_data(as_text=True)
