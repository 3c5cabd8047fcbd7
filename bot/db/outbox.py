"""The outbox: every message the bot sends on its own, one row per recipient and occasion.

A row is written first (``enqueue``, in the caller's unit of work); the sender (bot/outbox.py) claims it
(pending -> sending), sends it, and marks it (sent, failed, unreachable). A row found 'sending' at start-up
was interrupted between the send and the mark: it becomes 'unknown', is reported, and is never sent again.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.db.repository import Repository, literal
from bot.statuses import OutboxStatus

PENDING, SENDING = literal(OutboxStatus.PENDING), literal(OutboxStatus.SENDING)  # filters: see literal()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _later(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat(timespec="microseconds")


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: int
    key: str
    chat_id: int
    kind: str
    text: str
    markup: str | None
    attempts: int


@dataclass(frozen=True, slots=True)
class Unreachable:
    chat_id: int
    since: str
    reason: str


@dataclass(frozen=True, slots=True)
class ErrorCount:
    kind: str
    source: str
    count: int
    last: str


def _message(row: sqlite3.Row) -> OutboxMessage:
    return OutboxMessage(
        row["id"], row["key"], row["chat_id"], row["kind"], row["text"], row["markup"], row["attempts"]
    )


class OutboxRepository(Repository):
    __slots__ = ()

    def enqueue(self, key: str, chat_id: int, kind: str, text: str, markup: str | None = None) -> bool:
        """Add a message unless its key is there already (sent or not); True when it was added."""
        now = _now()
        cursor = self._c.execute(
            "INSERT OR IGNORE INTO outbox (key, chat_id, kind, text, markup, not_before, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (key, chat_id, kind, text, markup, now, now),
        )
        return cursor.rowcount == 1

    def recover(self) -> list[OutboxMessage]:
        """At start-up: rows left 'sending' by a crash become 'unknown' (reported, never repeated)."""
        rows = self._all(f"SELECT * FROM outbox WHERE status = {SENDING}")
        self._c.execute(
            "UPDATE outbox SET status = ?, done_at = ?,"
            f" error = 'interrupted between send and mark' WHERE status = {SENDING}",
            (OutboxStatus.UNKNOWN, _now()),
        )
        return [_message(r) for r in rows]

    def due(self, limit: int, skip_chats: set[int] | frozenset[int] = frozenset()) -> list[OutboxMessage]:
        """Pending rows whose time has come, oldest first (chats in ``skip_chats`` are left for later)."""
        rows = self._all(
            f"SELECT * FROM outbox WHERE status = {PENDING} AND not_before <= ? ORDER BY not_before, id LIMIT ?",
            (_now(), limit + len(skip_chats)),
        )
        return [_message(r) for r in rows if r["chat_id"] not in skip_chats][:limit]

    def next_due_in(self) -> float | None:
        """Seconds until the earliest pending row is due (0 when one is due now); None when none is pending."""
        row = self._one(f"SELECT min(not_before) FROM outbox WHERE status = {PENDING}")
        if row is None or row[0] is None:
            return None
        return max(0.0, (datetime.fromisoformat(row[0]) - datetime.now(UTC)).total_seconds())

    def claim(self, message_id: int) -> bool:
        """pending -> sending; False when someone else has it or it is no longer pending."""
        cursor = self._c.execute(
            f"UPDATE outbox SET status = ?, attempts = attempts + 1 WHERE id = ? AND status = {PENDING}",
            (OutboxStatus.SENDING, message_id),
        )
        return cursor.rowcount == 1

    def mark_sent(self, message_id: int, telegram_message_id: int | None) -> None:
        self._finish(message_id, OutboxStatus.SENT, None, telegram_message_id)

    def mark_failed(self, message_id: int, error: str) -> None:
        self._finish(message_id, OutboxStatus.FAILED, error, None)

    def mark_unknown(self, message_id: int, error: str) -> None:
        self._finish(message_id, OutboxStatus.UNKNOWN, error, None)

    def mark_unreachable(self, message_id: int, chat_id: int, reason: str) -> None:
        self._c.execute(
            "UPDATE outbox SET status = ?, done_at = ?, error = ? WHERE id = ?",
            (OutboxStatus.UNREACHABLE, _now(), reason, message_id),
        )
        self._c.execute(
            "INSERT OR IGNORE INTO unreachable_chats (chat_id, since, reason) VALUES (?, ?, ?)",
            (chat_id, _now(), reason),
        )

    def retry_later(self, message_id: int, seconds: float, error: str) -> None:
        """sending -> pending again, not before ``seconds`` from now (a 429, or a request that never left)."""
        self._c.execute(
            "UPDATE outbox SET status = ?, not_before = ?, error = ? WHERE id = ?",
            (OutboxStatus.PENDING, _later(seconds), error, message_id),
        )

    def _finish(
        self, message_id: int, status: OutboxStatus, error: str | None, telegram_message_id: int | None
    ) -> None:
        self._c.execute(
            "UPDATE outbox SET status = ?, done_at = ?, error = ?, message_id = ? WHERE id = ?",
            (status, _now(), error, telegram_message_id, message_id),
        )

    def is_unreachable(self, chat_id: int) -> bool:
        return self._one("SELECT 1 FROM unreachable_chats WHERE chat_id = ?", (chat_id,)) is not None

    def reachable_again(self, chat_id: int) -> None:
        """The person wrote to the bot: they unblocked it."""
        self._c.execute("DELETE FROM unreachable_chats WHERE chat_id = ?", (chat_id,))

    def unreachable(self) -> list[Unreachable]:
        rows = self._all("SELECT * FROM unreachable_chats ORDER BY since")
        return [Unreachable(r["chat_id"], r["since"], r["reason"]) for r in rows]

    def counts(self) -> dict[OutboxStatus, int]:
        rows = self._all("SELECT status, count(*) AS n FROM outbox GROUP BY status")
        return {OutboxStatus(r["status"]): r["n"] for r in rows}

    def status_of(self, key: str) -> OutboxStatus | None:
        row = self._one("SELECT status FROM outbox WHERE key = ?", (key,))
        return OutboxStatus(row["status"]) if row else None

    # errors for the admins (see bot/alerts.py)

    def log_error(self, kind: str, source: str) -> None:
        self._c.execute("INSERT INTO error_log (occurred_at, kind, source) VALUES (?, ?, ?)", (_now(), kind, source))

    def errors_since(self, since: datetime) -> list[ErrorCount]:
        rows = self._all(
            "SELECT kind, source, count(*) AS n, max(occurred_at) AS last FROM error_log WHERE occurred_at >= ?"
            " GROUP BY kind, source ORDER BY last DESC",
            (since.isoformat(timespec="microseconds"),),
        )
        return [ErrorCount(r["kind"], r["source"], r["n"], r["last"]) for r in rows]
