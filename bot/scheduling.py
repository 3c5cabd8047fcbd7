"""Scheduled jobs: the daily backup, the visit-list reminders and the stale-draft nudges (APScheduler).

Reminders and nudges are written to the outbox (bot/reminders.py) with a key per recipient and occasion,
so running them at start-up too (a missed 09:00) or twice sends nothing twice. A job that fails is
reported to the admins (bot/alerts.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from apscheduler.events import EVENT_JOB_ERROR, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.alerts import ErrorReporter
from bot.db.database import Database
from bot.reminders import queue_deadline_reminders, queue_remedy_reminders, queue_stale_draft_nudges
from bot.services.backups import BackupService
from bot.services.planning import PlanningService

log = logging.getLogger(__name__)
REMINDER_JOB = "visit-list-reminders"
NUDGE_JOB = "stale-draft-nudges"
REMEDY_JOB = "remedy-deadline-reminders"
REMINDER_TIME = (9, 0)  # local time
NUDGE_EVERY_HOURS = 1  # the key holds the local date: one nudge a day at most, whenever the job runs


def build_scheduler(
    db: Database,
    backups: BackupService,
    planning: PlanningService,
    timezone,
    backup_time: tuple[int, int],
    backup_job_id: str,
    *,
    stale_draft_days: int,
    wake: Callable[[], None],
    reporter: ErrorReporter,
) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=timezone)
    hour, minute = backup_time
    scheduler.add_job(
        backups.run,
        CronTrigger(hour=hour, minute=minute, timezone=timezone),
        id=backup_job_id,
        coalesce=True,
        misfire_grace_time=3600,
        max_instances=1,
    )
    hour, minute = REMINDER_TIME
    reminder_args = (db, planning, wake)
    scheduler.add_job(
        queue_deadline_reminders,
        CronTrigger(hour=hour, minute=minute, timezone=timezone),
        args=reminder_args,
        id=REMINDER_JOB,
        coalesce=True,
        misfire_grace_time=6 * 3600,
        max_instances=1,
    )
    scheduler.add_job(queue_deadline_reminders, args=reminder_args, id=REMINDER_JOB + "-at-start", max_instances=1)

    async def nudges() -> int:
        return await queue_stale_draft_nudges(db, stale_draft_days, datetime.now(timezone).date().isoformat(), wake)

    scheduler.add_job(
        nudges,
        IntervalTrigger(hours=NUDGE_EVERY_HOURS, timezone=timezone),
        id=NUDGE_JOB,
        coalesce=True,
        max_instances=1,
        next_run_time=datetime.now(timezone),
    )

    async def remedies() -> int:
        return await queue_remedy_reminders(db, datetime.now(timezone).date().isoformat(), wake)

    # Hourly like the nudges (a missed morning is caught up): each open item is reminded once.
    scheduler.add_job(
        remedies,
        IntervalTrigger(hours=NUDGE_EVERY_HOURS, timezone=timezone),
        id=REMEDY_JOB,
        coalesce=True,
        max_instances=1,
        next_run_time=datetime.now(timezone),
    )

    def on_job_error(event: JobExecutionEvent) -> None:
        if event.exception is not None:
            asyncio.get_running_loop().create_task(reporter.report(event.exception, f"job:{event.job_id}"))

    scheduler.add_listener(on_job_error, EVENT_JOB_ERROR)
    return scheduler
