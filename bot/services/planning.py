"""Half-year visit lists (chapter 4): drafts ranked by the indicator, approval, deadline reminders."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from bot.catalogue import Catalogue
from bot.db import findings as findings_repo
from bot.db import reminders as reminders_repo
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


ASSESSMENT_PERIOD = timedelta(days=183)  # README reading: "assessed in the period" = the half-year before the deadline


@dataclass(frozen=True, slots=True)
class ListState:
    """Where a half-year's list stands, for reminders and /deadlines."""

    period: ListPeriod
    days_left: int
    status: str  # 'not_started', 'draft' or 'approved'
    subjects: int  # on the list (a draft's as last drawn)
    high_unassessed: int  # objective high group, no check sheet in the half-year before the deadline


@dataclass(frozen=True, slots=True)
class Reminder:
    user: User
    state: ListState
    key: str  # the outbox key: once per list, day-count and person

    @property
    def period(self) -> ListPeriod:
        return self.state.period

    @property
    def days_left(self) -> int:
        return self.state.days_left


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

    async def list_state(self, period: ListPeriod, candidates: list[Candidate] | None = None) -> ListState:
        existing = await repo.get_list(self._db, period.year, period.half)
        if candidates is None:
            candidates = await self.candidates()
        since = period.deadline - ASSESSMENT_PERIOD
        high_unassessed = sum(1 for c in candidates
                              if c.objective_high and (c.last_visit is None or c.last_visit < since))
        status = "not_started" if existing is None else existing.status
        return ListState(period, (period.deadline - self._today()).days, status,
                         len(existing.entries) if existing else 0, high_unassessed)

    async def deadlines(self) -> list[ListState]:
        """The next two deadlines and the state of their lists (/deadlines)."""
        candidates = await self.candidates()
        return [await self.list_state(p, candidates) for p in self.periods()]

    async def due_reminders(self) -> list[Reminder]:
        """Reminders due today for lists not yet approved, one per person, list and day-count (the outbox
        key makes each go out once); planners who muted reminders are left out."""
        today = self._today()
        muted = await reminders_repo.muted_ids(self._db)
        planners = [u for u in await self._users.list_all()
                    if u.active and u.role in PLANNERS and u.telegram_id not in muted]
        due: list[Reminder] = []
        candidates: list[Candidate] | None = None
        for period in self.periods():
            days_left = reminder_days_left(today, period.deadline)
            if days_left is None:
                continue
            if candidates is None:
                candidates = await self.candidates()
            state = await self.list_state(period, candidates)
            if state.status == "approved":
                continue
            for user in planners:
                key = f"visit_list:{period.year}-H{period.half}:d{days_left}:{user.telegram_id}"
                due.append(Reminder(user, state, key))
        return due

    async def mute(self, user: User, muted: bool) -> None:
        await reminders_repo.mute(self._db, user.telegram_id, muted)

    async def is_muted(self, user: User) -> bool:
        return await reminders_repo.is_muted(self._db, user.telegram_id)
