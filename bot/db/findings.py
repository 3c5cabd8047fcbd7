"""Objective-criteria records (chapter 2 item 4) and findings of criteria 20-35 from other sources.

Both keep their history: a new record never overwrites an old one; the latest per condition or
criterion counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.catalogue import Severity
from bot.db.clock import utc_now
from bot.db.repository import Repository
from bot.scoring import Answer, Evaluation
from bot.scoring.subject import CriterionRecord, ObjectiveFact


@dataclass(frozen=True, slots=True)
class ObjectiveState:
    condition: int
    met: bool
    occurred_on: date


@dataclass(frozen=True, slots=True)
class Finding:
    criterion: int
    severity: str
    answer: str  # complies / violated / not_applicable
    found_on: date
    source_note: str | None = None

    @property
    def evaluation(self) -> Evaluation:
        return Evaluation(self.criterion, Severity(self.severity), Answer(self.answer))


_LATEST_OBJECTIVE = (
    "SELECT subject_id, condition, met, occurred_on FROM objective_records o WHERE id = ("
    "SELECT id FROM objective_records WHERE subject_id = o.subject_id AND condition = o.condition"
    " ORDER BY occurred_on DESC, id DESC LIMIT 1)"
)
_LATEST_FINDINGS = (
    "SELECT subject_id, criterion, severity, answer, found_on, source_note FROM findings f WHERE id = ("
    "SELECT id FROM findings WHERE subject_id = f.subject_id AND criterion = f.criterion"
    " ORDER BY found_on DESC, id DESC LIMIT 1)"
)


# --- dated sources of the subject's indicator and objective group (bot/scoring/subject.py) ------------


def _where_subject(subject_id: int | None) -> tuple[str, tuple]:
    return (" WHERE subject_id = ?", (subject_id,)) if subject_id is not None else ("", ())


class FindingRepository(Repository):
    __slots__ = ()

    def add_objective(
        self,
        subject_id: int,
        condition: int,
        met: bool,
        occurred_on: date,
        user_id: int,
        *,
        value: int | None = None,
        source_note: str | None = None,
    ) -> None:
        """A dated fact: ``occurred_on`` is the event's date (not the day of entry), ``value`` a count."""
        self._c.execute(
            "INSERT INTO objective_records (subject_id, condition, met, occurred_on, value, source_note, recorded_by,"
            " recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (subject_id, condition, int(met), occurred_on.isoformat(), value, source_note, user_id, utc_now()),
        )

    def add_finding(
        self,
        subject_id: int,
        criterion: int,
        severity: str,
        answer: str,
        found_on: date,
        user_id: int,
        *,
        source_note: str | None = None,
    ) -> None:
        self._c.execute(
            "INSERT INTO findings (subject_id, criterion, severity, answer, found_on, source_note, recorded_by,"
            " recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (subject_id, criterion, severity, answer, found_on.isoformat(), source_note, user_id, utc_now()),
        )

    def latest_objective(self, subject_id: int) -> dict[int, ObjectiveState]:
        rows = self._all(_LATEST_OBJECTIVE + " AND subject_id = ?", (subject_id,))
        return {
            r["condition"]: ObjectiveState(r["condition"], bool(r["met"]), date.fromisoformat(r["occurred_on"]))
            for r in rows
        }

    def latest_findings(self, subject_id: int) -> dict[int, Finding]:
        rows = self._all(_LATEST_FINDINGS + " AND subject_id = ?", (subject_id,))
        return {
            r["criterion"]: Finding(
                r["criterion"], r["severity"], r["answer"], date.fromisoformat(r["found_on"]), r["source_note"]
            )
            for r in rows
        }

    def objective_facts(
        self,
        subject_id: int | None = None,
    ) -> dict[int, list[ObjectiveFact]]:
        """Every objective record (of one subject, or of all), as dated facts, by subject."""
        where, params = _where_subject(subject_id)
        rows = self._all(
            "SELECT id, subject_id, condition, met, occurred_on, value, source_note FROM objective_records" + where,
            params,
        )
        result: dict[int, list[ObjectiveFact]] = {}
        for r in rows:
            result.setdefault(r["subject_id"], []).append(
                ObjectiveFact(
                    r["condition"],
                    bool(r["met"]),
                    date.fromisoformat(r["occurred_on"]),
                    r["value"],
                    r["source_note"],
                    r["id"],
                )
            )
        return result

    def criterion_records(
        self,
        subject_id: int | None = None,
    ) -> dict[int, list[CriterionRecord]]:
        """Every finding of criteria 20-35 (of one subject, or of all), dated by its source, by subject."""
        where, params = _where_subject(subject_id)
        rows = self._all(
            "SELECT id, subject_id, criterion, answer, found_on, source_note FROM findings" + where, params
        )
        result: dict[int, list[CriterionRecord]] = {}
        for r in rows:
            result.setdefault(r["subject_id"], []).append(
                CriterionRecord(
                    r["criterion"], Answer(r["answer"]), date.fromisoformat(r["found_on"]), r["source_note"], r["id"]
                )
            )
        return result
