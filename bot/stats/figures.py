"""What /stats shows, computed from plain data: no aiogram, no database, no drawing.

The risk figures themselves (each subject's indicator and class) come from the services; this module only
counts them. Dates are local dates (the bot's time zone); the services turn them into stored UTC bounds.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from math import ceil, floor
from typing import NamedTuple

EARLIEST_YEAR = 2000  # as /export: a typo guard
MAX_DAYS = 5 * 366
MAX_MONTHS = 60
DEFAULT_MONTHS = 12  # /stats alone: the last twelve months, this one included
TOP_CRITERIA = 10
BIN_WIDTH = 10  # the indicator's histogram: 0-10, 10-20, ... 90-100


class PeriodProblem(StrEnum):
    FORMAT = "format"
    FUTURE = "future"
    TOO_EARLY = "too_early"
    TOO_LONG = "too_long"


class Month(NamedTuple):
    year: int
    month: int

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)


def half_of(month: Month) -> tuple[int, int]:
    """The half-year (year, 1 or 2) a month belongs to: the half-year of a visit list (chapter 4 item 11)."""
    return month.year, 1 if month.month <= 6 else 2


def half_bounds(year: int, half: int) -> tuple[date, date]:
    """First day of a half-year and the first day after it."""
    return (date(year, 1, 1), date(year, 7, 1)) if half == 1 else (date(year, 7, 1), date(year + 1, 1, 1))


@dataclass(frozen=True, slots=True)
class Period:
    """Local days [start, end): what /stats counts."""

    start: date
    end: date  # the day after the last day

    @property
    def last(self) -> date:
        return self.end - timedelta(days=1)

    def months(self) -> list[Month]:
        months, month = [], Month.of(self.start)
        while month.first < self.end:
            months.append(month)
            month = month.next
        return months

    def halves(self) -> list[tuple[int, int]]:
        return sorted({half_of(m) for m in self.months()})

    def clip(self, start: date, end: date) -> tuple[date, date]:
        return max(start, self.start), min(end, self.end)


_YEAR = re.compile(r"(\d{4})")
_HALF = re.compile(r"(\d{4})-?[hн]([12])")  # 2026-H1; a Cyrillic Н typed for H is taken too
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_DAYS = re.compile(r"(\d{1,4}) ?[dд]")
_MONTHS = re.compile(r"(\d{1,3}) ?[mм]")


def _months_back(today: date, count: int) -> date:
    index = today.year * 12 + today.month - 1 - (count - 1)
    return date(index // 12, index % 12 + 1, 1)


def parse_period(text: str | None, today: date) -> Period | PeriodProblem:
    """``2026`` (a year), ``2026-H1`` (a half-year), ``2026-03`` (a month), ``30d`` (the last 30 days),
    ``6m`` (the last six months, this one included); nothing: the last 12 months. A period never runs past
    today: the current year is counted up to today."""
    raw = (text or "").strip().lower()
    tomorrow = today + timedelta(days=1)
    if not raw:
        return Period(_months_back(today, DEFAULT_MONTHS), tomorrow)
    if m := _DAYS.fullmatch(raw):
        days = int(m.group(1))
        if days == 0:
            return PeriodProblem.FORMAT
        if days > MAX_DAYS:
            return PeriodProblem.TOO_LONG
        return Period(tomorrow - timedelta(days=days), tomorrow)
    if m := _MONTHS.fullmatch(raw):
        count = int(m.group(1))
        if count == 0:
            return PeriodProblem.FORMAT
        if count > MAX_MONTHS:
            return PeriodProblem.TOO_LONG
        return Period(_months_back(today, count), tomorrow)
    if m := _YEAR.fullmatch(raw):
        year = int(m.group(1))
        start, end = date(year, 1, 1), date(year + 1, 1, 1)
    elif m := _HALF.fullmatch(raw):
        year = int(m.group(1))
        start, end = half_bounds(year, int(m.group(2)))
    elif m := _MONTH.fullmatch(raw):
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            return PeriodProblem.FORMAT
        start, end = date(year, month, 1), Month(year, month).next.first
    else:
        return PeriodProblem.FORMAT
    if year < EARLIEST_YEAR:
        return PeriodProblem.TOO_EARLY
    if start > today:
        return PeriodProblem.FUTURE
    return Period(start, min(end, tomorrow))


@dataclass(frozen=True, slots=True)
class IndicatorBins:
    """How many subjects have an indicator in each bin; the bin edges meet at the line of the classes.

    Item 9: 0-70 inclusive is not high, above 70 is high (README reading 1), so the bins below the line
    are [0, 10), ... [60, 70] and the bins above it (70, 80], ... (90, 100]: 70.00 is counted left of the
    line, 70.01 right of it, as the service classified them.
    """

    edges: tuple[int, ...]
    counts: tuple[int, ...]
    line: int  # constants.not_high_to
    total: int
    high: int
    median: Decimal | None

    @property
    def high_share(self) -> int:
        """Percent of subjects of high risk, rounded."""
        return round(100 * self.high / self.total) if self.total else 0


def indicator_bins(
    indicators: Iterable[tuple[Decimal, bool]], line: int, top: int = 100, width: int = BIN_WIDTH
) -> IndicatorBins:
    """``indicators``: (indicator, of high risk) per subject, as the services gave them."""
    if line % width or top % width:
        raise ValueError("the line and the top must fall on a bin edge")
    edges = tuple(range(0, top + width, width))
    counts = [0] * (len(edges) - 1)
    boundary = line // width  # the first bin right of the line
    values, high = [], 0
    for indicator, is_high in indicators:
        values.append(indicator)
        if is_high:
            high += 1
            index = max(ceil(indicator / width) - 1, boundary)
        else:
            index = min(floor(indicator / width), boundary - 1)
        counts[min(max(index, 0), len(counts) - 1)] += 1
    median = Decimal(statistics.median(values)).quantize(Decimal("0.01")) if values else None
    return IndicatorBins(edges, tuple(counts), line, len(values), high, median)


@dataclass(frozen=True, slots=True)
class CriterionCount:
    criterion: int
    from_sheets: int  # "does not comply" answers of finalized check sheets (items 1-19)
    from_findings: int  # findings of criteria 20-35 recorded as violated

    @property
    def total(self) -> int:
        return self.from_sheets + self.from_findings


def top_criteria(counts: Mapping[int, tuple[int, int]]) -> list[CriterionCount]:
    """Every violated criterion, most often first (ties: the lower number first); /stats draws the first ten."""
    rows = [CriterionCount(n, sheets, findings) for n, (sheets, findings) in counts.items() if sheets + findings]
    return sorted(rows, key=lambda c: (-c.total, c.criterion))


@dataclass(frozen=True, slots=True)
class ListProgress:
    """An approved half-year list and how far it got within the period (from the repository)."""

    year: int
    half: int
    planned: int  # subjects on the list
    first_visits: Mapping[Month, int]  # listed subjects by the month of their first visit in the half-year
    by_region: Mapping[str | None, tuple[int, int]]  # region -> (planned, visited)

    @property
    def done(self) -> int:
        return sum(self.first_visits.values())


@dataclass(frozen=True, slots=True)
class MonthRow:
    month: Month
    visits: int  # every finalized check sheet of the month
    listed: int  # listed subjects first visited this month
    cumulative: int  # listed subjects visited so far in the half-year (within the period)
    plan: int | None  # the approved list of the month's half-year; None: no list approved


def monthly(period: Period, visits: Mapping[Month, int], lists: Sequence[ListProgress]) -> list[MonthRow]:
    by_half = {(p.year, p.half): p for p in lists}
    rows, running = [], {}
    for month in period.months():
        progress = by_half.get(half_of(month))
        listed = progress.first_visits.get(month, 0) if progress else 0
        running[half_of(month)] = running.get(half_of(month), 0) + listed
        rows.append(
            MonthRow(
                month, visits.get(month, 0), listed, running[half_of(month)], progress.planned if progress else None
            )
        )
    return rows


@dataclass(frozen=True, slots=True)
class RegionRow:
    region: str | None  # None: not given in the registry
    plan: int
    done: int
    visits: int


def regional(visits: Mapping[str | None, int], lists: Sequence[ListProgress]) -> list[RegionRow]:
    """Per region: subjects on the approved lists, those of them visited, all visits; largest plan first."""
    plan: dict[str | None, int] = {}
    done: dict[str | None, int] = {}
    for progress in lists:
        for region, (planned, visited) in progress.by_region.items():
            plan[region] = plan.get(region, 0) + planned
            done[region] = done.get(region, 0) + visited
    regions = set(plan) | {r for r, n in visits.items() if n}
    rows = [RegionRow(r, plan.get(r, 0), done.get(r, 0), visits.get(r, 0)) for r in regions]
    return sorted(rows, key=lambda r: (-r.plan, -r.visits, r.region is None, r.region or ""))


@dataclass(frozen=True, slots=True)
class StatsFigures:
    period: Period
    indicators: IndicatorBins
    criteria: list[CriterionCount]  # all violated criteria, most often first
    months: list[MonthRow]
    regions: list[RegionRow]
    lists: list[ListProgress] = field(default_factory=list)

    @property
    def top(self) -> list[CriterionCount]:
        return self.criteria[:TOP_CRITERIA]

    @property
    def violations(self) -> int:
        return sum(c.total for c in self.criteria)

    @property
    def visits(self) -> int:
        return sum(m.visits for m in self.months)

    @property
    def plan(self) -> int:
        return sum(p.planned for p in self.lists)

    @property
    def done(self) -> int:
        return sum(p.done for p in self.lists)

    @property
    def plan_share(self) -> int:
        return round(100 * self.done / self.plan) if self.plan else 0

    @property
    def has_visits(self) -> bool:
        return self.visits > 0 or self.plan > 0

    @property
    def empty(self) -> bool:
        return self.indicators.total == 0 and not self.criteria and not self.has_visits
