"""Shows a draft's current screen: edits the screen message in place, or sends a fresh one below.

The screen is rendered by ``bot.ui.screens`` from the :class:`DraftView` the service returned with its
outcome (no second read); only a freshly sent screen message is remembered, in one statement. The calls read
only the message id of Telegram's answer (bot/screen_calls.py).
"""

from __future__ import annotations

import logging
from contextlib import suppress

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import ReplyKeyboardMarkup

from bot.screen_calls import EditScreen, RetireScreen, SendScreen
from bot.services.inspections import DraftView, InspectionService
from bot.texts import Texts
from bot.ui.screens import draft_screen

log = logging.getLogger(__name__)


class DraftPresenter:
    def __init__(self, service: InspectionService) -> None:
        self._service = service

    async def show(
        self,
        bot: Bot,
        t: Texts,
        view: DraftView,
        *,
        edit_message_id: int | None = None,
        prefix: str | None = None,
    ) -> None:
        """Edit the screen message when the action came from it; otherwise send a new one and retire the old.

        ``prefix`` (e.g. a validation error) goes above the screen text in a new message.
        """
        inspection = view.inspection
        screen = draft_screen(t, self._service.catalogue, view)
        chat_id = inspection.inspector_id
        replies = isinstance(screen.markup, ReplyKeyboardMarkup)  # only a new message can carry one
        if edit_message_id is not None and edit_message_id == inspection.message_id and prefix is None and not replies:
            edit = EditScreen(chat_id=chat_id, message_id=edit_message_id, text=screen.text, reply_markup=screen.markup)
            try:
                await bot(edit)
                return
            except TelegramBadRequest as exc:
                if "not modified" in exc.message:
                    return
                log.info("editing the screen failed (%s); sending a new one", exc.message)
        text = f"{prefix}\n\n{screen.text}" if prefix else screen.text
        sent = await bot(SendScreen(chat_id=chat_id, text=text, reply_markup=screen.markup))
        if inspection.message_id and inspection.message_id != sent.message_id:
            with suppress(TelegramBadRequest):
                await bot(RetireScreen(chat_id=chat_id, message_id=inspection.message_id, reply_markup=None))
        # A reply keyboard's message has no buttons to retire or edit later: no screen message is remembered.
        await self._service.set_message(inspection.id, None if replies else sent.message_id)
