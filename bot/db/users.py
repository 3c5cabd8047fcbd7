"""Users, their roles and invitations."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bot.db.clock import utc_now
from bot.db.repository import Repository
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


@dataclass(frozen=True, slots=True)
class Invitation:
    token: str
    role: Role
    created_by: int
    created_at: str
    expires_at: str
    used_by: int | None
    used_at: str | None


class UserRepository(Repository):
    __slots__ = ()

    def get(self, telegram_id: int) -> User | None:
        row = self._c.execute("SELECT * FROM users WHERE telegram_id = ?", (telegram_id,)).fetchone()
        return _user(row) if row else None

    def list_all(self) -> list[User]:
        return [_user(row) for row in self._all("SELECT * FROM users ORDER BY active DESC, role, telegram_id")]

    def counts(self) -> dict[str, int]:
        rows = self._all("SELECT role, count(*) AS n FROM users WHERE active = 1 GROUP BY role")
        return {row["role"]: row["n"] for row in rows}

    def make_admin(self, telegram_id: int, language: str) -> bool:
        """An admin named in the configuration exists, is active and is an admin; True when that changed."""
        row = self._one("SELECT role, active FROM users WHERE telegram_id = ?", (telegram_id,))
        if row and row["role"] == Role.ADMIN and row["active"]:
            return False
        self._c.execute(
            "INSERT INTO users (telegram_id, role, language, active, created_at) VALUES (?, 'admin', ?, 1, ?)"
            " ON CONFLICT (telegram_id) DO UPDATE SET role = 'admin', active = 1",
            (telegram_id, language, utc_now()),
        )
        return True

    def touch(self, telegram_id: int, display_name: str | None) -> None:
        self._c.execute(
            "UPDATE users SET last_seen_at = ?, display_name = COALESCE(?, display_name) WHERE telegram_id = ?",
            (utc_now(), display_name, telegram_id),
        )

    def set_language(self, telegram_id: int, language: str) -> None:
        self._c.execute("UPDATE users SET language = ? WHERE telegram_id = ?", (language, telegram_id))

    def set_role(self, telegram_id: int, role: Role) -> str | None:
        """The new role (the user is active again); returns the role before, None when there is no such user."""
        row = self._one("SELECT role FROM users WHERE telegram_id = ?", (telegram_id,))
        if row is None:
            return None
        self._c.execute("UPDATE users SET role = ?, active = 1 WHERE telegram_id = ?", (role, telegram_id))
        return row["role"]

    def set_active(self, telegram_id: int, active: bool) -> bool:
        """False when there is no such user."""
        cursor = self._c.execute("UPDATE users SET active = ? WHERE telegram_id = ?", (int(active), telegram_id))
        return cursor.rowcount == 1

    def remember_identity(self, telegram_id: int, full_name: str | None, position: str) -> None:
        """The inspector's name and position for the check sheet, offered again next time."""
        self._c.execute(
            "UPDATE users SET full_name = ?, position = ? WHERE telegram_id = ?", (full_name, position, telegram_id)
        )

    def add_or_restore(self, telegram_id: int, role: Role, language: str, display_name: str | None) -> None:
        self._c.execute(
            "INSERT INTO users (telegram_id, role, language, active, display_name, created_at)"
            " VALUES (?, ?, ?, 1, ?, ?) ON CONFLICT (telegram_id) DO UPDATE SET role = excluded.role, active = 1",
            (telegram_id, role, language, display_name, utc_now()),
        )

    def add_invitation(self, token: str, role: Role, created_by: int, expires_at: str) -> None:
        self._c.execute(
            "INSERT INTO invitations (token, role, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            (token, role, created_by, utc_now(), expires_at),
        )

    def invitation(self, token: str) -> Invitation | None:
        row = self._one("SELECT * FROM invitations WHERE token = ?", (token,))
        if row is None:
            return None
        return Invitation(
            row["token"],
            Role(row["role"]),
            row["created_by"],
            row["created_at"],
            row["expires_at"],
            row["used_by"],
            row["used_at"],
        )

    def use_invitation(self, token: str, telegram_id: int) -> bool:
        """Mark the invitation used; False when it was used already (single use, even under a race)."""
        cursor = self._c.execute(
            "UPDATE invitations SET used_by = ?, used_at = ? WHERE token = ? AND used_by IS NULL",
            (telegram_id, utc_now(), token),
        )
        return cursor.rowcount == 1
