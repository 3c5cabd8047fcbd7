"""The figures of /stats, pure (no aiogram, no database, no drawing): the period a person types, the
distribution of indicators, the criteria violated most often, visits against the approved lists."""

from bot.stats.figures import (
    CriterionCount,
    IndicatorBins,
    ListProgress,
    Month,
    MonthRow,
    Period,
    PeriodProblem,
    RegionRow,
    StatsFigures,
    half_of,
    indicator_bins,
    monthly,
    parse_period,
    regional,
    top_criteria,
)

__all__ = [
    "CriterionCount",
    "IndicatorBins",
    "ListProgress",
    "Month",
    "MonthRow",
    "Period",
    "PeriodProblem",
    "RegionRow",
    "StatsFigures",
    "half_of",
    "indicator_bins",
    "monthly",
    "parse_period",
    "regional",
    "top_criteria",
]
