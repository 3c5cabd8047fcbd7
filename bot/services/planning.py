"""Half-year visit lists (chapter 4): drafts ranked by the indicator, approval, deadline reminders."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bot.catalogue import Catalogue
from bot.db import visit_lists as repo
from bot.db.audit import record
from bot.db.database import Database
from bot.db.users import Role, User, UserRepository
from bot.db.visit_lists import VisitList
from bot.planning import ListPeriod, next_periods, rank_candidates, reminder_days_left

log = logging.getLogger(__name__)
PLANNERS = (Role.SUPERVISOR, Role.ADMIN)


@dataclass(frozen=True, slots=True)
class Reminder:
    user: User
    period: ListPeriod
    days_left: int
    kind: str


class PlanningService:
    def __init__(self, db: Database, catalogue: Catalogue, today: Callable[[], date]) -> None:
        self._db = db
        self._constants = catalogue.constants
        self._today = today
        self._users = UserRepository(db)

    def today(self) -> date:
        return self._today()

    def periods(self) -> list[ListPeriod]:
        return next_periods(self._today(), self._constants)

    async def stored(self, year: int, half: int) -> VisitList | None:
        return await repo.get_list(self._db, year, half)

    async def current(self, period: ListPeriod, user: User | None = None) -> VisitList:
        """The period's list: an approved one as approved; a draft re-ranked from the latest indicators."""
        existing = await repo.get_list(self._db, period.year, period.half)
        if existing is not None and existing.approved:
            return existing
        ranked = rank_candidates(await repo.candidates(self._db), period, self._constants)
        async with self._db.transaction() as tx:
            await repo.save_draft(tx, period, ranked, user.telegram_id if user else None)
        return await repo.get_list(self._db, period.year, period.half)

    async def approve(self, user: User, year: int, half: int) -> VisitList | None:
        """Approve the draft as it stands; None when there is no draft (already approved or never drawn)."""
        async with self._db.transaction() as tx:
            visit_list = await repo.get_list(tx, year, half)
            if visit_list is None or visit_list.approved:
                return None
            await repo.approve(tx, visit_list.id, user.telegram_id)
            await record(tx, user.telegram_id, "visit_list.approve", "visit_list", f"{year}-H{half}",
                         {"subjects": [e.bin for e in visit_list.entries], "deadline": visit_list.deadline.isoformat()})
        return await repo.get_list(self._db, year, half)

    async def due_reminders(self) -> list[Reminder]:
        """Reminders due today for lists not yet approved, each claimed once per person and day-count."""
        today = self._today()
        planners = [u for u in await self._users.list_all() if u.active and u.role in PLANNERS]
        due: list[Reminder] = []
        for period in self.periods():
            days_left = reminder_days_left(today, period.deadline)
            if days_left is None:
                continue
            existing = await repo.get_list(self._db, period.year, period.half)
            if existing is not None and existing.approved:
                continue
            kind = f"visit_list:{period.year}-H{period.half}:d{days_left}"
            async with self._db.transaction() as tx:
                for user in planners:
                    if await repo.claim_reminder(tx, kind, period.deadline, user.telegram_id):
                        due.append(Reminder(user, period, days_left, kind))
        return due

    async def undelivered(self, reminder: Reminder) -> None:
        async with self._db.transaction() as tx:
            await repo.release_reminder(tx, reminder.kind, reminder.period.deadline, reminder.user.telegram_id)
