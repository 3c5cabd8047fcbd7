"""The connection, its pragmas, versioned migrations and transactions."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import aiosqlite

from bot.db.repos import Repos

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
CHECKPOINT_EVERY = 200  # units of work between two WAL checkpoints (SQLite's own default: 1000 pages)
# The units' connection (its short reads too): SQLite's write lock is taken only under our own write lock, so
# it waits only while another connection recovers the WAL index.
UNITS_BUSY_TIMEOUT_MS = 200
# The durability of a commit. WAL with synchronous=NORMAL: a commit is written to the WAL file but not
# fsync'ed; an application crash (kill -9) loses nothing, a power cut or an OS crash may lose the last
# commits (the database stays consistent). FULL would fsync the WAL at every commit (see README, "Speed").
SYNCHRONOUS = "NORMAL"

P = ParamSpec("P")
T = TypeVar("T")
# A unit of work: a synchronous function given the repositories of one connection (:class:`Repos`) first.
Work = Callable[Concatenate[Repos, P], T]


def migrations() -> list[tuple[int, str]]:
    """The migration scripts of ``bot/db/migrations`` as (version, sql), version = the file's number."""
    folder = resources.files("bot.db") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8")))
    return sorted(found)


class _Reader:
    """Work on aiosqlite's connection; shared by the database, an open transaction and a snapshot.

    ``call`` runs a unit of work of the repositories (the way services read and write); ``fetch_one``
    and ``fetch_all`` are raw SQL for the migrations and for checks from tests. Each is one hop to
    aiosqlite's worker thread, not three (execute, fetch, close): the hops, not SQLite, are most of a
    query's cost here (see bench/dispatcher.py).
    """

    _conn: aiosqlite.Connection

    async def call(self, fn: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn(repos, *args)`` on aiosqlite's thread: one hop, however many statements it runs.

        aiosqlite queues callables to its worker thread (``Connection._execute``, the same path every
        ``execute`` takes); ``fn`` gets the repositories over that thread's connection and must not await.
        For the reads that scan (a report, a ranking, an export): they leave the event loop free.
        """
        return await self._conn._execute(_with_repos, self._conn._conn, fn, args, kwargs)

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
        self._writer: Repos | None = None  # over the connection of the units of work, on the event loop (see run)
        self._since_checkpoint = 0

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        await conn.execute(f"PRAGMA synchronous={SYNCHRONOUS}")
        db = cls(conn, path)
        await db.migrate()
        db._writer = Repos(_open_writer(path))
        return db

    async def close(self) -> None:
        async with self._write_lock:
            if self._writer is not None:
                self._writer.conn.close()
                self._writer = None
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

    async def run(self, fn: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """A unit of work: ``fn(repos, *args)`` inside BEGIN IMMEDIATE ... COMMIT. Rolled back when
        ``fn`` raises; committed (and durable, see SYNCHRONOUS) before this returns, so a screen shown
        afterwards never shows an uncommitted answer.

        It runs right here, on the event loop, on a connection of its own, under the same write lock as
        every other writer of this process: no other transaction of ours is open, so SQLite's lock is
        free and the unit never waits. A unit is a few indexed statements and a commit that is not
        fsync'ed (tens to a couple of hundred microseconds); a hop to aiosqlite's thread costs more than
        that in thread switches (bench/dispatcher.py --profile). The WAL is checkpointed on aiosqlite's
        thread, never here (a checkpoint writes and syncs the database file).
        """
        async with self._write_lock:
            if self._writer is None:  # closed, or not opened through Database.open
                return await self._conn._execute(_in_transaction, Repos(self._conn._conn), fn, args, kwargs)
            result = _in_transaction(self._writer, fn, args, kwargs)
        await self._unit_done()
        return result

    async def run_one(self, fn: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """:meth:`run` for a unit of one statement: no BEGIN and COMMIT around it (SQLite makes a statement
        its own transaction, committed when it returns), two statements fewer. More than one statement here
        would not be atomic."""
        async with self._write_lock:
            if self._writer is None:  # closed, or not opened through Database.open
                return await self._conn._execute(_in_transaction, Repos(self._conn._conn), fn, args, kwargs)
            result = fn(self._writer, *args, **kwargs)
        await self._unit_done()
        return result

    async def _unit_done(self) -> None:
        """Count a unit; every ``CHECKPOINT_EVERY`` units, checkpoint the WAL on aiosqlite's thread."""
        self._since_checkpoint += 1
        if self._since_checkpoint >= CHECKPOINT_EVERY:
            self._since_checkpoint = 0
            await self._conn._execute(_checkpoint, self._conn._conn)

    async def read(self, fn: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Reads in one snapshot of what is committed, with no hop to aiosqlite's thread.

        They run right here, on the connection of the units of work (see :meth:`run`): a few indexed SELECTs
        (tens of microseconds) cost less than the two thread switches of a hop. That connection never holds a
        transaction open between two awaits (a unit runs whole, synchronously), and in WAL mode a read never
        waits for a writer. It is also the connection whose page cache is never stale: a second connection
        (this used to read on a read-only one) finds the file changed after every commit of the units, drops
        its cache and reads the pages again, which made the sender's one-row read about half again as slow.

        For short reads by key only (the sender and their draft, a screen); anything that scans goes through
        :meth:`call` on aiosqlite's thread. A read that writes is a bug: it is rolled back and raises.
        """
        if self._writer is None:  # closed, or not opened through Database.open
            return await self._conn._execute(_in_snapshot, Repos(self._conn._conn), fn, args, kwargs)
        return _in_snapshot(self._writer, fn, args, kwargs)

    async def read_one(self, fn: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """:meth:`read` for a work of one statement: no BEGIN and COMMIT around it (a statement is its own
        snapshot), two statements fewer. More than one statement here would not see one state. A read that
        writes is a bug: it raises (its one statement has committed by then)."""
        if self._writer is None:  # closed, or not opened through Database.open
            return await self._conn._execute(_in_snapshot, Repos(self._conn._conn), fn, args, kwargs)
        conn = self._writer.conn
        changes = conn.total_changes
        result = fn(self._writer, *args, **kwargs)
        if conn.total_changes != changes:
            raise ReadWrote(fn)
        return result

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Snapshot]:
        """Reads that see one committed state of the file, on a connection of their own (read-only).

        For the heavy reads that rank every subject (bot/db/risk_sources.py): the queries agree with each other
        even if the bot commits in between (WAL: one read transaction is one snapshot), and while they run
        the bot's own connection keeps serving everyone else; writers are not blocked. Changes this
        connection has not committed are not seen.
        """
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        try:
            await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA query_only=ON")
            await conn.execute("BEGIN")
            try:
                yield Snapshot(conn)
            finally:
                await conn.execute("ROLLBACK")
        finally:
            await conn.close()

    async def backup_to(self, target: Path) -> None:
        """An online, consistent copy through SQLite's backup API (safe while the bot writes).

        It reads through a connection of its own: the bot's connection may hold a write transaction
        open across awaits, and a backup from a connection that is writing never completes.
        In WAL mode the copy is one consistent snapshot and writers are not blocked.
        """
        target.parent.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(_copy_database, self.path, target)


class Transaction(_Reader):
    """Statements inside one open transaction (:meth:`Database.transaction`): ``call`` a unit of work of the
    repositories on aiosqlite's thread; raw statements are for the migrations and tests."""

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


def _with_repos(conn: sqlite3.Connection, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
    return fn(Repos(conn), *args, **kwargs)


def _in_transaction(repos: Repos, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
    conn = repos.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = fn(repos, *args, **kwargs)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return result


def _in_snapshot(repos: Repos, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
    conn = repos.conn
    if conn.in_transaction:  # inside another coroutine's open transaction (same connection): read there
        return fn(repos, *args, **kwargs)
    changes = conn.total_changes
    conn.execute("BEGIN")
    try:
        result = fn(repos, *args, **kwargs)
        if conn.total_changes != changes:
            raise ReadWrote(fn)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return result


class ReadWrote(RuntimeError):
    """A read (:meth:`Database.read`, :meth:`Database.read_one`) changed the file: writes go through ``run``."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        super().__init__(f"{getattr(fn, '__qualname__', fn)!r} wrote inside a read")


def _open_writer(path: Path) -> sqlite3.Connection:
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.row_factory = sqlite3.Row
    writer.execute("PRAGMA foreign_keys=ON")
    writer.execute(f"PRAGMA busy_timeout={UNITS_BUSY_TIMEOUT_MS}")
    writer.execute(f"PRAGMA synchronous={SYNCHRONOUS}")
    writer.execute("PRAGMA wal_autocheckpoint=0")  # checkpoints run on aiosqlite's thread (_checkpoint)
    return writer


def _checkpoint(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")


class Snapshot(_Reader):
    """Queries inside one read transaction of a connection of its own (:meth:`Database.snapshot`)."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn


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
