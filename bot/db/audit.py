"""The audit log: every change of access, finalized inspection, approval and import."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.db.clock import utc_now
from bot.db.repository import Repository


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: str
    actor_id: int | None
    action: str
    object_type: str | None
    object_id: str | None
    details: dict[str, Any]


class AuditRepository(Repository):
    __slots__ = ()

    def add(
        self, actor_id: int | None, action: str, object_type: str, object_id: object, details: dict[str, Any]
    ) -> None:
        """An entry, committed with the change it records (the caller's unit of work)."""
        self._c.execute(
            "INSERT INTO audit_log (at, actor_id, action, object_type, object_id, details) VALUES (?, ?, ?, ?, ?, ?)",
            (utc_now(), actor_id, action, object_type, str(object_id), json.dumps(details, ensure_ascii=False)),
        )

    def entries(self, limit: int | None = None) -> list[AuditEntry]:
        sql = "SELECT * FROM audit_log ORDER BY id DESC"
        params: tuple[Any, ...] = ()
        if limit is not None:
            sql += " LIMIT ?"
            params = (limit,)
        return [
            AuditEntry(
                r["id"],
                r["at"],
                r["actor_id"],
                r["action"],
                r["object_type"],
                r["object_id"],
                json.loads(r["details"] or "{}"),
            )
            for r in self._c.execute(sql, params).fetchall()
        ]
