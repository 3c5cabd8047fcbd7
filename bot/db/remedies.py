"""Follow-up on violations (issue 14 item 4): remedy deadlines of finalized sheets, open until closed."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bot.db.clock import utc_now
from bot.db.repository import Repository


@dataclass(frozen=True, slots=True)
class Remedy:
    id: int
    inspection_id: int
    inspector_id: int
    item: int
    due_on: str  # ISO date
    subject_bin: str
    subject_name: str
    closed_at: str | None
    closed_how: str | None


_SELECT = (
    "SELECT r.id, r.inspection_id, r.inspector_id, r.item, r.due_on, r.closed_at, r.closed_how, s.bin, s.name"
    " FROM remedies r JOIN subjects s ON s.id = r.subject_id"
)


def _remedy(r: sqlite3.Row) -> Remedy:
    return Remedy(
        r["id"],
        r["inspection_id"],
        r["inspector_id"],
        r["item"],
        r["due_on"],
        r["bin"],
        r["name"],
        r["closed_at"],
        r["closed_how"],
    )


class RemedyRepository(Repository):
    __slots__ = ()

    def add(self, inspection_id: int, subject_id: int, inspector_id: int, due_by_item: dict[int, str]) -> None:
        """One open item per violation given a deadline, at finalization."""
        self._c.executemany(
            "INSERT OR IGNORE INTO remedies (inspection_id, subject_id, inspector_id, item, due_on)"
            " VALUES (?, ?, ?, ?, ?)",
            [(inspection_id, subject_id, inspector_id, item, due) for item, due in sorted(due_by_item.items())],
        )

    def close_by_sheet(self, subject_id: int, inspection_id: int, user_id: int, complying: set[int]) -> list[Remedy]:
        """Close the subject's open items whose requirement this later finalized sheet finds complying."""
        if not complying:
            return []
        marks = ",".join("?" * len(complying))
        rows = self._c.execute(
            _SELECT + f" WHERE r.subject_id = ? AND r.closed_at IS NULL AND r.inspection_id != ?"
            f" AND r.item IN ({marks}) ORDER BY r.id",
            (subject_id, inspection_id, *sorted(complying)),
        )
        found = [_remedy(r) for r in rows.fetchall()]
        now = utc_now()
        self._c.executemany(
            "UPDATE remedies SET closed_at = ?, closed_by = ?, closed_how = 'later_sheet',"
            " closing_inspection_id = ? WHERE id = ? AND closed_at IS NULL",
            [(now, user_id, inspection_id, r.id) for r in found],
        )
        return found

    def get(self, remedy_id: int) -> Remedy | None:
        row = self._c.execute(_SELECT + " WHERE r.id = ?", (remedy_id,)).fetchone()
        return _remedy(row) if row else None

    def close_remedied(self, remedy_id: int, user_id: int) -> bool:
        cursor = self._c.execute(
            "UPDATE remedies SET closed_at = ?, closed_by = ?, closed_how = 'remedied'"
            " WHERE id = ? AND closed_at IS NULL",
            (utc_now(), user_id, remedy_id),
        )
        return cursor.rowcount == 1

    def open_of_subject(self, bin_: str) -> list[Remedy]:
        rows = self._all(_SELECT + " WHERE s.bin = ? AND r.closed_at IS NULL ORDER BY r.due_on, r.item", (bin_,))
        return [_remedy(r) for r in rows]

    def due_unreminded(self, today: str) -> list[Remedy]:
        rows = self._c.execute(
            _SELECT + " WHERE r.closed_at IS NULL AND r.reminded_on IS NULL AND r.due_on <= ? ORDER BY r.id", (today,)
        )
        return [_remedy(r) for r in rows.fetchall()]

    def mark_reminded(self, remedy_id: int, today: str) -> None:
        self._c.execute("UPDATE remedies SET reminded_on = ? WHERE id = ?", (today, remedy_id))
