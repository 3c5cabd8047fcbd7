"""What the spreadsheet exports read that no other repository gives: every answer of a year's check sheets,
the whole registry of subjects."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.database import Database


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
    bin: str
    name: str
    control_kind: str | None
    region: str | None
    address: str | None
    has_records: bool  # a check sheet, a finding or an objective record: the card has figures to show


async def answers_between(db: Database, start_utc: str, end_utc: str) -> list[AnswerLine]:
    """Every answer of the check sheets finalized in [start, end), by sheet and item."""
    rows = await db.fetch_all(
        "SELECT a.inspection_id, a.item, a.criterion, a.severity, a.answer, a.comment FROM answers a"
        " JOIN inspections i ON i.id = a.inspection_id WHERE i.status = 'finalized'"
        " AND i.finalized_at >= ? AND i.finalized_at < ? ORDER BY i.finalized_at, i.id, a.item",
        (start_utc, end_utc))
    return [AnswerLine(r["inspection_id"], r["item"], r["criterion"], r["severity"], r["answer"], r["comment"])
            for r in rows]


async def registry(db: Database) -> list[RegistryLine]:
    rows = await db.fetch_all(
        "SELECT bin, name, control_kind, region, address,"
        " EXISTS (SELECT 1 FROM inspections i WHERE i.subject_id = s.id AND i.status = 'finalized')"
        " OR EXISTS (SELECT 1 FROM findings f WHERE f.subject_id = s.id)"
        " OR EXISTS (SELECT 1 FROM objective_records o WHERE o.subject_id = s.id) AS has_records"
        " FROM subjects s ORDER BY name, bin")
    return [RegistryLine(r["bin"], r["name"], r["control_kind"], r["region"], r["address"], bool(r["has_records"]))
            for r in rows]
