"""Chapter 4 of Annex 1 as pure functions.

- Item 10: a subject is visited at most once a year.
- Item 11: visits follow half-year lists approved by 10 December of the year before the visits and by
  10 May of the current year. Reading (README "Readings of the order"): the list of the first half of
  year Y is due by 10 December of Y-1; the list of the second half of Y by 10 May of Y.
- Item 12: a list puts the subjects with the highest subjective indicator first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

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
    last_visit: date | None  # the act date of the latest finalized check sheet (the visit's local date)
    objective_high: bool  # meets one of the six objective conditions (chapter 2 item 4)
    visits: tuple[date, ...] = field(default=())  # the act dates of all its finalized check sheets
    on_first_half_list: bool = False  # placed on the approved first-half list of the list's year


class LeftOutReason(StrEnum):
    VISITED_THIS_YEAR = "visited_this_year"  # item 10: at most one visit a year
    ON_FIRST_HALF_LIST = "on_first_half_list"  # item 10: its visit is planned in the first half-year
    NO_OBJECTIVE_CONDITION = "no_objective_condition"  # chapter 2 item 4: subjective criteria do not apply


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A high-indicator subject a list does not offer, and why."""

    candidate: Candidate
    reason: LeftOutReason
    visited_on: date | None = None


def list_deadline(year: int, half: int, constants: Constants) -> date:
    """Item 11: the approval deadline of the list for a half-year."""
    if half == 1:
        month, day = constants.first_half_list_deadline
        return date(year - 1, month, day)
    month, day = constants.second_half_list_deadline
    return date(year, month, day)


def half_start(period: ListPeriod) -> date:
    """The first day of the half-year a list plans."""
    return date(period.year, 1, 1) if period.half == 1 else date(period.year, 7, 1)


def overdue_periods(today: date, constants: Constants) -> list[ListPeriod]:
    """Lists whose deadline has passed before their half-year began: still to be approved, late (item 11).
    Reading (README): once the half-year has begun, its list is no longer offered for approval."""
    periods = [
        ListPeriod(year, half, list_deadline(year, half, constants))
        for year in (today.year, today.year + 1)
        for half in (1, 2)
    ]
    return sorted((p for p in periods if p.deadline < today < half_start(p)), key=lambda p: p.deadline)


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
    """Days left when a reminder is due today (negative: overdue, one a day until approved), else None."""
    days = (deadline - today).days
    return days if days in REMINDER_DAYS or days < 0 else None


def _left_out(c: Candidate, period: ListPeriod) -> LeftOut | None:
    # Item 10: "мерзімділігі жылына бір реттен аспауы тиіс": a subject visited in the list's calendar year
    # (the year of the act date, local), or placed on that year's approved first-half list, is not offered.
    visited = [d for d in c.visits if d.year == period.year]
    if visited:
        return LeftOut(c, LeftOutReason.VISITED_THIS_YEAR, max(visited))
    if period.half == 2 and c.on_first_half_list:
        return LeftOut(c, LeftOutReason.ON_FIRST_HALF_LIST)
    if not c.objective_high:
        return LeftOut(c, LeftOutReason.NO_OBJECTIVE_CONDITION)
    return None


def _high_indicator(indicator: Decimal, constants: Constants) -> bool:
    return indicator > constants.not_high_to  # item 9: 71-100 is high (above 70, README reading 1)


def _high(c: Candidate, constants: Constants) -> bool:
    return _high_indicator(c.indicator, constants)


def may_matter(indicator: Decimal, objective_high: bool, constants: Constants) -> bool:
    """Whether a subject can show anywhere in a list's work: on the list or left out of it (a high indicator,
    item 9) or counted in the objective high group (chapter 2 item 4). Others need not be drawn up at all."""
    return objective_high or _high_indicator(indicator, constants)


def rank_candidates(candidates: list[Candidate], period: ListPeriod, constants: Constants) -> list[Candidate]:
    """The list of a half-year: subjects in the objective high group (chapter 2 item 4: subjective criteria
    apply to them) whose subjective indicator is high (item 9), not visited in the list's year nor on its
    approved first-half list (item 10), highest indicator first (item 12). Ties: the one visited longest
    ago first, then by name."""
    eligible = [c for c in candidates if _high(c, constants) and _left_out(c, period) is None]
    return sorted(eligible, key=lambda c: (-c.indicator, c.last_visit or date.min, c.name))


def left_out(candidates: list[Candidate], period: ListPeriod, constants: Constants) -> list[LeftOut]:
    """The high-indicator subjects a list does not offer, each with its reason, highest indicator first."""
    result = [out for c in candidates if _high(c, constants) and (out := _left_out(c, period)) is not None]
    return sorted(result, key=lambda o: (-o.candidate.indicator, o.candidate.name))


def lacking_objective(candidates: list[Candidate], period: ListPeriod, constants: Constants) -> list[Candidate]:
    """High-indicator subjects left out only because no objective condition is recorded as met."""
    return [
        o.candidate for o in left_out(candidates, period, constants) if o.reason is LeftOutReason.NO_OBJECTIVE_CONDITION
    ]


def is_late(period: ListPeriod, approved_on: date) -> bool:
    """Item 11: a list approved after its deadline is still approved, and marked late."""
    return approved_on > period.deadline
