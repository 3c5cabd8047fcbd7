"""The outbox: every message the bot sends on its own, one row per recipient and occasion.

A row is written first (``enqueue``, in the caller's transaction); the sender (bot/outbox.py) claims it
(pending -> sending), sends it, and marks it (sent, failed, unreachable). A row found 'sending' at start-up
was interrupted between the send and the mark: it becomes 'unknown', is reported, and is never sent again.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.db.database import Database, Transaction
from bot.statuses import OutboxStatus


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


def _message(row: sqlite3.Row) -> OutboxMessage:
    return OutboxMessage(row["id"], row["key"], row["chat_id"], row["kind"], row["text"], row["markup"],
                         row["attempts"])


async def enqueue(tx: Transaction, key: str, chat_id: int, kind: str, text: str, markup: str | None = None) -> bool:
    """Add a message unless its key is there already (sent or not); True when it was added."""
    now = _now()
    cursor = await tx.execute(
        "INSERT OR IGNORE INTO outbox (key, chat_id, kind, text, markup, not_before, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (key, chat_id, kind, text, markup, now, now),
    )
    return cursor.rowcount == 1


class OutboxRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def enqueue(self, key: str, chat_id: int, kind: str, text: str, markup: str | None = None) -> bool:
        async with self._db.transaction() as tx:
            return await enqueue(tx, key, chat_id, kind, text, markup)

    async def recover(self) -> list[OutboxMessage]:
        """At start-up: rows left 'sending' by a crash become 'unknown' (reported, never repeated)."""
        async with self._db.transaction() as tx:
            rows = await tx.fetch_all("SELECT * FROM outbox WHERE status = ?", (OutboxStatus.SENDING,))
            await tx.execute("UPDATE outbox SET status = ?, done_at = ?,"
                             " error = 'interrupted between send and mark' WHERE status = ?",
                             (OutboxStatus.UNKNOWN, _now(), OutboxStatus.SENDING))
        return [_message(r) for r in rows]

    async def due(self, limit: int, skip_chats: set[int] | frozenset[int] = frozenset()) -> list[OutboxMessage]:
        """Pending rows whose time has come, oldest first (chats in ``skip_chats`` are left for later)."""
        rows = await self._db.fetch_all(
            "SELECT * FROM outbox WHERE status = ? AND not_before <= ? ORDER BY not_before, id LIMIT ?",
            (OutboxStatus.PENDING, _now(), limit + len(skip_chats)),
        )
        return [_message(r) for r in rows if r["chat_id"] not in skip_chats][:limit]

    async def next_due_in(self) -> float | None:
        """Seconds until the earliest pending row is due (0 when one is due now); None when none is pending."""
        row = await self._db.fetch_one("SELECT min(not_before) FROM outbox WHERE status = ?", (OutboxStatus.PENDING,))
        if row is None or row[0] is None:
            return None
        return max(0.0, (datetime.fromisoformat(row[0]) - datetime.now(UTC)).total_seconds())

    async def claim(self, message_id: int) -> bool:
        """pending -> sending; False when someone else has it or it is no longer pending."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE outbox SET status = ?, attempts = attempts + 1 WHERE id = ? AND status = ?",
                (OutboxStatus.SENDING, message_id, OutboxStatus.PENDING))
            return cursor.rowcount == 1

    async def mark_sent(self, message_id: int, telegram_message_id: int | None) -> None:
        await self._finish(message_id, OutboxStatus.SENT, None, telegram_message_id)

    async def mark_failed(self, message_id: int, error: str) -> None:
        await self._finish(message_id, OutboxStatus.FAILED, error, None)

    async def mark_unknown(self, message_id: int, error: str) -> None:
        await self._finish(message_id, OutboxStatus.UNKNOWN, error, None)

    async def mark_unreachable(self, message_id: int, chat_id: int, reason: str) -> None:
        async with self._db.transaction() as tx:
            await tx.execute("UPDATE outbox SET status = ?, done_at = ?, error = ? WHERE id = ?",
                             (OutboxStatus.UNREACHABLE, _now(), reason, message_id))
            await tx.execute("INSERT OR IGNORE INTO unreachable_chats (chat_id, since, reason) VALUES (?, ?, ?)",
                             (chat_id, _now(), reason))

    async def retry_later(self, message_id: int, seconds: float, error: str) -> None:
        """sending -> pending again, not before ``seconds`` from now (a 429, or a request that never left)."""
        async with self._db.transaction() as tx:
            await tx.execute("UPDATE outbox SET status = ?, not_before = ?, error = ? WHERE id = ?",
                             (OutboxStatus.PENDING, _later(seconds), error, message_id))

    async def _finish(self, message_id: int, status: OutboxStatus, error: str | None,
                      telegram_message_id: int | None) -> None:
        async with self._db.transaction() as tx:
            await tx.execute("UPDATE outbox SET status = ?, done_at = ?, error = ?, message_id = ? WHERE id = ?",
                             (status, _now(), error, telegram_message_id, message_id))

    async def is_unreachable(self, chat_id: int) -> bool:
        return await self._db.fetch_one("SELECT 1 FROM unreachable_chats WHERE chat_id = ?", (chat_id,)) is not None

    async def reachable_again(self, chat_id: int) -> None:
        """The person wrote to the bot: they unblocked it."""
        await self._db.execute_alone("DELETE FROM unreachable_chats WHERE chat_id = ?", (chat_id,))

    async def unreachable(self) -> list[Unreachable]:
        rows = await self._db.fetch_all("SELECT * FROM unreachable_chats ORDER BY since")
        return [Unreachable(r["chat_id"], r["since"], r["reason"]) for r in rows]

    async def counts(self) -> dict[OutboxStatus, int]:
        rows = await self._db.fetch_all("SELECT status, count(*) AS n FROM outbox GROUP BY status")
        return {OutboxStatus(r["status"]): r["n"] for r in rows}

    async def status_of(self, key: str) -> OutboxStatus | None:
        row = await self._db.fetch_one("SELECT status FROM outbox WHERE key = ?", (key,))
        return OutboxStatus(row["status"]) if row else None


# ---------------------------------------------------------------------------- errors for the admins


@dataclass(frozen=True, slots=True)
class ErrorCount:
    kind: str
    source: str
    count: int
    last: str


async def log_error(tx: Transaction, kind: str, source: str) -> None:
    await tx.execute("INSERT INTO error_log (occurred_at, kind, source) VALUES (?, ?, ?)", (_now(), kind, source))


async def errors_since(db: Database, since: datetime) -> list[ErrorCount]:
    rows = await db.fetch_all(
        "SELECT kind, source, count(*) AS n, max(occurred_at) AS last FROM error_log WHERE occurred_at >= ?"
        " GROUP BY kind, source ORDER BY last DESC",
        (since.isoformat(timespec="microseconds"),))
    return [ErrorCount(r["kind"], r["source"], r["n"], r["last"]) for r in rows]
