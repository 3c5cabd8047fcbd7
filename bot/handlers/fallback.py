"""What nothing else handled: buttons left over from before a restart, unknown commands, stray media."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from bot.commands import command_names
from bot.db.users import User
from bot.texts import Texts


async def unknown_button(callback: CallbackQuery, t: Texts) -> None:
    await callback.answer(t.plain("refusal", reason="unknown_button"), show_alert=False)


async def anything_else(message: Message, user: User, t: Texts) -> None:
    await message.answer(t("help", role=user.role.value, commands=command_names(user.role)))


def build_router() -> Router:
    """A fresh router (a router joins one dispatcher only): handlers in the order they are tried."""
    router = Router(name="fallback")
    router.callback_query.register(unknown_button)
    router.message.register(anything_else)
    return router
