"""The base of every repository: SQL over one plain ``sqlite3.Connection``, synchronous."""

from __future__ import annotations

import sqlite3


class Repository:
    """A repository's methods run inside the caller's unit of work (see bot/db/repos.py): they never
    begin or commit, and never await; ``_c`` is the connection of that unit."""

    __slots__ = ("_c",)

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._c = connection

    def _all(self, sql: str, params: tuple | list = ()) -> list[sqlite3.Row]:
        return self._c.execute(sql, params).fetchall()

    def _one(self, sql: str, params: tuple | list = ()) -> sqlite3.Row | None:
        return self._c.execute(sql, params).fetchone()
