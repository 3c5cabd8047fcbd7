"""Half-year visit lists (chapter 4): drafts ranked by the indicator, approval, deadline reminders."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from bot.catalogue import Catalogue
from bot.db.database import Database
from bot.db.repos import Repos
from bot.db.users import User
from bot.db.visit_lists import VisitList
from bot.planning import (
    Candidate,
    ListPeriod,
    is_late,
    lacking_objective,
    left_out,
    may_matter,
    next_periods,
    overdue_periods,
    rank_candidates,
    reminder_days_left,
)
from bot.roles import APPROVERS, PLANNERS
from bot.scoring.engine import display
from bot.scoring.subject import objective_group_high
from bot.services.assessment import AssessmentService
from bot.statuses import VisitListStatus

log = logging.getLogger(__name__)


ASSESSMENT_PERIOD = timedelta(days=183)  # README reading: "assessed in the period" = the half-year before the deadline


@dataclass(frozen=True, slots=True)
class ListState:
    """Where a half-year's list stands, for reminders and /deadlines."""

    period: ListPeriod
    days_left: int
    status: VisitListStatus | None  # None: the list is not made yet
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
    def __init__(
        self, db: Database, catalogue: Catalogue, today: Callable[[], date], assessment: AssessmentService
    ) -> None:
        self._db = db
        self._constants = catalogue.constants
        self._today = today
        self._assessment = assessment

    def today(self) -> date:
        return self._today()

    def periods(self) -> list[ListPeriod]:
        return next_periods(self._today(), self._constants)

    async def open_periods(self) -> list[ListPeriod]:
        """The lists to work on: the overdue ones not yet approved (item 11: late, still to approve, until
        their half-year begins), then the next ones by deadline."""
        overdue = []
        for period in overdue_periods(self._today(), self._constants):
            stored = await self.stored(period.year, period.half)
            if stored is None or not stored.approved:
                overdue.append(period)
        return [*overdue, *self.periods()]

    def reference_date(self, period: ListPeriod) -> date:
        """The date the list is drawn for (chapter 2 item 4: "кестесін бекітуден алдыңғы"): its deadline, or
        today once the deadline has passed (it will be approved late, today at the earliest)."""
        return max(period.deadline, self._today())

    async def stored(self, year: int, half: int) -> VisitList | None:
        return await self._db.call(lambda r: r.visit_lists.get_list(year, half))

    async def current(self, period: ListPeriod, user: User | None = None) -> VisitList:
        """The period's list: an approved one as approved; a draft re-ranked from the latest indicators."""
        return (await self.current_with_gaps(period, user))[0]

    async def current_with_gaps(
        self,
        period: ListPeriod,
        user: User | None = None,
        *,
        on: date | None = None,
    ) -> tuple[VisitList, list[Candidate]]:
        """The period's list and, for a draft, the high-indicator subjects it leaves out for lack of an
        objective condition. The list also keeps every subject it leaves out and why (``left_out``)."""
        existing = await self.stored(period.year, period.half)
        if existing is not None and existing.approved:
            return existing, []
        candidates = await self.candidates(period, on=on, matter_only=True)
        ranked = rank_candidates(candidates, period, self._constants)
        outside = left_out(candidates, period, self._constants)

        def save(r: Repos) -> VisitList:
            r.visit_lists.save_draft(period, ranked, user.telegram_id if user else None, outside)
            return r.visit_lists.get_list(period.year, period.half)

        async with self._db.transaction() as tx:  # a list of thousands of rows: on aiosqlite's thread
            visit_list = await tx.call(save)
        return visit_list, lacking_objective(candidates, period, self._constants)

    async def candidates(
        self, period: ListPeriod | None = None, *, on: date | None = None, matter_only: bool = False
    ) -> list[Candidate]:
        """Every subject with a check sheet or a record (``matter_only``: only those that may matter to a list,
        a high indicator or the objective high group, see ``may_matter``), with its indicator over the 35
        criteria and its objective group, both for the list's approval date (``on``; by default the period's
        reference date). All subjects are computed as one set."""
        on = on or (self.reference_date(period) if period else self._today())
        risks = await self._assessment.all_risks(on=on, full_basis=False)
        figures = {}
        for subject_id, (indicator, conditions) in risks.items():
            shown, high_group = display(indicator.result.indicator), objective_group_high(conditions)
            if not matter_only or may_matter(shown, high_group, self._constants):
                figures[subject_id] = (shown, indicator.result.risk_class.value, high_group)

        def read(r: Repos) -> tuple:
            first = r.visit_lists.get_list(period.year, 1) if period is not None and period.half == 2 else None
            return r.visit_lists.subject_names(figures), r.risk_sources.visit_dates(figures), first

        names, visits, approved = await self._db.call(read)
        first_half: set[int] = set()
        if approved is not None and approved.approved:
            first_half = {e.subject_id for e in approved.entries}
        result = []
        for subject_id, (shown, risk_class, high_group) in figures.items():
            visited = visits.get(subject_id, ())
            bin_, name = names[subject_id]
            result.append(
                Candidate(
                    subject_id,
                    bin_,
                    name,
                    shown,
                    risk_class,
                    visited[-1] if visited else None,
                    high_group,
                    visited,
                    subject_id in first_half,
                )
            )
        return result

    async def approve(self, user: User, year: int, half: int) -> VisitList | None:
        """The head approves the list as drawn for today, the approval date (chapter 2 item 4); after the
        deadline it is still approved, marked late (item 11). None when already approved or not a list."""
        if user.role not in APPROVERS:  # defensive: the handlers' router is filtered by the same set
            raise PermissionError(f"{user.role} may not approve a visit list (item 11)")
        period = next((p for p in await self.open_periods() if (p.year, p.half) == (year, half)), None)
        if period is None:
            return None
        today = self._today()
        await self.current_with_gaps(period, user, on=today)
        late = is_late(period, today)

        def approve(r: Repos) -> VisitList | None:
            visit_list = r.visit_lists.get_list(year, half)
            if visit_list is None or visit_list.approved:
                return None
            r.visit_lists.approve(visit_list.id, user.telegram_id, today, late)
            r.audit.add(
                user.telegram_id,
                "visit_list.approve",
                "visit_list",
                f"{year}-H{half}",
                {
                    "subjects": [e.bin for e in visit_list.entries],
                    "deadline": visit_list.deadline.isoformat(),
                    "approved_on": today.isoformat(),
                    "late": late,
                    "left_out": {o.bin: o.reason for o in visit_list.left_out},
                },
            )
            return r.visit_lists.get_list(year, half)

        async with self._db.transaction() as tx:
            return await tx.call(approve)

    async def list_state(self, period: ListPeriod, candidates: list[Candidate] | None = None) -> ListState:
        existing = await self.stored(period.year, period.half)
        if candidates is None:
            candidates = await self.candidates(matter_only=True)
        since = period.deadline - ASSESSMENT_PERIOD
        high_unassessed = sum(
            1 for c in candidates if c.objective_high and (c.last_visit is None or c.last_visit < since)
        )
        status = None if existing is None else existing.status
        return ListState(
            period,
            (period.deadline - self._today()).days,
            status,
            len(existing.entries) if existing else 0,
            high_unassessed,
        )

    async def deadlines(self) -> list[ListState]:
        """The next two deadlines and the state of their lists (/deadlines)."""
        candidates = await self.candidates(matter_only=True)
        return [await self.list_state(p, candidates) for p in self.periods()]

    async def due_reminders(self) -> list[Reminder]:
        """Reminders due today for lists not yet approved (overdue ones every day until their half-year
        begins), one per person, list and day-count (the outbox key makes each go out once); planners who
        muted reminders are left out. Heads get them on the deadline day and after it."""
        today = self._today()
        muted, users = await self._db.read(lambda r: (r.reminders.muted_ids(), r.users.list_all()))
        planners = [u for u in users if u.active and u.role in PLANNERS and u.telegram_id not in muted]
        due: list[Reminder] = []
        candidates: list[Candidate] | None = None
        for period in await self.open_periods():
            days_left = reminder_days_left(today, period.deadline)
            if days_left is None:
                continue
            if candidates is None:
                candidates = await self.candidates(matter_only=True)
            state = await self.list_state(period, candidates)
            if state.status is VisitListStatus.APPROVED:
                continue
            # Before the deadline those who prepare the list; on the day and after it, the head too (item 11).
            for user in planners:
                if days_left > 0 and user.role in APPROVERS:
                    continue
                key = f"visit_list:{period.year}-H{period.half}:d{days_left}:{user.telegram_id}"
                due.append(Reminder(user, state, key))
        return due

    async def mute(self, user: User, muted: bool) -> None:
        await self._db.run(lambda r: r.reminders.mute(user.telegram_id, muted))

    async def is_muted(self, user: User) -> bool:
        return await self._db.read(lambda r: r.reminders.is_muted(user.telegram_id))
