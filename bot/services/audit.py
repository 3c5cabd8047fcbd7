"""The audit log as the handlers see it: an entry for an action that changes nothing else (an export, a
view of the figures), and the log itself. Changes record their entry in their own unit of work."""

from __future__ import annotations

from typing import Any

from bot.db.audit import AuditEntry
from bot.db.database import Database


class AuditService:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self, actor_id: int | None, action: str, object_type: str, object_id: object, details: dict[str, Any]
    ) -> None:
        await self._db.run(lambda r: r.audit.add(actor_id, action, object_type, object_id, details))

    async def entries(self, limit: int | None = None) -> list[AuditEntry]:
        return await self._db.call(lambda r: r.audit.entries(limit))
