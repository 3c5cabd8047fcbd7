"""What the bot says on its own, written to the outbox: deadline reminders and stale-draft nudges.

Each job renders the texts in the recipient's language and enqueues them with a key per recipient and
occasion; the outbox's sender (bot/outbox.py) delivers them at Telegram's pace, each once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.db.database import Database
from bot.db.repos import Repos
from bot.db.users import User
from bot.services.planning import PlanningService
from bot.texts import texts
from bot.ui import keyboards

log = logging.getLogger(__name__)


async def queue_deadline_reminders(db: Database, planning: PlanningService, wake: Callable[[], None]) -> int:
    """The visit-list reminders due today, each into the outbox once; returns how many were new."""
    reminders = await planning.due_reminders()
    messages = []
    for reminder in reminders:
        t = texts(reminder.user.language)
        state, period = reminder.state, reminder.period
        text = t("list_reminder", s=state, deadline=period.deadline)
        markup = keyboards.as_json(keyboards.open_visit_list(t, period))
        messages.append((reminder.key, reminder.user.telegram_id, "reminder", text, markup))
    added = await db.run(_enqueue, messages)
    if added:
        wake()
    return added


async def queue_stale_draft_nudges(
    db: Database, stale_after_days: int, today_local: str, wake: Callable[[], None]
) -> int:
    """An inspector whose draft was not touched for ``stale_after_days`` gets one nudge a day at most
    (the key holds the local date), with Resume and Discard (which asks to confirm)."""
    since = datetime.now(UTC) - timedelta(days=stale_after_days)
    drafts = await db.call(lambda r: r.reminders.stale_drafts(since))
    added = 0
    for draft in drafts:
        user = await db.read(_user, draft.inspector_id)
        if user is None:
            continue
        t = texts(user.language)
        days = (datetime.now(UTC) - datetime.fromisoformat(draft.updated_at)).days
        text = t("stale_draft_nudge", name=draft.subject_name, bin=draft.subject_bin, days=days)
        markup = keyboards.as_json(keyboards.stale_draft(t, draft.inspection_id))
        key = f"stale_draft:{draft.inspection_id}:{today_local}"
        added += await db.run(_enqueue, [(key, user.telegram_id, "nudge", text, markup)])
    if added:
        wake()
    return added


async def queue_remedy_reminders(db: Database, today_local: str, wake: Callable[[], None]) -> int:
    """The inspector of each open item whose remedy deadline has come is reminded once (the key holds the
    item and its day; the row remembers the reminder), with a "remedied" button."""
    due = await db.read(lambda r: r.remedies.due_unreminded(today_local))
    added = 0
    for remedy in due:
        user = await db.read(_user, remedy.inspector_id)
        messages = []
        if user is not None and user.active:
            t = texts(user.language)
            text = t("remedy_reminder", r=remedy, due=_dotted(remedy.due_on))
            markup = keyboards.as_json(keyboards.remedied(t, remedy.id))
            messages.append((f"remedy:{remedy.id}:{remedy.due_on}", user.telegram_id, "reminder", text, markup))
        added += await db.run(_remind, remedy.id, today_local, messages)
    if added:
        wake()
    return added


def _dotted(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{day}.{month}.{year}"


def _user(r: Repos, telegram_id: int) -> User | None:
    return r.users.get(telegram_id)


def _enqueue(r: Repos, messages: list[tuple[str, int, str, str, str | None]]) -> int:
    """Messages into the outbox in one unit of work; how many were new (a key already there is skipped)."""
    return sum(r.outbox.enqueue(*message) for message in messages)


def _remind(r: Repos, remedy_id: int, today_local: str, messages: list[tuple[str, int, str, str, str | None]]) -> int:
    r.remedies.mark_reminded(remedy_id, today_local)
    return _enqueue(r, messages)
