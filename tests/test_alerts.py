"""A failing scheduled job reaches the admins through the outbox, once per kind and hour."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot import scheduling
from bot.alerts import ErrorReporter, error_kind
from bot.reminders import queue_deadline_reminders
from bot.services.backups import BackupService
from bot.services.outbox import OutboxService
from tests.conftest import add_user

ALMATY = ZoneInfo("Asia/Almaty")


class BrokenPlanning:
    async def due_reminders(self):
        raise LookupError("no such list: secret details")


async def test_a_failing_reminder_job_is_reported_to_each_admin_once_an_hour(db, tmp_path):
    await add_user(db, 1, role="admin")
    await add_user(db, 2, role="admin", language="kk")
    await add_user(db, 3, role="supervisor")
    woken = []
    reporter = ErrorReporter(db, ALMATY, wake=lambda: woken.append(1))
    scheduler = scheduling.build_scheduler(
        db,
        BackupService(db, tmp_path / "b", 2),
        BrokenPlanning(),
        ALMATY,
        (2, 30),
        "backup",
        stale_draft_days=3,
        wake=lambda: None,
        reporter=reporter,
    )
    scheduler.start()
    try:
        for _ in range(200):
            if await OutboxService(db).errors_since(datetime.now(UTC) - timedelta(minutes=1)):
                break
            await asyncio.sleep(0.02)
        try:  # the same job fails again within the hour
            await queue_deadline_reminders(db, BrokenPlanning(), lambda: None)
        except LookupError as exc:
            await reporter.report(exc, "job:visit-list-reminders-at-start")
    finally:
        scheduler.shutdown(wait=False)
    errors = await OutboxService(db).errors_since(datetime.now(UTC) - timedelta(minutes=1))
    assert [(e.kind, e.source, e.count) for e in errors] == [
        ("LookupError in bot.reminders.queue_deadline_reminders", "job:visit-list-reminders-at-start", 2)
    ]
    rows = await db.fetch_all("SELECT chat_id, text FROM outbox WHERE kind = 'error' ORDER BY chat_id")
    assert [r["chat_id"] for r in rows] == [1, 2]  # the admins, once each: the key holds kind and hour
    assert "secret details" not in rows[0]["text"] and "Ошибка в боте" in rows[0]["text"]
    assert "Боттағы қате" in rows[1]["text"]
    assert (await OutboxService(db).counts()) == {"pending": 2}
    assert woken


def test_the_kind_of_an_error_names_the_function_of_ours_it_came_from():
    try:
        BackupService.latest(None)  # type: ignore[arg-type]
    except AttributeError as exc:
        assert error_kind(exc) == "AttributeError in bot.services.backups.latest"
