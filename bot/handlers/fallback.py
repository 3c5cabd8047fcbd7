"""What nothing else handled: buttons left over from before a restart, unknown commands, stray media."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from bot.db.users import User
from bot.texts import Texts

router = Router(name="fallback")


@router.callback_query()
async def unknown_button(callback: CallbackQuery, t: Texts) -> None:
    await callback.answer(t.plain("refusal", reason="unknown_button"), show_alert=False)


@router.message()
async def anything_else(message: Message, user: User, t: Texts) -> None:
    await message.answer(t("help", role=user.role.value))
