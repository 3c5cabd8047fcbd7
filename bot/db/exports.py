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
    subject_id: int
    bin: str
    name: str
    control_kind: str | None
    region: str | None
    address: str | None
    last_finalized_at: str | None  # the latest finalized check sheet's finish (UTC ISO), as the card's history


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
    """Every subject, by name, with its latest finish (one indexed look-up each: inspections_subject_history)."""
    rows = await db.fetch_all(
        "SELECT id, bin, name, control_kind, region, address,"
        " (SELECT MAX(finalized_at) FROM inspections i WHERE i.subject_id = s.id AND i.status = 'finalized')"
        " AS last_finalized_at FROM subjects s ORDER BY name, bin")
    return [RegistryLine(*r) for r in rows]
