"""Facts about the running process that /status reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler


@dataclass
class Runtime:
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    scheduler: AsyncIOScheduler | None = None
    backup_job_id: str = "daily-backup"
    # set when the outbox's sender starts: producers call it after enqueueing so it looks at once
    wake_outbox: Callable[[], None] = lambda: None

    def next_backup(self) -> datetime | None:
        if self.scheduler is None:
            return None
        job = self.scheduler.get_job(self.backup_job_id)
        return job.next_run_time if job else None
