"""A subject's risk degree from every source (chapter 2 item 4, chapter 3 items 7-9 of Annex 1), pure.

- The subjective indicator of a subject is computed over the whole appendix to Annex 1: its 35 criteria
  (15 gross, 15 significant, 5 minor). Item 9 defines SP1 as "елеулі бұзушылықтардың талап етілетін
  саны", the *required* number: every criterion of that severity counts, not only the recorded ones.
- Criteria 1-19 come from the latest finalized check sheet in the assessment period (source 1 of item 7,
  "алдыңғы тексерулер мен профилактикалық бақылау нәтижелері"); criteria 20-35 from the latest record
  of each in the period (sources 2-5). A criterion with no violation recorded in the period complies.
- The objective conditions of chapter 2 item 4 are dated facts that count within a window before the
  list's approval ("кестесін бекітуден алдыңғы соңғы алты ай ішінде", "бір жыл ішінде").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from bot.catalogue import Catalogue, ObjectiveCriterion
from bot.scoring.engine import Answer, Evaluation, RiskResult, assess, objective_high

CHECK_SHEET_CRITERIA = range(1, 20)  # the check sheet's item N is criterion N (README reading 4)


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (31 August less 6 months is 28/29 February)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for last_day in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last_day))
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass(frozen=True, slots=True)
class Period:
    """The assessment period: the 12 months before the assessment date, both ends included."""

    start: date
    end: date

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


def assessment_period(assessment_date: date, catalogue: Catalogue) -> Period:
    # Reading (README "Readings of the order"): the order does not say how old a source may be; we count
    # the sources of the 12 months before the assessment date (catalogue constant assessment_period_months).
    return Period(months_before(assessment_date, catalogue.constants.assessment_period_months), assessment_date)


class Source(StrEnum):
    CHECK_SHEET = "check_sheet"  # source 1 of item 7: the previous visit's check sheet
    RECORD = "record"  # sources 2-5: a finding of criteria 20-35


@dataclass(frozen=True, slots=True)
class SheetAnswers:
    """A finalized check sheet: its act date (the visit's date, local) and its answers by item."""

    inspection_id: int
    act_date: date
    answers: Mapping[int, Answer]
    comments: Mapping[int, str] | None = None
    order: int = 0  # among sheets of the same act date, the higher was finalized later


@dataclass(frozen=True, slots=True)
class CriterionRecord:
    """One recorded evaluation of a criterion 20-35 from another source, dated by the source."""

    criterion: int
    answer: Answer
    on: date
    note: str | None = None
    order: int = 0  # among records of the same date, the higher was entered later


@dataclass(frozen=True, slots=True)
class Basis:
    """Where a criterion's evaluation comes from, so that anyone can recompute the figure by hand."""

    criterion: int
    answer: Answer
    source: Source
    on: date
    inspection_id: int | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class SubjectIndicator:
    """The subject's indicator over the 35 criteria and the basis of each recorded criterion."""

    assessment_date: date
    period: Period
    result: RiskResult
    sheet: SheetAnswers | None  # the check sheet used for criteria 1-19, if any in the period
    basis: Mapping[int, Basis]  # the criteria with something recorded in the period (the rest comply)

    def violations(self) -> list[Basis]:
        return [b for b in sorted(self.basis.values(), key=lambda b: b.criterion) if b.answer is Answer.VIOLATED]


def latest_sheet(sheets: Iterable[SheetAnswers], period: Period) -> SheetAnswers | None:
    """The latest finalized check sheet whose act date lies in the period."""
    within = [s for s in sheets if s.act_date in period]
    return max(within, key=lambda s: (s.act_date, s.order), default=None)


def latest_records(records: Iterable[CriterionRecord], period: Period) -> dict[int, CriterionRecord]:
    """The latest record of each criterion dated within the period (the later entry wins a tie)."""
    latest: dict[int, CriterionRecord] = {}
    for r in records:
        if r.on in period and r.criterion not in CHECK_SHEET_CRITERIA:
            current = latest.get(r.criterion)
            if current is None or (r.on, r.order) > (current.on, current.order):
                latest[r.criterion] = r
    return latest


def subject_indicator(
    catalogue: Catalogue, sheets: Iterable[SheetAnswers], records: Iterable[CriterionRecord], assessment_date: date
) -> SubjectIndicator:
    """Item 9 over the 35 criteria of the appendix: SP1 is the number of criteria of a severity (less those
    a check sheet found not applicable), SP2 the violations recorded in the assessment period."""
    return IndicatorScorer(catalogue, assessment_date)(sheets, records)


class IndicatorScorer:
    """:func:`subject_indicator` for many subjects on one assessment date (the /plan list, the registry).

    The period is computed once, and so is the result of each pattern of answers: a subject's result depends
    only on which criteria were found violated or not applicable (every other criterion complies), so
    subjects with the same pattern share one :class:`RiskResult` (frozen). The figures are the same as one
    subject's alone: it is the same code.
    """

    def __init__(self, catalogue: Catalogue, assessment_date: date) -> None:
        self.catalogue = catalogue
        self.assessment_date = assessment_date
        self.period = assessment_period(assessment_date, catalogue)
        self._results: dict[tuple[tuple[int, Answer], ...], RiskResult] = {}
        # A subject with nothing in the period: every criterion complies. One shared, read-only indicator.
        self.nothing = SubjectIndicator(
            assessment_date, self.period, _all_comply(catalogue), None, MappingProxyType({})
        )

    def __call__(self, sheets: Iterable[SheetAnswers], records: Iterable[CriterionRecord]) -> SubjectIndicator:
        period = self.period
        sheet = latest_sheet(sheets, period)
        basis: dict[int, Basis] = {}
        if sheet is not None:
            comments = sheet.comments or {}
            for number, answer in sheet.answers.items():
                basis[number] = Basis(
                    number, answer, Source.CHECK_SHEET, sheet.act_date, sheet.inspection_id, comments.get(number)
                )
        for number, r in latest_records(records, period).items():
            basis[number] = Basis(number, r.answer, Source.RECORD, r.on, None, r.note)
        # The result depends only on the criteria that do not comply: subjects alike share it.
        pattern = tuple(sorted((n, b.answer) for n, b in basis.items() if b.answer is not Answer.COMPLIES))
        if not pattern:  # nothing found in the period: every criterion complies (the same result for all)
            return SubjectIndicator(self.assessment_date, period, _all_comply(self.catalogue), sheet, basis)
        result = self._results.get(pattern)
        if result is None:
            # A criterion with nothing recorded in the period complies: "талап етілетін саны" counts it in SP1.
            evaluations = [
                Evaluation(c.number, c.severity, basis[c.number].answer if c.number in basis else Answer.COMPLIES)
                for c in self.catalogue.criteria.values()
            ]
            result = self._results[pattern] = assess(evaluations, self.catalogue.constants)
        return SubjectIndicator(self.assessment_date, period, result, sheet, basis)


_ALL_COMPLY: dict[str, RiskResult] = {}


def _all_comply(catalogue: Catalogue) -> RiskResult:
    """The result of a subject with nothing recorded, computed once per catalogue version."""
    if catalogue.version not in _ALL_COMPLY:
        _ALL_COMPLY[catalogue.version] = assess(
            (Evaluation(c.number, c.severity, Answer.COMPLIES) for c in catalogue.criteria.values()),
            catalogue.constants,
        )
    return _ALL_COMPLY[catalogue.version]


# --- objective conditions (chapter 2 item 4) -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ObjectiveFact:
    """A recorded objective condition: the event's date, met or not, the count where the condition is one."""

    condition: int
    met: bool
    occurred_on: date
    value: int | None = None
    note: str | None = None
    order: int = 0  # among facts of the same condition and date, the higher was entered later


@dataclass(frozen=True, slots=True)
class ConditionState:
    condition: int
    met: bool
    fact: ObjectiveFact | None  # the fact that decides: the met one, else the latest one considered
    window_start: date | None  # None: the latest report counts (sub-item 6)


def fact_meets(criterion: ObjectiveCriterion, fact: ObjectiveFact) -> bool:
    """A count condition is met by its number (sub-item 1: more than 1,000; sub-item 5: three or more)."""
    if criterion.value_min is not None:
        return fact.value is not None and fact.value >= criterion.value_min
    return fact.met


def objective_conditions(
    catalogue: Catalogue,
    facts: Iterable[ObjectiveFact],
    approval_date: date,
) -> dict[int, ConditionState]:
    """Each condition's state for a list approved on ``approval_date``.

    Conditions 1-2: an event in the six months before the approval; 3-5: within one year before it
    ("бір жыл ішінде"); 6: the latest internal-control report on or before that date. A fact re-entered
    for the same condition and date replaces the earlier entry (a correction); facts after the approval
    date do not count.
    """
    return ConditionJudge(catalogue, approval_date)(facts)


def condition_windows(catalogue: Catalogue, approval_date: date) -> dict[int, date | None]:
    """The first day each condition's facts count from, for a list approved on ``approval_date`` (None: the
    latest report counts, sub-item 6)."""
    return {
        c.number: months_before(approval_date, c.window_months) if c.window_months is not None else None
        for c in catalogue.objective
    }


class ConditionJudge:
    """:func:`objective_conditions` for many subjects and one approval date: the windows are computed once."""

    def __init__(self, catalogue: Catalogue, approval_date: date) -> None:
        self.catalogue = catalogue
        self.approval_date = approval_date
        self.windows = condition_windows(catalogue, approval_date)
        self._nothing = {n: ConditionState(n, False, None, start) for n, start in self.windows.items()}

    def __call__(self, facts: Iterable[ObjectiveFact]) -> dict[int, ConditionState]:
        approval_date = self.approval_date
        by_condition: dict[int, dict[date, ObjectiveFact]] = {}
        for f in facts:
            if f.occurred_on > approval_date:
                continue
            per_day = by_condition.setdefault(f.condition, {})
            if f.occurred_on not in per_day or f.order > per_day[f.occurred_on].order:
                per_day[f.occurred_on] = f
        if not by_condition:
            return dict(self._nothing)
        states: dict[int, ConditionState] = {}
        for criterion in self.catalogue.objective:
            per_day = by_condition.get(criterion.number)
            if not per_day:
                states[criterion.number] = self._nothing[criterion.number]
                continue
            start = self.windows[criterion.number]
            if start is None:  # sub-item 6: "ішкі бақылау бойынша есепте" - the latest report
                latest = per_day[max(per_day)]
                states[criterion.number] = ConditionState(criterion.number, fact_meets(criterion, latest), latest, None)
                continue
            within = [per_day[d] for d in sorted(per_day) if d >= start]
            met = [f for f in within if fact_meets(criterion, f)]
            # The fact shown: the met one, else the latest one (even one too old to count, so people see why).
            decisive = met[-1] if met else per_day[max(per_day)]
            states[criterion.number] = ConditionState(criterion.number, bool(met), decisive, start)
        return states


def objective_group_high(states: Mapping[int, ConditionState]) -> bool:
    """Chapter 2 item 4: meeting any of the six conditions puts a subject in the high group."""
    return objective_high({n: s.met for n, s in states.items()})
