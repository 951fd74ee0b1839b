"""APScheduler: the daily reminder run (07:00 WIB by default) and the outbox, every minute.

Run it as one long-lived process: ``flask --app wsgi scheduler``. A scheduler that starts
after today's reminder time with no run recorded for today runs today's at once (a process
down at 07:00 must not skip the day's reminders); every run is recorded in
``reminder_run``. If several scheduler processes
run against one PostgreSQL database, the advisory lock in :mod:`tracker.jobs` lets one
of them act each day, and the outbox claims keep every message single.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from tracker.audit import Actor, acting_as
from tracker.i18n import WIB, today_wib
from tracker.models.base import utcnow

log = logging.getLogger(__name__)
SCHEDULER_ACTOR = Actor(None, "scheduler")
#: how often the outbox is looked at: notices go out within a minute of their window
OUTBOX_INTERVAL_MINUTES = 1


def daily_run(app: Flask, trigger: str = "schedule") -> None:
    from tracker import jobs

    with app.app_context(), acting_as(SCHEDULER_ACTOR):
        report = jobs.run_reminders(today_wib(), now=utcnow(), trigger=trigger)
        log.info("reminders (%s): %s", trigger, report.summary())


def missed_today(app: Flask, now: dt.datetime) -> bool:
    """Past today's reminder time (WIB) and no run recorded for today: a scheduler that
    was down at that time must not skip the day's "due in 7 days / tomorrow / today"."""
    from tracker import jobs

    local = now.astimezone(WIB)
    at = _time(str(app.config.get("REMINDER_TIME", "07:00")))
    if local.time() < at:
        return False
    with app.app_context():
        return not jobs.ran_today(local.date())


def retry_run(app: Flask) -> None:
    """Send what is due in the outbox: notices whose coalescing window has passed, WhatsApp
    held over the quiet hours, and retries whose backoff has passed."""
    from tracker import jobs

    with app.app_context(), acting_as(SCHEDULER_ACTOR):
        sent, failed = jobs.deliver_pending(utcnow())
        if sent or failed:
            log.info("outbox: %d sent, %d failed", sent, failed)


def _time(value: str) -> dt.time:
    try:
        return dt.time.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"REMINDER_TIME must look like 07:00, not {value!r}") from exc


def build_scheduler(app: Flask, *, blocking: bool) -> BaseScheduler:
    at = _time(str(app.config.get("REMINDER_TIME", "07:00")))
    defaults: dict[str, Any] = {"coalesce": True, "max_instances": 1}
    scheduler: BaseScheduler = (
        BlockingScheduler(timezone=WIB, job_defaults=defaults)
        if blocking
        else BackgroundScheduler(timezone=WIB, job_defaults=defaults)
    )
    scheduler.add_job(
        daily_run,
        CronTrigger(hour=at.hour, minute=at.minute, timezone=WIB),
        args=[app],
        id="reminders-daily",
        misfire_grace_time=12 * 3600,
        replace_existing=True,
    )
    if missed_today(app, utcnow()):
        log.warning("reminders: today's run has not happened yet; running it now")
        scheduler.add_job(
            daily_run,
            DateTrigger(run_date=dt.datetime.now(WIB), timezone=WIB),
            args=[app, "catch-up"],
            id="reminders-catch-up",
            misfire_grace_time=12 * 3600,
            replace_existing=True,
        )
    scheduler.add_job(
        retry_run,
        IntervalTrigger(minutes=OUTBOX_INTERVAL_MINUTES, timezone=WIB),
        args=[app],
        id="outbox",
        misfire_grace_time=300,
        replace_existing=True,
    )
    return scheduler
