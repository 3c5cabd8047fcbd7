"""The inbox of polled updates (see migration 0008 and bot/polling.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.db.clock import utc_now
from bot.db.repository import Repository

KEEP_DONE = timedelta(days=1)  # longer than Telegram keeps an unconfirmed update redelivered to us


@dataclass(frozen=True, slots=True)
class Received:
    update_id: int
    chat_key: int | None
    payload: str


class InboxRepository(Repository):
    __slots__ = ()

    def store(self, batch: Iterable[Received]) -> list[int]:
        """Store a fetched batch; returns the ids that are new (a redelivered update is stored once)."""
        now = utc_now()
        new = []
        for update in batch:
            cursor = self._c.execute(
                "INSERT OR IGNORE INTO inbox (update_id, chat_key, payload, received_at) VALUES (?, ?, ?, ?)",
                (update.update_id, update.chat_key, update.payload, now),
            )
            if cursor.rowcount == 1:
                new.append(update.update_id)
        return new

    def mark_done(self, update_ids: Iterable[int]) -> None:
        now = utc_now()
        self._c.executemany("UPDATE inbox SET done_at = ? WHERE update_id = ?", [(now, i) for i in update_ids])

    def prune(self) -> int:
        """Forget done updates older than KEEP_DONE; returns how many."""
        edge = (datetime.now(UTC) - KEEP_DONE).isoformat(timespec="seconds")
        return self._c.execute("DELETE FROM inbox WHERE done_at IS NOT NULL AND done_at < ?", (edge,)).rowcount

    def pending(self) -> list[Received]:
        """Updates stored but not handled to the end, oldest first."""
        rows = self._c.execute(
            "SELECT update_id, chat_key, payload FROM inbox WHERE done_at IS NULL ORDER BY update_id"
        )
        return [Received(r["update_id"], r["chat_key"], r["payload"]) for r in rows.fetchall()]

    def count_pending(self) -> int:
        return self._c.execute("SELECT count(*) FROM inbox WHERE done_at IS NULL").fetchone()[0]
