"""Planning of preventive control visits (chapter 4 of Annex 1): deadlines and ranking, pure."""

from bot.planning.rules import (
    Candidate,
    ListPeriod,
    lacking_objective,
    list_deadline,
    next_periods,
    rank_candidates,
    reminder_days_left,
)

__all__ = [
    "Candidate",
    "ListPeriod",
    "lacking_objective",
    "list_deadline",
    "next_periods",
    "rank_candidates",
    "reminder_days_left",
]
