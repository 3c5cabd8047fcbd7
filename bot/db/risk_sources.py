"""The sources of every subject's indicator and objective group, read as sets (bot/scoring/subject.py).

A list of visits or the registry ranks every subject: these queries read what scoring needs for all of them at
once, already narrowed by SQL to the assessment period and the conditions' windows, with no query per
subject. What they return is what the per-subject reads (``inspections.finalized_sheets`` with
``answers_of``, ``findings.criterion_records``, ``findings.objective_facts``) give once scoring has picked
the latest of each, so the figures are the same (tests/test_all_risks.py compares them subject by subject).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date

from bot.db.repository import Repository, literal
from bot.scoring import Answer
from bot.scoring.subject import CriterionRecord, ObjectiveFact, SheetAnswers
from bot.statuses import InspectionStatus

_ANSWERS = {a.value: a for a in Answer}

# The act date is stored as people type it (dd.mm.yyyy, validated on entry); as ISO it compares as a date.
_ACT_ON = "substr(act_date, 7, 4) || '-' || substr(act_date, 4, 2) || '-' || substr(act_date, 1, 2)"
_FINALIZED = literal(InspectionStatus.FINALIZED)  # a filter: see literal()

# Each subject's finalized check sheets numbered in finishing order (SheetAnswers.order, as
# services.assessment.sheet_answers numbers them), then the latest by act date within the period (a later
# finish wins a tie), with its answers (or only those that do not comply: the figures depend on no other).
_LATEST_SHEETS = f"""
WITH sheets AS (
    SELECT id, subject_id, {_ACT_ON} AS act_on,
           ROW_NUMBER() OVER (PARTITION BY subject_id ORDER BY finalized_at, id) - 1 AS finish_order
    FROM inspections WHERE status = {_FINALIZED} AND subject_id IS NOT NULL
), latest AS (
    SELECT id, subject_id, act_on, finish_order,
           ROW_NUMBER() OVER (PARTITION BY subject_id ORDER BY act_on DESC, finish_order DESC) AS pick
    FROM sheets WHERE act_on BETWEEN ? AND ?
)
SELECT l.subject_id, l.id, l.act_on, l.finish_order, a.item, a.answer, a.comment
FROM latest l LEFT JOIN answers a ON a.inspection_id = l.id AND (? OR a.answer <> 'complies') WHERE l.pick = 1
"""

# The latest record of each subject and criterion dated within the period (a later entry wins a tie).
_LATEST_RECORDS = """
SELECT id, subject_id, criterion, answer, found_on, source_note FROM (
    SELECT id, subject_id, criterion, answer, found_on, source_note,
           ROW_NUMBER() OVER (PARTITION BY subject_id, criterion ORDER BY found_on DESC, id DESC) AS pick
    FROM findings WHERE found_on BETWEEN ? AND ? AND criterion BETWEEN ? AND ?
) WHERE pick = 1
"""

# The objective facts up to the approval date that decide a condition: every fact within its window, and the
# latest fact of each condition whatever its age (sub-item 6 counts the latest report; for the others it is
# the fact shown when none in the window is met, left out when only what counts is asked for).
# {windows} is a VALUES list of (condition, first day; NULL: the latest report counts).
_FACTS = """
WITH windows (condition, start) AS (VALUES {windows})
SELECT id, subject_id, condition, met, occurred_on, value, source_note FROM (
    SELECT o.id, o.subject_id, o.condition, o.met, o.occurred_on, o.value, o.source_note, w.start,
           ROW_NUMBER() OVER (PARTITION BY o.subject_id, o.condition ORDER BY o.occurred_on DESC, o.id DESC) AS pick
    FROM objective_records o JOIN windows w ON w.condition = o.condition WHERE o.occurred_on <= ?
) WHERE occurred_on >= start OR (pick = 1 AND (? OR start IS NULL))
"""

# Every subject with a source: a finalized check sheet, a finding, an objective record (of any date).
_WITH_RECORDS = f"""
SELECT subject_id FROM inspections WHERE status = {_FINALIZED} AND subject_id IS NOT NULL
UNION SELECT subject_id FROM findings
UNION SELECT subject_id FROM objective_records
"""


_VISITS = f"""
SELECT subject_id, {_ACT_ON} AS act_on FROM inspections
WHERE status = {_FINALIZED} AND subject_id IN (SELECT value FROM json_each(?)) AND act_date IS NOT NULL
ORDER BY subject_id, act_on
"""


class RiskSourceRepository(Repository):
    __slots__ = ()

    def visit_dates(self, subject_ids: Iterable[int]) -> dict[int, tuple[date, ...]]:
        """The act dates of the finalized check sheets (the visits' local dates) of the subjects ``subject_ids``
        (one JSON array), oldest first."""
        result: dict[int, list[date]] = {}
        for subject_id, act_on in self._tuples(_VISITS, (json.dumps(list(subject_ids)),)):
            result.setdefault(subject_id, []).append(date.fromisoformat(act_on))
        return {subject_id: tuple(dates) for subject_id, dates in result.items()}

    def subjects_with_records(self) -> list[int]:
        """Every subject with a finalized check sheet, a finding or an objective record, of any date."""
        return [r[0] for r in self._tuples(_WITH_RECORDS)]

    def latest_sheets(
        self,
        start: date,
        end: date,
        *,
        departures_only: bool = False,
    ) -> dict[int, SheetAnswers]:
        """Each subject's latest finalized check sheet with its act date in [start, end], with its answers: all of
        them, or with ``departures_only`` those found violated or not applicable (a sheet's "complies" changes
        no figure; leaving them out reads a tenth of the rows)."""
        result: dict[int, SheetAnswers] = {}
        for subject_id, inspection_id, act_on, order, item, answer, comment in self._tuples(
            _LATEST_SHEETS, (start.isoformat(), end.isoformat(), int(not departures_only))
        ):
            sheet = result.get(subject_id)
            if sheet is None:
                sheet = result[subject_id] = SheetAnswers(inspection_id, date.fromisoformat(act_on), {}, {}, order)
            if item is not None:
                sheet.answers[item] = _ANSWERS[answer]
                if comment:
                    sheet.comments[item] = comment
        return result

    def latest_records(self, start: date, end: date, criteria: range) -> dict[int, list[CriterionRecord]]:
        """Each subject's latest record of each criterion in ``criteria`` (20-35) dated in [start, end]."""
        result: dict[int, list[CriterionRecord]] = {}
        for id_, subject_id, criterion, answer, found_on, note in self._tuples(
            _LATEST_RECORDS, (start.isoformat(), end.isoformat(), criteria.start, criteria.stop - 1)
        ):
            result.setdefault(subject_id, []).append(
                CriterionRecord(criterion, _ANSWERS[answer], date.fromisoformat(found_on), note, id_)
            )
        return result

    def deciding_facts(
        self, approval_date: date, windows: Mapping[int, date | None], *, counting_only: bool = False
    ) -> dict[int, list[ObjectiveFact]]:
        """Each subject's objective facts that decide its conditions for a list approved on ``approval_date``:
        those within each condition's window (``windows``: its first day; None: the latest report counts) and
        the latest of each condition, which shows why an unmet condition is unmet (not with ``counting_only``)."""
        if not windows:
            return {}
        values = ", ".join("(?, ?)" for _ in windows)
        params: list[object] = []
        for condition, start in windows.items():
            params += [condition, start.isoformat() if start is not None else None]
        result: dict[int, list[ObjectiveFact]] = {}
        for id_, subject_id, condition, met, occurred_on, value, note in self._tuples(
            _FACTS.format(windows=values), (*params, approval_date.isoformat(), int(not counting_only))
        ):
            result.setdefault(subject_id, []).append(
                ObjectiveFact(condition, bool(met), date.fromisoformat(occurred_on), value, note, id_)
            )
        return result
