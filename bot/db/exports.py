"""What the spreadsheet exports read that no other repository gives: a year's check sheets with every answer,
the whole registry of subjects."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.inspections import FinalizedRow
from bot.db.repository import Repository, literal
from bot.statuses import InspectionStatus


@dataclass(frozen=True, slots=True)
class AnswerLine:
    inspection_id: int
    item: int
    criterion: int
    severity: str
    answer: str
    comment: str | None


@dataclass(frozen=True, slots=True)
class RegistryLine:
    subject_id: int
    bin: str
    name: str
    control_kind: str | None
    region: str | None
    address: str | None
    last_finalized_at: str | None  # the latest finalized check sheet's finish (UTC ISO), as the card's history


# A year's check sheets are those whose act date (the visit's local date, dd.mm.yyyy) falls in it (README
# "Readings of the order": the year of a visit is the Asia/Almaty year of its act date); a sheet without an act
# date counts in the local year of its finish. ``finalized_at`` bounds are that local year in UTC.
_OF_YEAR = (
    " i.status = " + literal(InspectionStatus.FINALIZED) + " AND (substr(i.act_date, 7, 4) = ?"
    " OR (i.act_date IS NULL AND i.finalized_at >= ? AND i.finalized_at < ?))"
)
_BY_ACT_DATE = (
    " ORDER BY substr(i.act_date, 7, 4) || substr(i.act_date, 4, 2) || substr(i.act_date, 1, 2), i.finalized_at, i.id"
)


class ExportRepository(Repository):
    __slots__ = ()

    def sheets_of_year(self, year: int, start_utc: str, end_utc: str) -> list[FinalizedRow]:
        """The finalized check sheets of a year by act date (see _OF_YEAR), in act-date order."""
        rows = self._all(
            "SELECT id, finalized_at, inspector_id, inspector_name, subject_bin, subject_name, act_number, act_date,"
            " indicator, risk_class, gross_rule_fired, catalogue_version FROM inspections i WHERE"
            + _OF_YEAR
            + _BY_ACT_DATE,
            (f"{year:04d}", start_utc, end_utc),
        )
        return [FinalizedRow(*r) for r in rows]

    def answers_of_year(self, year: int, start_utc: str, end_utc: str) -> list[AnswerLine]:
        """Every answer of a year's check sheets (by act date, see _OF_YEAR), by sheet and item."""
        rows = self._all(
            "SELECT a.inspection_id, a.item, a.criterion, a.severity, a.answer, a.comment FROM answers a"
            " JOIN inspections i ON i.id = a.inspection_id WHERE" + _OF_YEAR + _BY_ACT_DATE + ", a.item",
            (f"{year:04d}", start_utc, end_utc),
        )
        return [
            AnswerLine(r["inspection_id"], r["item"], r["criterion"], r["severity"], r["answer"], r["comment"])
            for r in rows
        ]

    def registry(self) -> list[RegistryLine]:
        """Every subject, by name, with its latest finish (one indexed look-up each: inspections_subject_history)."""
        rows = self._all(
            "SELECT id, bin, name, control_kind, region, address,"
            " (SELECT MAX(finalized_at) FROM inspections i WHERE i.subject_id = s.id AND i.status = "
            + literal(InspectionStatus.FINALIZED)
            + ") AS last_finalized_at FROM subjects s ORDER BY name, bin"
        )
        return [RegistryLine(*r) for r in rows]
