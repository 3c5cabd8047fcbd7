"""Planning of preventive control visits (chapter 4 of Annex 1): deadlines and ranking, pure."""

from bot.planning.rules import (
    Candidate,
    LeftOut,
    LeftOutReason,
    ListPeriod,
    is_late,
    lacking_objective,
    left_out,
    list_deadline,
    may_matter,
    next_periods,
    overdue_periods,
    rank_candidates,
    reminder_days_left,
)

__all__ = [
    "Candidate",
    "LeftOut",
    "LeftOutReason",
    "ListPeriod",
    "is_late",
    "lacking_objective",
    "left_out",
    "list_deadline",
    "may_matter",
    "next_periods",
    "overdue_periods",
    "rank_candidates",
    "reminder_days_left",
]
