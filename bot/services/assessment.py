"""A subject's risk degree from every source: the objective conditions, the latest check sheet,
and findings of criteria 20-35 from complaints, reporting, web and media analysis, public monitoring."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from bot.catalogue import Catalogue
from bot.db.database import Database
from bot.db.findings import Finding, ObjectiveState
from bot.db.inspections import SheetDate, StoredAnswer
from bot.db.repos import Repos
from bot.db.subjects import PastInspection, Subject, SubjectCard
from bot.db.users import User
from bot.planning import next_periods
from bot.scoring import Answer
from bot.scoring.engine import SubjectRisk
from bot.scoring.subject import (
    ConditionJudge,
    ConditionState,
    CriterionRecord,
    IndicatorScorer,
    ObjectiveFact,
    SheetAnswers,
    SubjectIndicator,
    objective_conditions,
    objective_group_high,
    subject_indicator,
)
from bot.services.inspections import result_to_dict


class AssessmentProblem(StrEnum):
    UNKNOWN_SUBJECT = "unknown_subject"
    NOT_A_CONDITION = "not_a_condition"
    NOT_OTHER_SOURCE = "not_other_source"
    FUTURE_DATE = "future_date"
    VALUE_REQUIRED = "value_required"  # sub-items 1 and 5 are counts
    NO_VALUE = "no_value"  # the other conditions are events, not counts
    NOT_CONDITIONAL = "not_conditional"  # "not applicable" only where the duty is conditional


@dataclass(frozen=True, slots=True)
class SubjectAssessment:
    subject: Subject
    history: tuple[PastInspection, ...]
    objective: dict[int, ObjectiveState]  # the latest record of each condition, as recorded
    findings: dict[int, Finding]  # the latest record of each criterion 20-35, as recorded
    risk: SubjectRisk
    indicator: SubjectIndicator  # over the 35 criteria, with the basis of each (chapter 3 items 7-9)
    conditions: dict[int, ConditionState]  # the objective conditions for the list's approval date
    objective_date: date  # that date: the nearest list's deadline
    view: dict[str, Any]  # the indicator as shown (indicator_to_dict): figures, violations, their sources

    @property
    def objective_met(self) -> list[int]:
        return sorted(n for n, state in self.conditions.items() if state.met)


def sheet_answers(sheets: list[SheetDate], answers: dict[int, dict[int, StoredAnswer]]) -> list[SheetAnswers]:
    """Check sheets as scoring takes them (a sheet without an act date cannot be dated and is left out)."""
    ranked = sorted(sheets, key=lambda s: (s.finalized_at, s.inspection_id))
    result = []
    for order, sheet in enumerate(ranked):
        stored = answers.get(sheet.inspection_id, {})
        if sheet.act_date is not None:
            result.append(
                SheetAnswers(
                    sheet.inspection_id,
                    sheet.act_date,
                    {n: Answer(a.answer) for n, a in stored.items()},
                    {n: a.comment for n, a in stored.items() if a.comment},
                    order,
                )
            )
    return result


def indicator_to_dict(indicator: SubjectIndicator, catalogue: Catalogue) -> dict[str, Any]:
    """The subject's indicator as shown: the figures (two decimals) and each violation's source and date."""
    return {
        "assessment_date": indicator.assessment_date,
        "period_start": indicator.period.start,
        "result": result_to_dict(indicator.result),
        "criteria": len(catalogue.criteria),  # 35: the appendix's criteria
        "sheet_items": catalogue.checklist_size,  # 19: the check sheet's, criteria 1-19
        "violations": [
            {
                "criterion": b.criterion,
                "severity": catalogue.criteria[b.criterion].severity.value,
                "source": b.source.value,
                "on": b.on,
                "inspection_id": b.inspection_id,
                "note": b.note,
            }
            for b in indicator.violations()
        ],
        "severity_names": {s.value: text for s, text in catalogue.severities.items()},  # Text, by severity
    }


class AssessmentService:
    def __init__(self, db: Database, catalogue: Catalogue, today: Callable[[], date]) -> None:
        self._db = db
        self._catalogue = catalogue
        self._today = today

    @property
    def catalogue(self) -> Catalogue:
        return self._catalogue

    def today(self) -> date:
        return self._today()

    def objective_date(self) -> date:
        """Chapter 2 item 4 counts the conditions before the list's approval: the nearest list's deadline."""
        return next_periods(self._today(), self._catalogue.constants)[0].deadline

    async def of_bin(
        self,
        bin_: str,
        *,
        on: date | None = None,
        objective_on: date | None = None,
    ) -> SubjectAssessment | None:
        """The subject's card: its indicator assessed ``on`` (today) and its objective group for the list
        approved ``objective_on`` (the nearest list's deadline)."""
        found = await self._db.read(_card, bin_)
        if found is None:
            return None
        card, objective, findings = found
        subject_id = card.subject.id
        on = on or self._today()
        objective_on = objective_on or self.objective_date()
        indicator, conditions = await self.subject_risk(subject_id, on=on, objective_on=objective_on)
        risk = SubjectRisk(objective_group_high(conditions), indicator.result)
        return SubjectAssessment(
            card.subject,
            card.history,
            objective,
            findings,
            risk,
            indicator,
            conditions,
            objective_on,
            indicator_to_dict(indicator, self._catalogue),
        )

    async def subject_risk(
        self,
        subject_id: int,
        *,
        on: date,
        objective_on: date | None = None,
    ) -> tuple[SubjectIndicator, dict[int, ConditionState]]:
        """One subject's indicator over the 35 criteria assessed ``on`` and its objective conditions."""
        sheets, answers, records, facts = await self._db.read(_sources, subject_id)
        indicator = subject_indicator(self._catalogue, sheet_answers(sheets, answers), records, on)
        return indicator, objective_conditions(self._catalogue, facts, objective_on or on)

    async def all_risks(
        self,
        *,
        on: date,
        objective_on: date | None = None,
        full_basis: bool = True,
    ) -> dict[int, tuple[SubjectIndicator, dict[int, ConditionState]]]:
        """Every subject with a check sheet or a record: its indicator assessed ``on`` and its objective
        conditions for the list approved ``objective_on`` (by default ``on``; chapter 2 item 4, chapter 3
        item 9). The same as :meth:`subject_risk` for each, read as sets: a few queries in one snapshot,
        narrowed to the period and the windows, then the pure scoring per subject.

        ``full_basis=False`` (for ranking: /plan, the registry) reads only what decides a figure: the basis and
        the sheet keep only the criteria found violated or not applicable, and an unmet condition shows a fact
        only from its window. Every figure, class and condition met is the same, at a fraction of the reading.
        """
        objective_on = objective_on or on
        scorer = IndicatorScorer(self._catalogue, on)
        judge = ConditionJudge(self._catalogue, objective_on)
        start, end = scorer.period.start, scorer.period.end

        def read(r: Repos) -> tuple:
            return (
                r.risk_sources.subjects_with_records(),
                r.risk_sources.latest_sheets(start, end, departures_only=not full_basis),
                r.risk_sources.latest_records(start, end, self._catalogue.other_source_criteria),
                r.risk_sources.deciding_facts(objective_on, judge.windows, counting_only=not full_basis),
            )

        async with self._db.snapshot() as snapshot:
            subject_ids, sheets, records, facts = await snapshot.call(read)
        result = {}
        for subject_id in subject_ids:
            sheet, recorded = sheets.get(subject_id), records.get(subject_id)
            indicator = scorer((sheet,) if sheet else (), recorded or ()) if sheet or recorded else scorer.nothing
            result[subject_id] = (indicator, judge(facts.get(subject_id, ())))
        return result

    async def register(self, user: User, bin_: str, name: str, kind: str) -> None:
        """A subject not visited yet, so that other sources can be recorded for it."""

        def register(r: Repos) -> None:
            r.subjects.upsert(bin_, name, kind, None)
            r.audit.add(user.telegram_id, "subject.register", "subject", bin_, {"name": name})

        await self._db.run(register)

    async def search(self, query: str, limit: int = 10) -> list[Subject]:
        """Subjects by a BIN prefix or a part of the name, best first (the inline look-up)."""
        return await self._db.read(lambda r: r.subjects.search(query, limit))

    async def subject_count(self) -> int:
        return await self._db.read(lambda r: r.subjects.count())

    async def set_objective(
        self,
        user: User,
        bin_: str,
        condition: int,
        met: bool,
        *,
        occurred_on: date | None = None,
        value: int | None = None,
        source_note: str | None = None,
    ) -> AssessmentProblem | None:
        """Record a dated objective fact (chapter 2 item 4): the event's date, not the day of entry (today
        when not given), and for a count condition (sub-items 1 and 5) the count, which decides ``met``."""
        if not 1 <= condition <= len(self._catalogue.objective):
            return AssessmentProblem.NOT_A_CONDITION
        criterion = self._catalogue.objective[condition - 1]
        occurred_on = occurred_on or self._today()
        if occurred_on > self._today():
            return AssessmentProblem.FUTURE_DATE
        if criterion.counts:
            if value is None or value < 0:
                return AssessmentProblem.VALUE_REQUIRED
            met = value >= criterion.value_min
        elif value is not None:
            return AssessmentProblem.NO_VALUE

        def record(r: Repos) -> AssessmentProblem | None:
            subject = r.subjects.by_bin(bin_)
            if subject is None:
                return AssessmentProblem.UNKNOWN_SUBJECT
            r.findings.add_objective(
                subject.id, condition, met, occurred_on, user.telegram_id, value=value, source_note=source_note
            )
            r.audit.add(
                user.telegram_id,
                "objective.record",
                "subject",
                bin_,
                {
                    "condition": condition,
                    "met": met,
                    "occurred_on": occurred_on.isoformat(),
                    "value": value,
                    "source_note": source_note,
                },
            )
            return None

        return await self._db.run(record)

    async def set_finding(
        self,
        user: User,
        bin_: str,
        criterion: int,
        answer: Answer,
        *,
        found_on: date | None = None,
        source_note: str | None = None,
    ) -> AssessmentProblem | None:
        if criterion not in self._catalogue.other_source_criteria:
            return AssessmentProblem.NOT_OTHER_SOURCE
        if answer is Answer.NOT_APPLICABLE and not self._catalogue.criteria[criterion].conditional:
            return AssessmentProblem.NOT_CONDITIONAL
        found_on = found_on or self._today()
        if found_on > self._today():
            return AssessmentProblem.FUTURE_DATE
        severity = self._catalogue.criteria[criterion].severity

        def record(r: Repos) -> AssessmentProblem | None:
            subject = r.subjects.by_bin(bin_)
            if subject is None:
                return AssessmentProblem.UNKNOWN_SUBJECT
            r.findings.add_finding(
                subject.id, criterion, severity.value, answer.value, found_on, user.telegram_id, source_note=source_note
            )
            r.audit.add(
                user.telegram_id,
                "finding.record",
                "subject",
                bin_,
                {
                    "criterion": criterion,
                    "answer": answer.value,
                    "found_on": found_on.isoformat(),
                    "source_note": source_note,
                },
            )
            return None

        return await self._db.run(record)


def _card(r: Repos, bin_: str) -> tuple[SubjectCard, dict[int, ObjectiveState], dict[int, Finding]] | None:
    card = r.subjects.card(bin_)
    if card is None:
        return None
    return card, r.findings.latest_objective(card.subject.id), r.findings.latest_findings(card.subject.id)


def _sources(
    r: Repos, subject_id: int
) -> tuple[list[SheetDate], dict[int, dict[int, StoredAnswer]], list[CriterionRecord], list[ObjectiveFact]]:
    """One subject's check sheets with their answers, its findings and its objective facts."""
    sheets = r.inspections.finalized_sheets(subject_id).get(subject_id, [])
    answers = r.inspections.answers_of([s.inspection_id for s in sheets])
    records = r.findings.criterion_records(subject_id).get(subject_id, [])
    facts = r.findings.objective_facts(subject_id).get(subject_id, [])
    return sheets, answers, records, facts
