"""A subject's risk degree from every source: the objective conditions, the latest check sheet,
and findings of criteria 20-35 from complaints, reporting, web and media analysis, public monitoring."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.catalogue import Catalogue
from bot.db import findings as repo
from bot.db import inspections as inspections_repo
from bot.db.audit import record
from bot.db.database import Database
from bot.db.findings import Finding, ObjectiveState
from bot.db.subjects import PastInspection, Subject, SubjectRepository, upsert_subject
from bot.db.users import User
from bot.scoring import Answer
from bot.scoring.engine import SubjectRisk, subject_risk

OTHER_SOURCES = range(20, 36)  # criteria 20-35: not on the check sheet


class AssessmentProblem(StrEnum):
    UNKNOWN_SUBJECT = "unknown_subject"
    NOT_A_CONDITION = "not_a_condition"
    NOT_OTHER_SOURCE = "not_other_source"


@dataclass(frozen=True, slots=True)
class SubjectAssessment:
    subject: Subject
    history: tuple[PastInspection, ...]
    objective: dict[int, ObjectiveState]
    findings: dict[int, Finding]
    risk: SubjectRisk

    @property
    def objective_met(self) -> list[int]:
        return sorted(n for n, state in self.objective.items() if state.met)


class AssessmentService:
    def __init__(self, db: Database, catalogue: Catalogue, today: Callable[[], date]) -> None:
        self._db = db
        self._catalogue = catalogue
        self._today = today
        self._subjects = SubjectRepository(db)

    @property
    def catalogue(self) -> Catalogue:
        return self._catalogue

    async def of_bin(self, bin_: str) -> SubjectAssessment | None:
        card = await self._subjects.card(bin_)
        if card is None:
            return None
        objective = await repo.latest_objective(self._db, card.subject.id)
        findings = await repo.latest_findings(self._db, card.subject.id)
        risk = await self.risk(card.latest.id if card.latest else None, findings, objective)
        return SubjectAssessment(card.subject, card.history, objective, findings, risk)

    async def risk(self, inspection_id: int | None, findings: dict[int, Finding],
                   objective: dict[int, ObjectiveState]) -> SubjectRisk:
        """The risk from the given sources: the check sheet's stored answers and the latest records."""
        answers = await inspections_repo.answers(self._db, inspection_id) if inspection_id is not None else {}
        return subject_risk([a.evaluation for a in answers.values()], [f.evaluation for f in findings.values()],
                            {n: s.met for n, s in objective.items()}, self._catalogue.constants)

    async def register(self, user: User, bin_: str, name: str, kind: str) -> None:
        """A subject not visited yet, so that other sources can be recorded for it."""
        async with self._db.transaction() as tx:
            await upsert_subject(tx, bin_, name, kind, None)
            await record(tx, user.telegram_id, "subject.register", "subject", bin_, {"name": name})

    async def set_objective(self, user: User, bin_: str, condition: int, met: bool) -> AssessmentProblem | None:
        if not 1 <= condition <= len(self._catalogue.objective):
            return AssessmentProblem.NOT_A_CONDITION
        subject = await self._subjects.by_bin(bin_)
        if subject is None:
            return AssessmentProblem.UNKNOWN_SUBJECT
        async with self._db.transaction() as tx:
            await repo.add_objective(tx, subject.id, condition, met, self._today(), user.telegram_id)
            await record(tx, user.telegram_id, "objective.record", "subject", bin_,
                         {"condition": condition, "met": met})
        return None

    async def set_finding(self, user: User, bin_: str, criterion: int, answer: Answer) -> AssessmentProblem | None:
        if criterion not in OTHER_SOURCES:
            return AssessmentProblem.NOT_OTHER_SOURCE
        subject = await self._subjects.by_bin(bin_)
        if subject is None:
            return AssessmentProblem.UNKNOWN_SUBJECT
        severity = self._catalogue.criteria[criterion].severity
        async with self._db.transaction() as tx:
            await repo.add_finding(tx, subject.id, criterion, severity.value, answer.value, self._today(),
                                   user.telegram_id)
            await record(tx, user.telegram_id, "finding.record", "subject", bin_,
                         {"criterion": criterion, "answer": answer.value})
        return None
