"""Outer middlewares: who is writing (access), in which language, and what to hand to handlers."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, InlineQueryResultsButton, Message, TelegramObject, Update
from aiogram.types import User as TelegramUser

from bot import menus
from bot.services.access import AccessService, InvitationProblem
from bot.texts import Texts, normalise_language, texts

log = logging.getLogger(__name__)
TOUCH_EVERY = timedelta(minutes=1)
INLINE_START = "inline"  # /start parameter of the inline look-up's button for people without access


class AccessMiddleware(BaseMiddleware):
    """Only known, active users get anything. An unknown user may redeem an invitation with /start <token>;
    anyone else is told, in both languages, that access is by invitation, and shown their Telegram id.

    Hands ``user`` (our :class:`~bot.db.users.User`), ``t`` (their :class:`~bot.texts.Texts`) and ``draft``
    (their open check sheet as read with the user, or None; the message filters route on it) to handlers.
    A button's update gets no ``draft``: its data names the sheet, whose unit of work reads it anyway, and
    the user alone is one statement (the most frequent update, an inspector's tap, reads nothing twice).
    """

    def __init__(self, access: AccessService, default_language: str) -> None:
        self._access = access
        self._default_language = default_language  # for people whose Telegram speaks neither kk nor ru

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        sender: TelegramUser | None = data.get("event_from_user")
        if sender is None or sender.is_bot:
            return None
        chat = data.get("event_chat")
        if chat is not None and chat.type != "private":
            return None  # check sheets and scores are not for group chats: the bot stays silent there
        taps = isinstance(event, Update) and event.callback_query is not None
        user, draft = await self._access.sender(sender.id, with_draft=not taps)
        if user is None or not user.active:
            if isinstance(event, Update) and event.inline_query is not None:
                await self._refuse_inline(event, sender)
                return None
            user = await self._try_invitation(event, sender)
            if user is None:
                return None
            await menus.refresh(data["bot"], data["db"], user.telegram_id)
        if user.last_seen_at is None or datetime.fromisoformat(user.last_seen_at) < datetime.now(UTC) - TOUCH_EVERY:
            await self._access.touch(user.telegram_id, sender.full_name)
        data["user"] = user
        if not taps:
            data["draft"] = draft
        data["t"] = texts(user.language)
        return await handler(event, data)

    async def _try_invitation(self, event: TelegramObject, sender: TelegramUser) -> Any:
        assert isinstance(event, Update)
        message = event.message
        language = normalise_language(sender.language_code, self._default_language)
        t = texts(language)
        token = None
        if message and message.text and message.text.startswith("/start "):
            token = message.text.split(maxsplit=1)[1].strip()
        if token and token != INLINE_START:
            outcome = await self._access.redeem(token, sender.id, language, sender.full_name)
            if not isinstance(outcome, InvitationProblem):
                log.info("user %s joined as %s", sender.id, outcome.role)
                return outcome
            await self._refuse(event, t, t("invitation_problem", problem=outcome.value, user_id=sender.id))
            return None
        await self._refuse(event, t, t("access_denied", user_id=sender.id))
        return None

    async def _refuse_inline(self, event: Update, sender: TelegramUser) -> None:
        """No results, and a button that opens the bot, where they learn how to ask for an invitation."""
        t = texts(normalise_language(sender.language_code, self._default_language))
        await event.inline_query.answer(
            [],
            is_personal=True,
            cache_time=0,
            button=InlineQueryResultsButton(text=t.plain("inline_no_access"), start_parameter=INLINE_START),
        )

    @staticmethod
    async def _refuse(event: Update, t: Texts, text: str) -> None:
        if event.message:
            await event.message.answer(text)
        elif event.callback_query:
            callback: CallbackQuery = event.callback_query
            await callback.answer(t.plain("refusal", reason="forbidden_user"), show_alert=True)
            if isinstance(callback.message, Message):
                await callback.message.answer(text)
