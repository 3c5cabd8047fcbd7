"""Users, their roles and invitations."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bot.db.audit import record
from bot.db.clock import utc_now
from bot.db.database import Database, Transaction
from bot.roles import Role


@dataclass(frozen=True, slots=True)
class User:
    telegram_id: int
    role: Role
    language: str
    active: bool
    display_name: str | None
    full_name: str | None
    position: str | None
    created_at: str
    last_seen_at: str | None


def _user(row: sqlite3.Row) -> User:
    return User(
        telegram_id=row["telegram_id"],
        role=Role(row["role"]),
        language=row["language"],
        active=bool(row["active"]),
        display_name=row["display_name"],
        full_name=row["full_name"],
        position=row["position"],
        created_at=row["created_at"],
        last_seen_at=row["last_seen_at"],
    )


def load_user(c: sqlite3.Connection, telegram_id: int) -> User | None:
    row = c.execute("SELECT * FROM users WHERE telegram_id = ?", (telegram_id,)).fetchone()
    return _user(row) if row else None


class UserRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    @property
    def db(self) -> Database:
        return self._db

    async def get(self, telegram_id: int) -> User | None:
        return await self._db.call(load_user, telegram_id)

    async def list_all(self) -> list[User]:
        rows = await self._db.fetch_all("SELECT * FROM users ORDER BY active DESC, role, telegram_id")
        return [_user(row) for row in rows]

    async def ensure_admins(self, admin_ids: tuple[int, ...], language: str) -> None:
        """Admins named in the configuration exist, are active and are admins."""
        now = utc_now()
        async with self._db.transaction() as tx:
            for telegram_id in admin_ids:
                row = await tx.fetch_one("SELECT role, active FROM users WHERE telegram_id = ?", (telegram_id,))
                if row and row["role"] == Role.ADMIN and row["active"]:
                    continue
                await tx.execute(
                    "INSERT INTO users (telegram_id, role, language, active, created_at) VALUES (?, 'admin', ?, 1, ?)"
                    " ON CONFLICT (telegram_id) DO UPDATE SET role = 'admin', active = 1",
                    (telegram_id, language, now),
                )
                await record(tx, None, "user.admin_from_config", "user", telegram_id, {})

    async def touch(self, telegram_id: int, display_name: str | None) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE users SET last_seen_at = ?, display_name = COALESCE(?, display_name) WHERE telegram_id = ?",
                (utc_now(), display_name, telegram_id),
            )

    async def set_language(self, telegram_id: int, language: str) -> None:
        async with self._db.transaction() as tx:
            await tx.execute("UPDATE users SET language = ? WHERE telegram_id = ?", (language, telegram_id))

    async def set_role(self, actor_id: int, telegram_id: int, role: Role) -> bool:
        async with self._db.transaction() as tx:
            row = await tx.fetch_one("SELECT role FROM users WHERE telegram_id = ?", (telegram_id,))
            if row is None:
                return False
            await tx.execute("UPDATE users SET role = ?, active = 1 WHERE telegram_id = ?", (role, telegram_id))
            await record(tx, actor_id, "user.role", "user", telegram_id, {"from": row["role"], "to": role})
            return True

    async def set_active(self, actor_id: int, telegram_id: int, active: bool) -> bool:
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE users SET active = ? WHERE telegram_id = ?", (int(active), telegram_id)
            )
            if cursor.rowcount == 0:
                return False
            await record(tx, actor_id, "user.restore" if active else "user.revoke", "user", telegram_id, {})
            return True

    async def counts(self) -> dict[str, int]:
        rows = await self._db.fetch_all("SELECT role, count(*) AS n FROM users WHERE active = 1 GROUP BY role")
        return {row["role"]: row["n"] for row in rows}


def write_identity(c: sqlite3.Connection, telegram_id: int, full_name: str | None, position: str) -> None:
    """The inspector's name and position for the check sheet, offered again next time."""
    c.execute("UPDATE users SET full_name = ?, position = ? WHERE telegram_id = ?", (full_name, position, telegram_id))


async def remember_identity(tx: Transaction, telegram_id: int, full_name: str | None, position: str) -> None:
    await tx.call(write_identity, telegram_id, full_name, position)


@dataclass(frozen=True, slots=True)
class Invitation:
    token: str
    role: Role
    created_by: int
    created_at: str
    expires_at: str
    used_by: int | None
    used_at: str | None


async def add_invitation(tx: Transaction, token: str, role: Role, created_by: int, expires_at: str) -> None:
    await tx.execute(
        "INSERT INTO invitations (token, role, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        (token, role, created_by, utc_now(), expires_at),
    )


async def get_invitation(tx: Transaction, token: str) -> Invitation | None:
    row = await tx.fetch_one("SELECT * FROM invitations WHERE token = ?", (token,))
    if row is None:
        return None
    return Invitation(row["token"], Role(row["role"]), row["created_by"], row["created_at"], row["expires_at"],
                      row["used_by"], row["used_at"])


async def use_invitation(tx: Transaction, token: str, telegram_id: int) -> bool:
    """Mark the invitation used; False when it was used already (single use, even under a race)."""
    cursor = await tx.execute(
        "UPDATE invitations SET used_by = ?, used_at = ? WHERE token = ? AND used_by IS NULL",
        (telegram_id, utc_now(), token),
    )
    return cursor.rowcount == 1


async def add_or_restore_user(
    tx: Transaction, telegram_id: int, role: Role, language: str, display_name: str | None
) -> None:
    await tx.execute(
        "INSERT INTO users (telegram_id, role, language, active, display_name, created_at) VALUES (?, ?, ?, 1, ?, ?)"
        " ON CONFLICT (telegram_id) DO UPDATE SET role = excluded.role, active = 1",
        (telegram_id, role, language, display_name, utc_now()),
    )
