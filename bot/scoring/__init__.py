"""Pure scoring of the order: no I/O, no aiogram, no database."""

from bot.scoring.engine import (
    Answer,
    Evaluation,
    RiskClass,
    RiskResult,
    SeverityTally,
    assess,
    classify,
    evaluations_for_checklist,
    objective_high,
)

__all__ = [
    "Answer",
    "Evaluation",
    "RiskClass",
    "RiskResult",
    "SeverityTally",
    "assess",
    "classify",
    "evaluations_for_checklist",
    "objective_high",
]
