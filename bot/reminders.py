"""What the bot says on its own, written to the outbox: deadline reminders and stale-draft nudges.

Each job renders the texts in the recipient's language and enqueues them with a key per recipient and
occasion; the outbox's sender (bot/outbox.py) delivers them at Telegram's pace, each once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.db import outbox as outbox_repo
from bot.db import remedies as remedies_repo
from bot.db import reminders as reminders_repo
from bot.db.database import Database
from bot.db.users import UserRepository
from bot.services.planning import PlanningService
from bot.texts import texts
from bot.ui import keyboards

log = logging.getLogger(__name__)


async def queue_deadline_reminders(db: Database, planning: PlanningService, wake: Callable[[], None]) -> int:
    """The visit-list reminders due today, each into the outbox once; returns how many were new."""
    added = 0
    reminders = await planning.due_reminders()
    async with db.transaction() as tx:
        for reminder in reminders:
            t = texts(reminder.user.language)
            state, period = reminder.state, reminder.period
            text = t("list_reminder", s=state, deadline=period.deadline)
            markup = keyboards.as_json(keyboards.open_visit_list(t, period))
            added += await outbox_repo.enqueue(tx, reminder.key, reminder.user.telegram_id, "reminder", text, markup)
    if added:
        wake()
    return added


async def queue_stale_draft_nudges(db: Database, stale_after_days: int, today_local: str,
                                   wake: Callable[[], None]) -> int:
    """An inspector whose draft was not touched for ``stale_after_days`` gets one nudge a day at most
    (the key holds the local date), with Resume and Discard (which asks to confirm)."""
    since = datetime.now(UTC) - timedelta(days=stale_after_days)
    drafts = await reminders_repo.stale_drafts(db, since)
    users = UserRepository(db)
    added = 0
    for draft in drafts:
        user = await users.get(draft.inspector_id)
        if user is None:
            continue
        t = texts(user.language)
        days = (datetime.now(UTC) - datetime.fromisoformat(draft.updated_at)).days
        text = t("stale_draft_nudge", name=draft.subject_name, bin=draft.subject_bin, days=days)
        markup = keyboards.as_json(keyboards.stale_draft(t, draft.inspection_id))
        key = f"stale_draft:{draft.inspection_id}:{today_local}"
        async with db.transaction() as tx:
            added += await outbox_repo.enqueue(tx, key, user.telegram_id, "nudge", text, markup)
    if added:
        wake()
    return added


async def queue_remedy_reminders(db: Database, today_local: str, wake: Callable[[], None]) -> int:
    """The inspector of each open item whose remedy deadline has come is reminded once (the key holds the
    item and its day; the row remembers the reminder), with a "remedied" button."""
    users = UserRepository(db)
    due = await db.read(remedies_repo.due_unreminded, today_local)
    added = 0
    for remedy in due:
        user = await users.get(remedy.inspector_id)
        async with db.transaction() as tx:
            await tx.call(remedies_repo.mark_reminded, remedy.id, today_local)
            if user is None or not user.active:
                continue
            t = texts(user.language)
            text = t("remedy_reminder", r=remedy, due=_dotted(remedy.due_on))
            markup = keyboards.as_json(keyboards.remedied(t, remedy.id))
            added += await outbox_repo.enqueue(tx, f"remedy:{remedy.id}:{remedy.due_on}", user.telegram_id,
                                               "reminder", text, markup)
    if added:
        wake()
    return added


def _dotted(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{day}.{month}.{year}"
