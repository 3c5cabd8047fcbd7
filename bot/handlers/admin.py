"""Administration: invitations, users and roles, status, backups, the audit log. Admins only (ADMINS in
bot/roles.py): the router is filtered, and a refusal router after it tells the others."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, FSInputFile, Message

from bot import __version__, menus
from bot.db.database import Database
from bot.db.users import User
from bot.handlers.busy import sending_file
from bot.handlers.filters import refuse_message, restricted
from bot.roles import ADMINS, Role
from bot.runtime import Runtime
from bot.services.access import AccessService
from bot.services.assessment import AssessmentService
from bot.services.backups import BackupService
from bot.services.exports import ExportService
from bot.services.inspections import InspectionService
from bot.services.outbox import OutboxService
from bot.services.reports import ReportService
from bot.texts import Texts

USERS_PER_MESSAGE = 15
STATUS_LINES = 20  # errors and unreachable chats shown by /status (a message holds 4096 characters)
ADMIN_COMMANDS = ("invite", "users", "role", "revoke", "restore", "status", "backup", "audit")


async def invite(
    message: Message,
    command: CommandObject,
    bot: Bot,
    user: User,
    t: Texts,
    access: AccessService,
    reports: ReportService,
) -> None:
    try:
        role = Role((command.args or "").strip().lower())
    except ValueError:
        await message.answer(t("invite_usage"))
        return
    invitation = await access.invite(user, role)
    me = await bot.me()
    link = f"https://t.me/{me.username}?start={invitation.token}"
    await message.answer(t("invite_created", link=link, role=role.value, expires=invitation.expires_at))


async def list_users(message: Message, t: Texts, access: AccessService, reports: ReportService) -> None:
    rows = [
        {
            "telegram_id": u.telegram_id,
            "display_name": u.display_name,
            "role": u.role.value,
            "active": u.active,
            "last_seen": u.last_seen_at,
        }
        for u in await access.users()
    ]
    # One message holds 4096 characters; a line is at most ~200 (names are up to 128): parts of 15.
    for start in range(0, len(rows), USERS_PER_MESSAGE):
        await message.answer(t("users_list", users=rows[start : start + USERS_PER_MESSAGE]))


def _user_id(args: str | None) -> int | None:
    first = (args or "").split()[:1]
    return int(first[0]) if first and first[0].isdigit() else None


async def set_role(
    message: Message, command: CommandObject, bot: Bot, user: User, t: Texts, access: AccessService, db: Database
) -> None:
    parts = (command.args or "").split()
    target = _user_id(command.args)
    try:
        role = Role(parts[1].lower()) if len(parts) == 2 else None
    except ValueError:
        role = None
    if target is None or role is None:
        await message.answer(t("role_usage"))
        return
    if not await access.set_role(user.telegram_id, target, role):
        await message.answer(t("user_not_found", user_id=target))
        return
    await menus.refresh(bot, db, target)
    await message.answer(t("role_set", user_id=target, role=role.value))


async def revoke(
    message: Message, command: CommandObject, bot: Bot, user: User, t: Texts, access: AccessService, db: Database
) -> None:
    target = _user_id(command.args)
    restore = command.command == "restore"
    if target is None:
        await message.answer(t("revoke_usage"))
        return
    if target == user.telegram_id and not restore:
        await message.answer(t("revoke_self"))
        return
    if not await access.set_active(user.telegram_id, target, restore):
        await message.answer(t("user_not_found", user_id=target))
        return
    await menus.refresh(bot, db, target)  # revoked: the chat's menu goes, the strangers' one shows
    if restore:
        target_user = await access.user(target)
        await message.answer(t("role_set", user_id=target, role=target_user.role.value))
    else:
        await message.answer(t("revoked", user_id=target))


async def status(
    message: Message,
    t: Texts,
    db: Database,
    access: AccessService,
    assessment: AssessmentService,
    inspections: InspectionService,
    runtime: Runtime,
    reports: ReportService,
    outbox: OutboxService,
) -> None:
    uptime = datetime.now(UTC) - runtime.started_at
    db_bytes = sum(p.stat().st_size for p in db.path.parent.glob(db.path.name + "*") if p.is_file())
    counts = await access.counts()
    next_run = runtime.next_backup()
    overview = t(
        "status",
        version=__version__,
        uptime=uptime,
        db_size=db_bytes,
        users=counts,
        subjects=await assessment.subject_count(),
        inspections=await inspections.counts(),
        next_backup=next_run,
    )
    errors = await outbox.errors_since(datetime.now(UTC) - timedelta(hours=24))
    unreachable = await outbox.unreachable()
    sending = t(
        "status_outbox",
        counts=await outbox.counts(),
        errors=[{"kind": e.kind, "source": e.source, "count": e.count, "last": e.last} for e in errors[:STATUS_LINES]],
        more_errors=max(0, len(errors) - STATUS_LINES),
        unreachable=[{"chat_id": u.chat_id, "since": u.since} for u in unreachable[:STATUS_LINES]],
        more_unreachable=max(0, len(unreachable) - STATUS_LINES),
    )
    await message.answer(t("joined", first=overview, second=sending))


async def send_backup(message: Message, t: Texts, backups: BackupService) -> None:
    latest = backups.latest()
    if latest is None:
        await message.answer(t("backup_none"))
    async with sending_file(message.bot, message.chat.id):
        if latest is None:
            latest = await backups.run()
        await message.answer_document(
            FSInputFile(latest, filename=latest.name), caption=t("backup_caption", name=latest.name)
        )


async def export_audit(message: Message, t: Texts, exports: ExportService) -> None:
    async with sending_file(message.bot, message.chat.id):
        data, count = await exports.audit_log(t, as_csv=True)
        await message.answer_document(
            BufferedInputFile(data, filename="audit-log.csv"), caption=t("audit_caption", count=count)
        )


def build_router() -> Router:
    """A fresh router (a router joins one dispatcher only): the admins' handlers, then the refusal."""
    admins = restricted("admin.admins", ADMINS)
    admins.message.register(invite, Command("invite"))
    admins.message.register(list_users, Command("users"))
    admins.message.register(set_role, Command("role"))
    admins.message.register(revoke, Command("revoke", "restore"))
    admins.message.register(status, Command("status"))
    admins.message.register(send_backup, Command("backup"))
    admins.message.register(export_audit, Command("audit"))
    refused = Router(name="admin.refused")
    refused.message.register(refuse_message("refusal", reason="forbidden"), Command(*ADMIN_COMMANDS))
    router = Router(name="admin")
    router.include_routers(admins, refused)
    return router
