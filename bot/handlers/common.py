"""/start, /help and /lang."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import CallbackQuery, Message

from bot import menus
from bot.commands import command_names
from bot.db.database import Database
from bot.db.inspections import Inspection
from bot.db.users import User
from bot.handlers.draft_screen import DraftPresenter
from bot.services.access import AccessService
from bot.services.inspections import InspectionService
from bot.services.outbox import OutboxService
from bot.texts import Texts, texts
from bot.ui import keyboards
from bot.ui.callbacks import LanguageAction


async def start(
    message: Message,
    bot: Bot,
    user: User,
    t: Texts,
    inspections: InspectionService,
    presenter: DraftPresenter,
    outbox: OutboxService,
    draft: Inspection | None = None,
) -> None:
    """Welcome; an inspector with a draft goes straight back to the next unanswered step."""
    await outbox.reachable_again(user.telegram_id)  # /start is what Telegram sends after an unblock
    view = await inspections.current(user) if draft is not None else None
    if view is not None:
        await presenter.show(bot, t, view, prefix=t("draft_exists"))
        return
    await message.answer(
        t("welcome", name=message.from_user.full_name, role=user.role.value, commands=command_names(user.role))
    )


async def help_(message: Message, user: User, t: Texts) -> None:
    """The commands this person's role may use, from the one table (bot/commands.py)."""
    await message.answer(t("help", role=user.role.value, commands=command_names(user.role)))


async def choose_language(message: Message, t: Texts) -> None:
    await message.answer(t("lang_prompt"), reply_markup=keyboards.languages())


async def set_language(
    callback: CallbackQuery, callback_data: LanguageAction, bot: Bot, user: User, access: AccessService, db: Database
) -> None:
    await access.set_language(user.telegram_id, callback_data.lang)
    await menus.refresh(bot, db, user.telegram_id)
    t = texts(callback_data.lang)
    await callback.answer()
    await callback.message.edit_text(t("lang_set"), reply_markup=None)


def build_router() -> Router:
    """A fresh router (a router joins one dispatcher only): handlers in the order they are tried."""
    router = Router(name="common")
    router.message.register(start, CommandStart())
    router.message.register(help_, Command("help"))
    router.message.register(choose_language, Command("lang"))
    router.callback_query.register(set_language, LanguageAction.filter())  # another language never parses
    return router
