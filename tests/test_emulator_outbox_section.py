"""The emulator's outbox section rejects what Telegram rejects: inline answers and the send rate limit."""

from __future__ import annotations

import time

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.types import InlineQueryResultArticle, InlineQueryResultsButton, InputTextMessageContent

from sandbox.emulator import BotAPIEmulator


def article(result_id: str, text: str = "<b>card</b>") -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        id=result_id, title="T", input_message_content=InputTextMessageContent(message_text=text, parse_mode="HTML")
    )


async def with_bot(emu: BotAPIEmulator) -> Bot:
    return Bot(emu.token, session=AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url)))


async def test_inline_answers_are_checked_like_telegram_does(tmp_path):
    async with BotAPIEmulator() as emu:
        bot = await with_bot(emu)
        try:
            too_many = emu.send_inline_query(1, "q")
            with pytest.raises(TelegramBadRequest, match="RESULTS_TOO_MUCH"):
                await bot.answer_inline_query(too_many, [article(str(i)) for i in range(51)])
            with pytest.raises(TelegramBadRequest, match="RESULT_ID_DUPLICATE"):
                await bot.answer_inline_query(too_many, [article("a"), article("a")])
            with pytest.raises(TelegramBadRequest, match="RESULT_ID_INVALID"):
                await bot.answer_inline_query(too_many, [article("x" * 65)])
            with pytest.raises(TelegramBadRequest, match="can't parse entities"):
                await bot.answer_inline_query(too_many, [article("a", "<b>unclosed")])
            with pytest.raises(TelegramBadRequest, match="START_PARAM_INVALID"):
                await bot.answer_inline_query(
                    too_many, [], button=InlineQueryResultsButton(text="open", start_parameter="no spaces allowed")
                )
            assert await bot.answer_inline_query(
                too_many, [article(str(i)) for i in range(50)], cache_time=0, is_personal=True
            )
            with pytest.raises(TelegramBadRequest, match="query is too old"):  # answered once only
                await bot.answer_inline_query(too_many, [])
            with pytest.raises(TelegramBadRequest, match="query is too old"):
                await bot.answer_inline_query("12345", [])
            answer = emu.inline_answers[too_many]
            assert len(answer["results"]) == 50 and answer["is_personal"] and answer["cache_time"] == 0
            posted = emu.choose_inline_result(1, too_many, "7")
            assert posted["text"] == "card" and posted["via_bot"]["id"] == emu.bot_id
        finally:
            await bot.session.close()


async def test_the_send_rate_limit_answers_429_per_chat_and_overall():
    async with BotAPIEmulator(send_rate_limit=3) as emu:
        bot = await with_bot(emu)
        try:
            for user in (1, 2, 3, 4):
                emu.open_chat(user)
            await bot.send_message(1, "a")
            with pytest.raises(TelegramRetryAfter) as per_chat:  # one a second per chat
                await bot.send_message(1, "b")
            assert per_chat.value.retry_after == 1
            await bot.send_message(2, "a")
            await bot.send_message(3, "a")
            with pytest.raises(TelegramRetryAfter):  # three a second overall
                await bot.send_message(4, "a")
            assert [chat for chat, _ in emu.rate_limited] == [1, 4]
            time.sleep(1.01)  # noqa: ASYNC251 - the emulator's window is wall-clock
            await bot.send_message(4, "a")
            assert emu.sends_to(4) == 1 and emu.sends_to(1) == 1
        finally:
            await bot.session.close()
