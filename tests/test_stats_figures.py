"""The figures of /stats, pure: the periods people type, the bins around the line at 70, the ten criteria,
the running total of a half-year list."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.catalogue import default_catalogue
from bot.stats import (
    ListProgress,
    Month,
    Period,
    PeriodProblem,
    indicator_bins,
    monthly,
    parse_period,
    regional,
    top_criteria,
)

TODAY = date(2026, 12, 2)


@pytest.mark.parametrize(
    ("typed", "start", "end"),
    [
        ("", date(2026, 1, 1), date(2026, 12, 3)),  # the last 12 months, this one included
        ("2025", date(2025, 1, 1), date(2026, 1, 1)),
        ("2026", date(2026, 1, 1), date(2026, 12, 3)),  # the current year up to today
        ("2026-H1", date(2026, 1, 1), date(2026, 7, 1)),
        ("2025-h2", date(2025, 7, 1), date(2026, 1, 1)),
        ("2026-Н2", date(2026, 7, 1), date(2026, 12, 3)),  # a Cyrillic Н typed for H
        ("2026-03", date(2026, 3, 1), date(2026, 4, 1)),
        ("30d", date(2026, 11, 3), date(2026, 12, 3)),
        ("7 д", date(2026, 11, 26), date(2026, 12, 3)),
        ("6m", date(2026, 7, 1), date(2026, 12, 3)),
        ("24м", date(2025, 1, 1), date(2026, 12, 3)),
    ],
)
def test_a_person_types_a_period_and_gets_those_days(typed, start, end):
    assert parse_period(typed, TODAY) == Period(start, end)


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("2026-13", PeriodProblem.FORMAT),
        ("2026-H3", PeriodProblem.FORMAT),
        ("вчера", PeriodProblem.FORMAT),
        ("0d", PeriodProblem.FORMAT),
        ("1999", PeriodProblem.TOO_EARLY),
        ("2027", PeriodProblem.FUTURE),
        ("2026-12-31", PeriodProblem.FORMAT),
        ("61m", PeriodProblem.TOO_LONG),
        ("5000d", PeriodProblem.TOO_LONG),
    ],
)
def test_a_period_that_cannot_be_counted_is_named_as_such(typed, problem):
    assert parse_period(typed, TODAY) is problem


def test_months_of_a_period_cross_the_year():
    assert Period(date(2025, 11, 15), date(2026, 2, 1)).months() == [Month(2025, 11), Month(2025, 12), Month(2026, 1)]


def test_seventy_is_counted_left_of_the_line_and_anything_high_right_of_it():
    line = default_catalogue().constants.not_high_to
    bins = indicator_bins(
        [
            (Decimal("70.00"), False),
            (Decimal("70.00"), True),
            (Decimal("0"), False),
            (Decimal("100.00"), True),
            (Decimal("80.00"), True),
            (Decimal("10.00"), False),
        ],
        line,
    )
    assert bins.edges == (0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100)
    # 70.00 not high: [60, 70]; 70.00 displayed but high (70.001): (70, 80]; 80 high: (70, 80]; 10: [10, 20)
    assert bins.counts == (1, 1, 0, 0, 0, 0, 1, 2, 0, 1)
    assert (bins.total, bins.high, bins.high_share, bins.median) == (6, 3, 50, Decimal("70.00"))
    assert indicator_bins([], line).median is None


def test_the_most_violated_criteria_come_first_ties_by_number():
    ranked = top_criteria({9: (1, 0), 25: (0, 3), 3: (1, 0), 7: (0, 0)})
    assert [(c.criterion, c.total) for c in ranked] == [(25, 3), (3, 1), (9, 1)]


def test_a_half_year_list_runs_its_total_within_its_half_and_regions_add_up():
    period = Period(date(2026, 5, 1), date(2026, 9, 1))
    h1 = ListProgress(2026, 1, 4, {Month(2026, 5): 1, Month(2026, 6): 2}, {"Астана": (3, 2), None: (1, 1)})
    h2 = ListProgress(2026, 2, 5, {Month(2026, 8): 2}, {"Астана": (5, 2)})
    rows = monthly(period, {Month(2026, 5): 3, Month(2026, 7): 1, Month(2026, 8): 4}, [h1, h2])
    assert [(r.visits, r.listed, r.cumulative, r.plan) for r in rows] == [
        (3, 1, 1, 4),
        (0, 2, 3, 4),
        (1, 0, 0, 5),
        (4, 2, 2, 5),
    ]
    assert monthly(period, {}, [])[0].plan is None
    regions = regional({"Астана": 6, "Алматы": 2, None: 0}, [h1, h2])
    assert [(r.region, r.plan, r.done, r.visits) for r in regions] == [
        ("Астана", 8, 4, 6),
        (None, 1, 1, 0),
        ("Алматы", 0, 0, 2),
    ]


def test_the_bot_starts_without_importing_matplotlib():
    """The charts are drawn in a worker process; the bot's own process never loads matplotlib."""
    import subprocess
    import sys

    code = "import sys, bot.app, bot.services.stats, bot.handlers.stats; print('matplotlib' in sys.modules)"
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
        == "False"
    )


async def test_a_worker_that_died_is_replaced_and_a_dollar_in_a_region_is_drawn_as_text():
    import os
    import signal

    from bot.charts.draw import draw_all
    from bot.charts.spec import PlanAndDone
    from bot.workers import chart_pool

    spec = PlanAndDone(
        "По регионам",
        "Количество",
        ("A$B$", "Алматы"),
        (3, 1),
        (1, 0),
        (2, 1),
        ("все", "по списку", "план", "итого"),
        horizontal=True,
    )
    pool = chart_pool()
    try:
        first = await pool.run(draw_all, [spec])
        assert first[0].startswith(b"\x89PNG")
        for pid in list(pool._pool()._processes):
            os.kill(pid, signal.SIGKILL)
        again = await pool.run(draw_all, [spec])
        assert again[0].startswith(b"\x89PNG")
    finally:
        pool.shutdown()
