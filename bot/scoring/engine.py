"""The risk indicator of chapter 3 item 9 of Annex 1, as a pure function.

All arithmetic is exact (:class:`fractions.Fraction`): 1 of 8 significant violations gives exactly 8.75,
never 8.749999.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from functools import lru_cache

from bot.catalogue import Catalogue, Constants, Severity


class Answer(StrEnum):
    """How one criterion was evaluated."""

    COMPLIES = "complies"  # талаптарға сәйкес келеді
    VIOLATED = "violated"  # талаптарға сәйкес келмейді
    NOT_APPLICABLE = "not_applicable"  # our addition: the requirement does not apply to this subject


class RiskClass(StrEnum):
    HIGH = "high"  # жоғары тәуекел дәрежесі
    NOT_HIGH = "not_high"  # жоғары дәрежеге жатқызылмаған


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One criterion's evaluation: its number, its severity in the catalogue, the answer."""

    criterion: int
    severity: Severity
    answer: Answer


@dataclass(frozen=True, slots=True)
class SeverityTally:
    """SP1 (required count), SP2 (found count) and the weighted indicator for one severity."""

    required: int  # SP1: criteria of this severity that were evaluated (not-applicable ones excluded)
    found: int  # SP2: violations found
    indicator: Fraction  # (SP2 x 100 / SP1) x coefficient; 0 when SP1 = 0


@dataclass(frozen=True, slots=True)
class RiskResult:
    significant: SeverityTally  # SPз side
    minor: SeverityTally  # SPн side
    gross_violations: tuple[int, ...]
    significant_violations: tuple[int, ...]
    minor_violations: tuple[int, ...]
    gross_rule_fired: bool
    indicator: Fraction  # SP
    risk_class: RiskClass

    @property
    def sp_significant(self) -> Fraction:
        """SPз."""
        return self.significant.indicator

    @property
    def sp_minor(self) -> Fraction:
        """SPн."""
        return self.minor.indicator

    @property
    def violations(self) -> tuple[int, ...]:
        return tuple(sorted(self.gross_violations + self.significant_violations + self.minor_violations))


@lru_cache(maxsize=4096)  # a list of 100,000 subjects shows a few hundred distinct figures
def display(value: Fraction) -> Decimal:
    """A figure as shown to people and stored: two decimals, half up (8.75, 71.33, 100.00)."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _tally(evaluations: list[Evaluation], severity: Severity, coefficient: Fraction) -> SeverityTally:
    considered = [e for e in evaluations if e.severity is severity and e.answer is not Answer.NOT_APPLICABLE]
    required = len(considered)
    found = sum(1 for e in considered if e.answer is Answer.VIOLATED)
    # Item 9: SPз = (SP2 x 100 / SP1) x 0,7 and SPн = (SP2 x 100 / SP1) x 0,3.
    # Reading (README "Readings of the order"): a severity with nothing to evaluate (SP1 = 0) adds 0.
    indicator = Fraction(found * 100, required) * coefficient if required else Fraction(0)
    return SeverityTally(required, found, indicator)


def classify(indicator: Fraction, constants: Constants) -> RiskClass:
    """Item 9: 71-100 is high, 0-70 is not high.

    Reading (README "Readings of the order"): the order leaves (70, 71) uncovered. "0 to 70 inclusive"
    bounds the not-high class exactly, so any indicator above 70 (e.g. 70.5) is high.
    """
    return RiskClass.HIGH if indicator > constants.not_high_to else RiskClass.NOT_HIGH


def assess(evaluations: Iterable[Evaluation], constants: Constants) -> RiskResult:
    """The subjective risk indicator of chapter 3 item 9 for one set of evaluated criteria."""
    evaluations = list(evaluations)
    numbers = [e.criterion for e in evaluations]
    if len(numbers) != len(set(numbers)):
        raise ValueError("each criterion may be evaluated once")

    def violated(severity: Severity) -> tuple[int, ...]:
        return tuple(sorted(e.criterion for e in evaluations if e.severity is severity and e.answer is Answer.VIOLATED))

    significant = _tally(evaluations, Severity.SIGNIFICANT, constants.significant_coefficient)
    minor = _tally(evaluations, Severity.MINOR, constants.minor_coefficient)
    gross = violated(Severity.GROSS)
    # Item 9: "Бір өрескел бұзушылық анықталған жағдайда ... тәуекел дәрежесінің 100 көрсеткіші теңестіріледі".
    gross_rule_fired = bool(gross)
    indicator = Fraction(constants.gross_indicator) if gross_rule_fired else significant.indicator + minor.indicator
    return RiskResult(
        significant=significant,
        minor=minor,
        gross_violations=gross,
        significant_violations=violated(Severity.SIGNIFICANT),
        minor_violations=violated(Severity.MINOR),
        gross_rule_fired=gross_rule_fired,
        indicator=indicator,
        risk_class=classify(indicator, constants),
    )


def evaluations_for_checklist(catalogue: Catalogue, answers: Mapping[int, Answer]) -> list[Evaluation]:
    """Evaluations of the check sheet's items (item N is criterion N) from answers keyed by item number."""
    return [
        Evaluation(requirement.criterion, requirement.severity, answers[requirement.number])
        for requirement in catalogue.checklist
        if requirement.number in answers
    ]


def objective_high(conditions: Mapping[int, bool]) -> bool:
    """Chapter 2 item 4: a subject meeting any of the six objective conditions is in the high group."""
    return any(conditions.values())


@dataclass(frozen=True, slots=True)
class SubjectRisk:
    """A subject's risk degree from all information sources (chapter 2 item 4, chapter 3 items 7-9)."""

    objective_high: bool  # meets an objective condition: subjective criteria apply, a visit may follow
    result: RiskResult  # the subjective indicator over the 35 criteria (bot/scoring/subject.py)
