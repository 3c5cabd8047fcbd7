"""Chapter 4 of Annex 1 as pure functions.

- Item 10: a subject is visited at most once a year.
- Item 11: visits follow half-year lists approved by 10 December of the year before the visits and by
  10 May of the current year. Reading (README "Readings of the order"): the list of the first half of
  year Y is due by 10 December of Y-1; the list of the second half of Y by 10 May of Y.
- Item 12: a list puts the subjects with the highest subjective indicator first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.catalogue import Constants

REMINDER_DAYS = (14, 7, 3, 1, 0)  # reminders this many days before a list's deadline (0: the day itself)


@dataclass(frozen=True, slots=True)
class ListPeriod:
    year: int
    half: int  # 1: January-June, 2: July-December
    deadline: date


@dataclass(frozen=True, slots=True)
class Candidate:
    subject_id: int
    bin: str
    name: str
    indicator: Decimal  # the subjective indicator from all sources
    risk_class: str
    last_visit: date | None  # the date of the latest finalized check sheet
    objective_high: bool  # meets one of the six objective conditions (chapter 2 item 4)


def list_deadline(year: int, half: int, constants: Constants) -> date:
    """Item 11: the approval deadline of the list for a half-year."""
    if half == 1:
        month, day = constants.first_half_list_deadline
        return date(year - 1, month, day)
    month, day = constants.second_half_list_deadline
    return date(year, month, day)


def next_periods(today: date, constants: Constants) -> list[ListPeriod]:
    """The half-year lists whose deadline is today or later, the nearest first (at most two)."""
    periods = [
        ListPeriod(year, half, list_deadline(year, half, constants))
        for year in (today.year, today.year + 1, today.year + 2)
        for half in (1, 2)
    ]
    upcoming = sorted((p for p in periods if p.deadline >= today), key=lambda p: p.deadline)
    return upcoming[:2]


def reminder_days_left(today: date, deadline: date) -> int | None:
    """Days left when a reminder is due today, else None."""
    days = (deadline - today).days
    return days if days in REMINDER_DAYS else None


def _high_and_not_visited(c: Candidate, period: ListPeriod, constants: Constants) -> bool:
    # Item 9: 71-100 is high (above 70, README reading 1); item 10: at most one visit a year.
    return c.indicator > constants.not_high_to and (c.last_visit is None or c.last_visit.year < period.year)


def rank_candidates(candidates: list[Candidate], period: ListPeriod, constants: Constants) -> list[Candidate]:
    """The list of a half-year: subjects in the objective high group (chapter 2 item 4: subjective criteria
    apply to them) whose subjective indicator is high (item 9), not visited in the list's year (item 10),
    highest indicator first (item 12). Ties: the one visited longest ago first, then by name."""
    eligible = [c for c in candidates if c.objective_high and _high_and_not_visited(c, period, constants)]
    return sorted(eligible, key=lambda c: (-c.indicator, c.last_visit or date.min, c.name))


def lacking_objective(candidates: list[Candidate], period: ListPeriod, constants: Constants) -> list[Candidate]:
    """High-indicator subjects left out only because no objective condition is recorded as met."""
    return [c for c in candidates if not c.objective_high and _high_and_not_visited(c, period, constants)]
