"""The audit log: every change of access, finalized inspection, approval and import."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.db.clock import utc_now

if TYPE_CHECKING:
    from bot.db.database import Database, Transaction


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: str
    actor_id: int | None
    action: str
    object_type: str | None
    object_id: str | None
    details: dict[str, Any]


def write_entry(
    c: sqlite3.Connection, actor_id: int | None, action: str, object_type: str, object_id: object,
    details: dict[str, Any],
) -> None:
    """An entry inside a unit of work (see Database.run), committed with the change it records."""
    c.execute(
        "INSERT INTO audit_log (at, actor_id, action, object_type, object_id, details) VALUES (?, ?, ?, ?, ?, ?)",
        (utc_now(), actor_id, action, object_type, str(object_id), json.dumps(details, ensure_ascii=False)),
    )


async def record(
    tx: Transaction, actor_id: int | None, action: str, object_type: str, object_id: object, details: dict[str, Any]
) -> None:
    """Add an entry inside the caller's transaction, so the change and its record commit together."""
    await tx.call(write_entry, actor_id, action, object_type, object_id, details)


class AuditRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, actor_id: int | None, action: str, object_type: str, object_id: object,
                  details: dict[str, Any]) -> None:
        """An entry of its own (for actions that change nothing else, e.g. an export)."""
        async with self._db.transaction() as tx:
            await record(tx, actor_id, action, object_type, object_id, details)

    async def entries(self, limit: int | None = None) -> list[AuditEntry]:
        sql = "SELECT * FROM audit_log ORDER BY id DESC"
        params: tuple[Any, ...] = ()
        if limit is not None:
            sql += " LIMIT ?"
            params = (limit,)
        rows = await self._db.fetch_all(sql, params)
        return [
            AuditEntry(r["id"], r["at"], r["actor_id"], r["action"], r["object_type"], r["object_id"],
                       json.loads(r["details"] or "{}"))
            for r in rows
        ]
