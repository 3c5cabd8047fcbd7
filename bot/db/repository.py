"""The base of every repository: SQL over one plain ``sqlite3.Connection``, synchronous."""

from __future__ import annotations

import sqlite3
from enum import StrEnum


def literal(status: StrEnum) -> str:
    """A status as an SQL literal, for a filter (``WHERE status = 'draft'``), never a bound parameter.

    SQLite can use a partial index (``... ON inspections (inspector_id) WHERE status = 'draft'``) for a
    literal only; for a bound value it compiles the statement again at every run, to see whether the value
    matches the index. That tripled the draft look-up every update makes. The values are our enums' own,
    never input, so writing them into the SQL is safe; assignments (``SET status = ?``) stay parameters.
    """
    return "'" + status.value.replace("'", "''") + "'"


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

    def _tuple(self, sql: str, params: tuple | list = ()) -> tuple | None:
        """One row as a plain tuple (see ``_tuples``), for a row read by key at every tap."""
        cursor = self._c.cursor()
        cursor.row_factory = None
        return cursor.execute(sql, params).fetchone()

    def _tuples(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        """Rows as plain tuples, for the reads of many rows that unpack each one (every subject's sources):
        a ``sqlite3.Row`` per row costs time and memory that a name lookup never pays back there."""
        cursor = self._c.cursor()
        cursor.row_factory = None
        return cursor.execute(sql, params).fetchall()
