"""Scheduled jobs: the daily backup and the visit-list deadline reminders."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.services.backups import BackupService
from bot.services.planning import PlanningService
from bot.texts import texts

log = logging.getLogger(__name__)
REMINDER_JOB = "visit-list-reminders"
REMINDER_TIME = (9, 0)  # local time


async def send_reminders(bot: Bot, planning: PlanningService) -> int:
    """Send the reminders due today; one that cannot be delivered is tried again on the next run."""
    sent = 0
    for reminder in await planning.due_reminders():
        t = texts(reminder.user.language)
        try:
            await bot.send_message(reminder.user.telegram_id, t(
                "list_reminder", year=reminder.period.year, half=reminder.period.half,
                deadline=reminder.period.deadline.strftime("%d.%m.%Y"), days_left=reminder.days_left))
            sent += 1
        except TelegramAPIError as exc:
            log.warning("reminder to %s not delivered: %s", reminder.user.telegram_id, exc)
            await planning.undelivered(reminder)
    return sent


def build_scheduler(bot: Bot, backups: BackupService, planning: PlanningService, timezone, backup_time: tuple[int, int],
                    backup_job_id: str) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=timezone)
    hour, minute = backup_time
    scheduler.add_job(backups.run, CronTrigger(hour=hour, minute=minute, timezone=timezone), id=backup_job_id,
                      coalesce=True, misfire_grace_time=3600, max_instances=1)
    hour, minute = REMINDER_TIME
    # Reminders are claimed in the database, so running at start-up too (a missed 09:00) sends none twice.
    scheduler.add_job(send_reminders, CronTrigger(hour=hour, minute=minute, timezone=timezone), args=(bot, planning),
                      id=REMINDER_JOB, coalesce=True, misfire_grace_time=6 * 3600, max_instances=1)
    scheduler.add_job(send_reminders, args=(bot, planning), id=REMINDER_JOB + "-at-start", max_instances=1)
    return scheduler
