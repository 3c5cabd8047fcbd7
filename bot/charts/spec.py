"""What each chart of /stats shows: plain data and finished labels, sent to the drawing process."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Histogram:
    """Subjects by indicator, with the line between the classes."""

    title: str
    x_label: str
    y_label: str
    edges: tuple[int, ...]
    counts: tuple[int, ...]
    line: int
    line_label: str


@dataclass(frozen=True, slots=True)
class Ranking:
    """Horizontal bars, the first on top (the criteria violated most often)."""

    title: str
    x_label: str
    labels: tuple[str, ...]
    values: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class PlanAndDone:
    """Per category (a month, a region): all visits and the listed subjects visited as bars, the plan as a
    line (per month: the half-year's list and the running total of its subjects visited)."""

    title: str
    y_label: str
    categories: tuple[str, ...]
    visits: tuple[int, ...]
    done: tuple[int, ...]
    plan: tuple[int | None, ...]
    legend: tuple[str, str, str, str]  # visits, done, plan, running total
    running: tuple[int | None, ...] = ()  # per month only; None where no list was approved
    horizontal: bool = False  # regions: names read better on the side


ChartSpec = Histogram | Ranking | PlanAndDone
