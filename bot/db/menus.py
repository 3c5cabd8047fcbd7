"""Which command menu each chat was given last (so a start-up sets only the menus that changed)."""

from __future__ import annotations

from bot.db.clock import utc_now
from bot.db.repository import Repository


class MenuRepository(Repository):
    __slots__ = ()

    def signatures(self) -> dict[int, str]:
        return {r["chat_id"]: r["signature"] for r in self._all("SELECT chat_id, signature FROM chat_menus")}

    def remember(self, chat_id: int, signature: str) -> None:
        self._c.execute(
            "INSERT INTO chat_menus (chat_id, signature, set_at) VALUES (?, ?, ?)"
            " ON CONFLICT (chat_id) DO UPDATE SET signature = excluded.signature, set_at = excluded.set_at",
            (chat_id, signature, utc_now()),
        )
