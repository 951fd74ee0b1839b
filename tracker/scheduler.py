"""APScheduler: the daily reminder run (07:00 WIB by default) and the outbox retry.

Run it as one long-lived process: ``flask --app wsgi scheduler``. Missed runs are
coalesced (one catch-up run, not one per missed day). If several scheduler processes
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
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from tracker.audit import Actor, acting_as
from tracker.i18n import WIB, today_wib
from tracker.models.base import utcnow

log = logging.getLogger(__name__)
SCHEDULER_ACTOR = Actor(None, "scheduler")


def daily_run(app: Flask) -> None:
    from tracker import jobs

    with app.app_context(), acting_as(SCHEDULER_ACTOR):
        report = jobs.run_reminders(today_wib(), now=utcnow())
        log.info("reminders: %s", report.summary())


def retry_run(app: Flask) -> None:
    from tracker import jobs

    with app.app_context(), acting_as(SCHEDULER_ACTOR):
        sent, failed = jobs.deliver_pending(utcnow())
        if sent or failed:
            log.info("reminder retry: %d sent, %d failed", sent, failed)


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
    scheduler.add_job(
        retry_run,
        IntervalTrigger(minutes=int(app.config.get("REMINDER_RETRY_MINUTES", 5)), timezone=WIB),
        args=[app],
        id="reminders-retry",
        misfire_grace_time=300,
        replace_existing=True,
    )
    return scheduler
