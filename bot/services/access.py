"""Who may use the bot: invitations (single use, expiring) and the roles admin, supervisor, inspector."""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from bot.db import users as repo
from bot.db.audit import record
from bot.db.database import Database
from bot.db.inspections import Inspection, load_draft
from bot.db.users import User, UserRepository
from bot.roles import Role

INVITATION_TTL = timedelta(days=7)


class InvitationProblem(StrEnum):
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class NewInvitation:
    token: str
    role: Role
    expires_at: datetime


class AccessService:
    def __init__(self, db: Database, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._db = db
        self._now = now
        self.users = UserRepository(db)

    async def sender(self, telegram_id: int) -> tuple[User | None, Inspection | None]:
        """Who wrote, and their open draft if any: one read for every update (the router's filters
        route on the draft's step without another query)."""
        return await self._db.read(_sender, telegram_id)

    async def invite(self, admin: User, role: Role, ttl: timedelta = INVITATION_TTL) -> NewInvitation:
        # 16 random bytes, URL-safe: fits the 64 characters Telegram allows in a /start parameter.
        token = secrets.token_urlsafe(16)
        expires_at = self._now() + ttl
        async with self._db.transaction() as tx:
            await repo.add_invitation(tx, token, role, admin.telegram_id, expires_at.isoformat(timespec="seconds"))
            await record(tx, admin.telegram_id, "invitation.create", "invitation", token[:6],
                         {"role": role, "expires_at": expires_at.isoformat(timespec="seconds")})
        return NewInvitation(token, role, expires_at)

    async def redeem(
        self, token: str, telegram_id: int, language: str, display_name: str | None
    ) -> User | InvitationProblem:
        async with self._db.transaction() as tx:
            invitation = await repo.get_invitation(tx, token)
            if invitation is None:
                return InvitationProblem.UNKNOWN
            if invitation.used_by is not None:
                return InvitationProblem.USED
            if datetime.fromisoformat(invitation.expires_at) <= self._now():
                return InvitationProblem.EXPIRED
            if not await repo.use_invitation(tx, token, telegram_id):
                return InvitationProblem.USED
            await repo.add_or_restore_user(tx, telegram_id, invitation.role, language, display_name)
            await record(tx, telegram_id, "invitation.redeem", "user", telegram_id,
                         {"role": invitation.role, "invited_by": invitation.created_by})
        return await self.users.get(telegram_id)


def _sender(c: sqlite3.Connection, telegram_id: int) -> tuple[User | None, Inspection | None]:
    user = repo.load_user(c, telegram_id)
    return user, (load_draft(c, telegram_id) if user is not None and user.active else None)
