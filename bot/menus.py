"""Command menus by role and language (setMyCommands), from the one table in bot/commands.py.

- Default scope, in Kazakh (language_code 'kk') and Russian (language_code 'ru' and any other): what a
  stranger may use, /start, /help and /lang.
- Per chat (BotCommandScopeChat): the person's role's commands in the person's language; set when they
  join, when their role or language changes, removed when access is revoked (the default menu shows again).
"""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bot.commands import commands_for
from bot.db.database import Database
from bot.db.users import User
from bot.roles import Role
from bot.texts import texts

log = logging.getLogger(__name__)
SYNC_PAUSE = 0.2  # between chats at start-up: menus are not urgent, answers to people are


def menu(role: Role | None, language: str) -> list[BotCommand]:
    t = texts(language)
    return [
        BotCommand(command=c.name, description=t.plain("command_description", name=c.name))
        for c in commands_for(role, menu=True)
    ]


def signature(user: User) -> str:
    return f"{user.role.value}:{user.language}" if user.active else ""


async def set_default_menus(bot: Bot) -> None:
    await bot.set_my_commands(menu(None, "kk"), scope=BotCommandScopeDefault(), language_code="kk")
    await bot.set_my_commands(menu(None, "ru"), scope=BotCommandScopeDefault(), language_code="ru")
    await bot.set_my_commands(menu(None, "ru"), scope=BotCommandScopeDefault())


async def set_chat_menu(bot: Bot, db: Database, user: User) -> None:
    """The person's menu as their role and language are now; removed when they have no access."""
    scope = BotCommandScopeChat(chat_id=user.telegram_id)
    try:
        if user.active:
            await bot.set_my_commands(menu(user.role, user.language), scope=scope)
        else:
            await bot.delete_my_commands(scope=scope)
    except TelegramAPIError as exc:  # e.g. a chat that never started the bot: the default menu stays
        log.info("menu of chat %s not set: %s", user.telegram_id, exc)
        return
    await db.run(lambda r: r.menus.remember(user.telegram_id, signature(user)))


async def refresh(bot: Bot, db: Database, telegram_id: int) -> None:
    user = await db.read(lambda r: r.users.get(telegram_id))
    if user is not None:
        await set_chat_menu(bot, db, user)


async def sync_menus(bot: Bot, db: Database) -> int:
    """At start-up: the default menus, then each chat whose menu is not the one its role and language call for."""
    await set_default_menus(bot)
    known, users = await db.read(lambda r: (r.menus.signatures(), r.users.list_all()))
    changed = 0
    for user in users:
        if known.get(user.telegram_id, "") != signature(user):
            await set_chat_menu(bot, db, user)
            changed += 1
            await asyncio.sleep(SYNC_PAUSE)
    return changed
