"""The connection, its pragmas, versioned migrations and transactions."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


def migrations() -> list[tuple[int, str]]:
    """The migration scripts of ``bot/db/migrations`` as (version, sql), version = the file's number."""
    folder = resources.files("bot.db") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8")))
    return sorted(found)


class _Reader:
    """Queries that return rows; shared by the database and an open transaction.

    Each is one hop to aiosqlite's worker thread (``execute_fetchall``), not three (execute, fetch,
    close): the hops, not SQLite, are most of a query's cost here (see bench/dispatcher.py).
    """

    _conn: aiosqlite.Connection

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        rows = await self._conn.execute_fetchall(sql, tuple(params))
        return rows[0] if rows else None

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        return list(await self._conn.execute_fetchall(sql, tuple(params)))


class Database(_Reader):
    """One aiosqlite connection. Writes go through :meth:`transaction`, which serialises them.

    aiosqlite runs every statement on one worker thread, so statements never overlap; the lock makes a
    multi-statement change atomic with respect to other coroutines sharing this connection.
    """

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self._conn = connection
        self.path = path
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA synchronous=NORMAL")
        db = cls(conn, path)
        await db.migrate()
        return db

    async def close(self) -> None:
        async with self._write_lock:
            await self._conn.execute("PRAGMA optimize")
            await self._conn.close()

    async def schema_version(self) -> int:
        return (await self.fetch_one("PRAGMA user_version"))[0]

    async def migrate(self) -> None:
        """Apply every migration newer than ``PRAGMA user_version``, each in its own transaction.

        Foreign keys are off while migrations run (SQLite's procedure for rebuilding a table that others
        reference) and every migration must leave ``PRAGMA foreign_key_check`` empty before it commits.
        """
        current = await self.schema_version()
        pending = [(version, sql) for version, sql in migrations() if version > current]
        if not pending:
            return
        await self._conn.execute("PRAGMA foreign_keys=OFF")  # a no-op inside a transaction: set it before
        try:
            for version, sql in pending:
                async with self.transaction() as tx:
                    await tx.executescript_in_tx(sql)
                    broken = await tx.fetch_all("PRAGMA foreign_key_check")
                    if broken:
                        rows = [tuple(r) for r in broken]
                        raise sqlite3.IntegrityError(f"migration {version} breaks foreign keys: {rows}")
                    await tx.execute(f"PRAGMA user_version={version}")
                log.info("database migrated to version %s", version)
        finally:
            await self._conn.execute("PRAGMA foreign_keys=ON")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception."""
        async with self._write_lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield Transaction(self._conn)
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            else:
                await self._conn.execute("COMMIT")

    async def execute_alone(self, sql: str, params: Iterable[Any] = ()) -> None:
        """One statement in a transaction of its own (SQLite's autocommit): one hop instead of three.

        Taken under the write lock, so it never joins another coroutine's open transaction.
        """
        async with self._write_lock:
            await self._conn.execute(sql, tuple(params))

    async def backup_to(self, target: Path) -> None:
        """An online, consistent copy through SQLite's backup API (safe while the bot writes).

        It reads through a connection of its own: the bot's connection may hold a write transaction
        open across awaits, and a backup from a connection that is writing never completes.
        In WAL mode the copy is one consistent snapshot and writers are not blocked.
        """
        target.parent.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(_copy_database, self.path, target)


class Transaction(_Reader):
    """Statements inside one open transaction."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Cursor:
        """One statement; its cursor's ``rowcount`` and ``lastrowid`` are read without another hop."""
        return await self._conn.execute(sql, tuple(params))

    async def execute_many(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        await self._conn.executemany(sql, [tuple(row) for row in rows])

    async def executescript_in_tx(self, sql: str) -> None:
        """Run a migration script statement by statement (executescript would COMMIT on its own)."""
        for statement in _split_statements(sql):
            await self._conn.execute(statement)


def check_readable(path: Path) -> None:
    """Open the file read-only and read from it (the container's health check); raises sqlite3.Error."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        connection.execute("SELECT count(*) FROM users").fetchone()
    finally:
        connection.close()


def _copy_database(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # all pages in one step: one read snapshot
    finally:
        dst.close()
        src.close()


def _split_statements(sql: str) -> list[str]:
    statements, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        if line.strip().startswith("--") and not buffer.strip():
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
