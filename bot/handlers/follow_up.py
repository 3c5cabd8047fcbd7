"""Follow-up on violations: "remedied" on a remedy-deadline reminder closes the item (audited)."""

from __future__ import annotations

from contextlib import suppress

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message

from bot.db.users import User
from bot.services.follow_up import FollowUpService
from bot.services.inspections import Refusal
from bot.texts import Texts
from bot.ui.callbacks import RemedyAction


async def remedied(
    callback: CallbackQuery, callback_data: RemedyAction, user: User, t: Texts, follow_up: FollowUpService
) -> None:
    outcome = await follow_up.remedied(user, callback_data.remedy)
    if outcome.remedy is None:
        await callback.answer(t.plain("refusal", reason=Refusal.STALE), show_alert=True)
        return
    if not outcome.allowed:
        await callback.answer(t.plain("refusal", reason=Refusal.NOT_YOURS), show_alert=True)
        return
    await callback.answer()
    text = t("remedy_closed", r=outcome.remedy) if outcome.closed else t("remedy_already_closed", r=outcome.remedy)
    if isinstance(callback.message, Message):
        with suppress(TelegramBadRequest):
            await callback.message.edit_reply_markup(reply_markup=None)
        await callback.message.answer(text)


def build_router() -> Router:
    router = Router(name="follow_up")
    router.callback_query.register(remedied, RemedyAction.filter())
    return router
