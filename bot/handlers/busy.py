"""'Sending a file…' in the chat while something takes a while (a PDF, an export, a backup)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from aiogram import Bot
from aiogram.enums import ChatAction
from aiogram.exceptions import TelegramAPIError
from aiogram.utils.chat_action import ChatActionSender

RENEW_S = 4  # Telegram shows a chat action for 5 s at most, or until the bot's next message


@asynccontextmanager
async def sending_file(bot: Bot, chat_id: int) -> AsyncIterator[None]:
    """The first action is awaited before the work starts (so it never lands after the file and leaves
    'sending a file…' showing over it); ChatActionSender renews it while the work lasts."""
    with suppress(TelegramAPIError):  # only a courtesy: the work goes on without it
        await bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT)
    async with ChatActionSender(
        bot=bot, chat_id=chat_id, action=ChatAction.UPLOAD_DOCUMENT, interval=RENEW_S, initial_sleep=RENEW_S
    ):
        yield
