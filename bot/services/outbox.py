"""The outbox as the sender (bot/outbox.py), the handlers and the admins' status see it: each call is one
unit of work of the outbox's repository (bot/db/outbox.py)."""

from __future__ import annotations

from datetime import datetime

from bot.db.database import Database
from bot.db.outbox import ErrorCount, OutboxMessage, Unreachable
from bot.statuses import OutboxStatus


class OutboxService:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def enqueue(self, key: str, chat_id: int, kind: str, text: str, markup: str | None = None) -> bool:
        """Add a message unless its key is there already; True when it was added."""
        return await self._db.run(lambda r: r.outbox.enqueue(key, chat_id, kind, text, markup))

    async def recover(self) -> list[OutboxMessage]:
        return await self._db.run(lambda r: r.outbox.recover())

    async def due(self, limit: int, skip_chats: set[int] | frozenset[int] = frozenset()) -> list[OutboxMessage]:
        return await self._db.read(lambda r: r.outbox.due(limit, skip_chats))

    async def next_due_in(self) -> float | None:
        return await self._db.read(lambda r: r.outbox.next_due_in())

    async def claim(self, message_id: int) -> bool:
        return await self._db.run(lambda r: r.outbox.claim(message_id))

    async def mark_sent(self, message_id: int, telegram_message_id: int | None) -> None:
        await self._db.run(lambda r: r.outbox.mark_sent(message_id, telegram_message_id))

    async def mark_failed(self, message_id: int, error: str) -> None:
        await self._db.run(lambda r: r.outbox.mark_failed(message_id, error))

    async def mark_unknown(self, message_id: int, error: str) -> None:
        await self._db.run(lambda r: r.outbox.mark_unknown(message_id, error))

    async def mark_unreachable(self, message_id: int, chat_id: int, reason: str) -> None:
        await self._db.run(lambda r: r.outbox.mark_unreachable(message_id, chat_id, reason))

    async def retry_later(self, message_id: int, seconds: float, error: str) -> None:
        await self._db.run(lambda r: r.outbox.retry_later(message_id, seconds, error))

    async def is_unreachable(self, chat_id: int) -> bool:
        return await self._db.read(lambda r: r.outbox.is_unreachable(chat_id))

    async def reachable_again(self, chat_id: int) -> None:
        """The person wrote to the bot: they unblocked it."""
        await self._db.run(lambda r: r.outbox.reachable_again(chat_id))

    async def unreachable(self) -> list[Unreachable]:
        return await self._db.read(lambda r: r.outbox.unreachable())

    async def counts(self) -> dict[OutboxStatus, int]:
        return await self._db.read(lambda r: r.outbox.counts())

    async def status_of(self, key: str) -> OutboxStatus | None:
        return await self._db.read(lambda r: r.outbox.status_of(key))

    async def errors_since(self, since: datetime) -> list[ErrorCount]:
        return await self._db.read(lambda r: r.outbox.errors_since(since))
