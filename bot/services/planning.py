"""Half-year visit lists (chapter 4): drafts ranked by the indicator, approval, deadline reminders."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bot.catalogue import Catalogue
from bot.db import findings as findings_repo
from bot.db import visit_lists as repo
from bot.db.audit import record
from bot.db.database import Database
from bot.db.users import Role, User, UserRepository
from bot.db.visit_lists import VisitList
from bot.planning import Candidate, ListPeriod, lacking_objective, next_periods, rank_candidates, reminder_days_left
from bot.scoring import objective_high
from bot.scoring.engine import display
from bot.services.assessment import AssessmentService

log = logging.getLogger(__name__)
PLANNERS = (Role.SUPERVISOR, Role.ADMIN)


@dataclass(frozen=True, slots=True)
class Reminder:
    user: User
    period: ListPeriod
    days_left: int
    kind: str


class PlanningService:
    def __init__(self, db: Database, catalogue: Catalogue, today: Callable[[], date],
                 assessment: AssessmentService) -> None:
        self._db = db
        self._constants = catalogue.constants
        self._today = today
        self._users = UserRepository(db)
        self._assessment = assessment

    def today(self) -> date:
        return self._today()

    def periods(self) -> list[ListPeriod]:
        return next_periods(self._today(), self._constants)

    async def stored(self, year: int, half: int) -> VisitList | None:
        return await repo.get_list(self._db, year, half)

    async def current(self, period: ListPeriod, user: User | None = None) -> VisitList:
        """The period's list: an approved one as approved; a draft re-ranked from the latest indicators."""
        return (await self.current_with_gaps(period, user))[0]

    async def current_with_gaps(self, period: ListPeriod, user: User | None = None,
                                ) -> tuple[VisitList, list[Candidate]]:
        """The period's list and, for a draft, the high-indicator subjects it leaves out for lack of an
        objective condition (one pass over the candidates for both)."""
        existing = await repo.get_list(self._db, period.year, period.half)
        if existing is not None and existing.approved:
            return existing, []
        candidates = await self.candidates()
        ranked = rank_candidates(candidates, period, self._constants)
        async with self._db.transaction() as tx:
            await repo.save_draft(tx, period, ranked, user.telegram_id if user else None)
        visit_list = await repo.get_list(self._db, period.year, period.half)
        return visit_list, lacking_objective(candidates, period, self._constants)

    async def candidates(self) -> list[Candidate]:
        """Every subject with a subjective indicator: the latest check sheet's, or, where findings of other
        sources exist, the indicator over all sources (README reading on item 7)."""
        objective = await findings_repo.all_latest_objective(self._db)
        findings = await findings_repo.all_latest_findings(self._db)
        result = []
        for latest in await repo.latest_inspections(self._db):
            conditions = objective.get(latest.subject_id, {})
            indicator, risk_class = latest.indicator, latest.risk_class
            if latest.subject_id in findings:  # else the check sheet's stored result is the whole indicator
                risk = await self._assessment.risk(latest.inspection_id, findings[latest.subject_id], conditions)
                indicator, risk_class = display(risk.result.indicator), risk.result.risk_class.value
            result.append(Candidate(latest.subject_id, latest.bin, latest.name, indicator, risk_class,
                                    latest.visited_on, objective_high({n: s.met for n, s in conditions.items()})))
        return result

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
