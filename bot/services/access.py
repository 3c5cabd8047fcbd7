"""Who may use the bot: invitations (single use, expiring) and the roles admin, supervisor, inspector."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from bot.db.database import Database
from bot.db.inspections import Inspection
from bot.db.repos import Repos
from bot.db.users import User
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

    async def sender(self, telegram_id: int, *, with_draft: bool = True) -> tuple[User | None, Inspection | None]:
        """Who wrote, and their open draft if any (the router's filters route on the draft's step without
        another query). Each is one statement, not one snapshot: the draft only routes the update, and the
        unit of work that handles it reads the draft again under the write lock."""
        user = await self._db.read_one(lambda r: r.users.get(telegram_id))
        if not with_draft or user is None or not user.active:
            return user, None
        return user, await self._db.read_one(lambda r: r.inspections.draft_of(telegram_id))

    async def user(self, telegram_id: int) -> User | None:
        return await self._db.read(lambda r: r.users.get(telegram_id))

    async def users(self) -> list[User]:
        return await self._db.read(lambda r: r.users.list_all())

    async def counts(self) -> dict[str, int]:
        """Active users by role."""
        return await self._db.read(lambda r: r.users.counts())

    async def ensure_admins(self, admin_ids: tuple[int, ...], language: str) -> None:
        """Admins named in the configuration exist, are active and are admins."""
        await self._db.run(_ensure_admins, admin_ids, language)

    async def touch(self, telegram_id: int, display_name: str | None) -> None:
        await self._db.run(lambda r: r.users.touch(telegram_id, display_name))

    async def set_language(self, telegram_id: int, language: str) -> None:
        await self._db.run(lambda r: r.users.set_language(telegram_id, language))

    async def set_role(self, actor_id: int, telegram_id: int, role: Role) -> bool:
        """False when there is no such user."""
        return await self._db.run(_set_role, actor_id, telegram_id, role)

    async def set_active(self, actor_id: int, telegram_id: int, active: bool) -> bool:
        """Revoke or restore access; False when there is no such user."""
        return await self._db.run(_set_active, actor_id, telegram_id, active)

    async def invite(self, admin: User, role: Role, ttl: timedelta = INVITATION_TTL) -> NewInvitation:
        # 16 random bytes, URL-safe: fits the 64 characters Telegram allows in a /start parameter.
        token = secrets.token_urlsafe(16)
        expires_at = self._now() + ttl
        await self._db.run(_invite, admin, token, role, expires_at.isoformat(timespec="seconds"))
        return NewInvitation(token, role, expires_at)

    async def redeem(
        self, token: str, telegram_id: int, language: str, display_name: str | None
    ) -> User | InvitationProblem:
        return await self._db.run(self._redeem, token, telegram_id, language, display_name)

    def _redeem(
        self, r: Repos, token: str, telegram_id: int, language: str, display_name: str | None
    ) -> User | InvitationProblem:
        invitation = r.users.invitation(token)
        if invitation is None:
            return InvitationProblem.UNKNOWN
        if invitation.used_by is not None:
            return InvitationProblem.USED
        if datetime.fromisoformat(invitation.expires_at) <= self._now():
            return InvitationProblem.EXPIRED
        if not r.users.use_invitation(token, telegram_id):
            return InvitationProblem.USED
        r.users.add_or_restore(telegram_id, invitation.role, language, display_name)
        r.audit.add(
            telegram_id,
            "invitation.redeem",
            "user",
            telegram_id,
            {"role": invitation.role, "invited_by": invitation.created_by},
        )
        return r.users.get(telegram_id)


def _ensure_admins(r: Repos, admin_ids: tuple[int, ...], language: str) -> None:
    for telegram_id in admin_ids:
        if r.users.make_admin(telegram_id, language):
            r.audit.add(None, "user.admin_from_config", "user", telegram_id, {})


def _set_role(r: Repos, actor_id: int, telegram_id: int, role: Role) -> bool:
    before = r.users.set_role(telegram_id, role)
    if before is None:
        return False
    r.audit.add(actor_id, "user.role", "user", telegram_id, {"from": before, "to": role})
    return True


def _set_active(r: Repos, actor_id: int, telegram_id: int, active: bool) -> bool:
    if not r.users.set_active(telegram_id, active):
        return False
    r.audit.add(actor_id, "user.restore" if active else "user.revoke", "user", telegram_id, {})
    return True


def _invite(r: Repos, admin: User, token: str, role: Role, expires_at: str) -> None:
    r.users.add_invitation(token, role, admin.telegram_id, expires_at)
    r.audit.add(
        admin.telegram_id, "invitation.create", "invitation", token[:6], {"role": role, "expires_at": expires_at}
    )
