"""What reminders and nudges read: who muted them, and which drafts have been left alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.db.clock import utc_now
from bot.db.repository import Repository, literal
from bot.statuses import InspectionStatus


@dataclass(frozen=True, slots=True)
class StaleDraft:
    inspection_id: int
    inspector_id: int
    subject_name: str | None
    subject_bin: str | None
    updated_at: str


class ReminderRepository(Repository):
    __slots__ = ()

    def mute(self, telegram_id: int, muted: bool) -> None:
        if muted:
            self._c.execute(
                "INSERT OR IGNORE INTO reminder_mutes (telegram_id, muted_at) VALUES (?, ?)", (telegram_id, utc_now())
            )
        else:
            self._c.execute("DELETE FROM reminder_mutes WHERE telegram_id = ?", (telegram_id,))

    def is_muted(self, telegram_id: int) -> bool:
        return self._one("SELECT 1 FROM reminder_mutes WHERE telegram_id = ?", (telegram_id,)) is not None

    def muted_ids(self) -> set[int]:
        return {r[0] for r in self._all("SELECT telegram_id FROM reminder_mutes")}

    def stale_drafts(self, untouched_since: datetime) -> list[StaleDraft]:
        """Drafts of active users not changed since the given time (one draft per inspector at most)."""
        rows = self._all(
            "SELECT i.id, i.inspector_id, i.subject_name, i.subject_bin, i.updated_at FROM inspections i"
            " JOIN users u ON u.telegram_id = i.inspector_id"
            " WHERE i.status = " + literal(InspectionStatus.DRAFT) + " AND i.updated_at < ? AND u.active = 1"
            " ORDER BY i.id",
            (untouched_since.isoformat(timespec="seconds"),),
        )
        return [
            StaleDraft(r["id"], r["inspector_id"], r["subject_name"], r["subject_bin"], r["updated_at"]) for r in rows
        ]
