"""Tests of the sandbox: the strict Bot API emulator (over real HTTP) and the recording session."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.filters import Command, CommandStart
from aiogram.methods import AnswerCallbackQuery, EditMessageText, GetFile, GetMe, SendDocument, SendMessage
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaDocument,
    InputMediaPhoto,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)

from sandbox.emulator import NOT_MODIFIED, QUERY_TOO_OLD, ApiError, BotAPIEmulator, format_text
from sandbox.html_check import (
    EntityParseError,
    parse_html,
    utf16_len,
)
from sandbox.recording import RecordingBot, RecordingSession, callback_update, message_update

USER = 1001
OTHER_USER = 2002
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=text, callback_data=data) for text, data in row] for row in rows]
    )


def make_bot(emu: BotAPIEmulator, token: str | None = None) -> Bot:
    return Bot(token or emu.token, session=AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url)))


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[BotAPIEmulator]:
    emulator = BotAPIEmulator()
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


@pytest_asyncio.fixture
async def api_bot(emu: BotAPIEmulator) -> AsyncIterator[Bot]:
    bot = make_bot(emu)
    try:
        yield bot
    finally:
        await bot.session.close()


@pytest_asyncio.fixture
async def chat(emu: BotAPIEmulator) -> int:
    """A private chat that exists because the user wrote to the bot first."""
    emu.send_text(USER, "hi")
    return USER


@contextlib.asynccontextmanager
async def polling(dp: Dispatcher, bot: Bot, emu: BotAPIEmulator) -> AsyncIterator[None]:
    task = asyncio.create_task(dp.start_polling(bot, handle_signals=False, close_bot_session=False, polling_timeout=5))
    try:
        await emu.wait_for(lambda: bool(emu.calls_of("getUpdates")) or task.done())
        yield
    finally:
        if not task.done():
            await dp.stop_polling()
        await task


# ------------------------------------------------------------------------------ text parsers


def test_html_visible_text_entities_and_utf16_offsets() -> None:
    parsed = parse_html("😀 <b>bold</b> &lt;tag&gt; <a href='https://example.com'>link</a> <code>x</code>")
    assert parsed.text == "😀 bold <tag> link x"
    assert parsed.entities == [
        {"offset": 3, "length": 4, "type": "bold"},
        {"offset": 14, "length": 4, "type": "text_link", "url": "https://example.com/"},
        {"offset": 19, "length": 1, "type": "code"},
    ]
    assert utf16_len("😀") == 2


def test_html_nested_and_special_tags() -> None:
    parsed = parse_html(
        '<pre><code class="language-python">x = 1</code></pre><blockquote expandable>q</blockquote>'
        '<span class="tg-spoiler">s</span><a href="tg://user?id=5">u</a>'
    )
    assert parsed.text == "x = 1qsu"
    types = [(e["type"], e.get("language")) for e in parsed.entities]
    assert types == [
        ("pre", "python"),
        ("expandable_blockquote", None),
        ("spoiler", None),
        ("text_mention", None),
    ]


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("<x>hi</x>", 'Unsupported start tag "x" at byte offset 0'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<span>s</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("AT&T", 'Unescaped "&" at byte offset 2'),
        ("&#xD83D;", "Text contains invalid Unicode characters after decoding HTML entities"),
    ],
)
def test_html_errors_use_telegram_wording(source: str, reason: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_html(source)
    assert str(caught.value).startswith(reason)


def test_html_ampersand_can_be_lenient_like_telegram() -> None:
    assert parse_html("AT&T &lt;", strict_ampersand=False).text == "AT&T <"


def test_markdown_modes_are_refused_since_the_bot_speaks_html_only() -> None:
    for mode in ("MarkdownV2", "Markdown"):
        with pytest.raises(ApiError, match="unsupported parse_mode"):
            format_text("*b*", mode)
    assert format_text("*b*", None).text == "*b*"


# ------------------------------------------------------------------------ emulator: basics


async def test_get_me(api_bot: Bot, emu: BotAPIEmulator) -> None:
    me = await api_bot.get_me()
    assert (me.id, me.is_bot, me.username) == (emu.bot_id, True, emu.bot_username)
    assert emu.calls == [("getMe", {})]


async def test_wrong_token_is_unauthorized(emu: BotAPIEmulator) -> None:
    bot = make_bot(emu, token="123456:WRONG")
    try:
        with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
            await bot.get_me()
    finally:
        await bot.session.close()
    assert emu.errors == [("getMe", "Unauthorized")]


async def test_raw_http_json_form_and_unknown_method(emu: BotAPIEmulator, chat: int) -> None:
    url = f"{emu.base_url}/bot{emu.token}"
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{url}/sendMessage", json={"chat_id": chat, "text": "<i>json</i>", "parse_mode": "HTML"}
        ) as resp:
            body = await resp.json()
            assert resp.status == 200 and body["ok"] and body["result"]["text"] == "json"
        async with http.post(f"{url}/sendmessage", data={"chat_id": str(chat), "text": "form"}) as resp:
            assert (await resp.json())["result"]["text"] == "form"  # method names are case-insensitive
        async with http.post(
            f"{url}/sendMessage", data={"chat_id": str(chat), "text": "x", "reply_markup": "{bad"}
        ) as resp:
            body = await resp.json()
            assert resp.status == 400
            assert body == {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: can't parse reply keyboard markup JSON object",
            }
        async with http.post(f"{url}/noSuchMethod") as resp:
            assert resp.status == 404
            assert await resp.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert [m["text"] for m in emu.messages(chat)] == ["json", "form"]


async def test_long_poll_returns_as_soon_as_an_update_arrives(api_bot: Bot, emu: BotAPIEmulator) -> None:
    poll = asyncio.create_task(api_bot.get_updates(timeout=10))
    await emu.wait_for(lambda: bool(emu.calls_of("getUpdates")))
    loop = asyncio.get_running_loop()
    started = loop.time()
    emu.send_text(USER, "/new 123")
    updates = await asyncio.wait_for(poll, 2)
    assert loop.time() - started < 0.5
    assert len(updates) == 1
    message = updates[0].message
    assert message.text == "/new 123" and message.chat.id == USER
    assert [(e.type, e.offset, e.length) for e in message.entities] == [("bot_command", 0, 4)]
    # offset confirms (and forgets) the update; a zero-timeout poll then returns nothing
    assert await api_bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == []
    assert emu.pending_updates == 0


# ----------------------------------------------------------------- emulator: polling round trip


def dialog_router() -> Router:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer(
            "<b>Continue?</b>", parse_mode="HTML", reply_markup=keyboard([("Yes ✅", "yes"), ("No", "no")])
        )

    @router.callback_query(F.data == "yes")
    async def yes(query: CallbackQuery) -> None:
        await query.message.edit_text(f"You chose <i>yes</i>, {query.from_user.first_name}", parse_mode="HTML")
        await query.answer("Saved")

    return router


async def test_polling_round_trip(api_bot: Bot, emu: BotAPIEmulator) -> None:
    dp = Dispatcher()
    dp.include_router(dialog_router())
    async with polling(dp, api_bot, emu):
        emu.send_text(USER, "/start", first_name="Aida")
        await emu.wait_idle()
        question = emu.last_message(USER)
        assert question["text"] == "Continue?"
        assert question["entities"] == [{"offset": 0, "length": 9, "type": "bold"}]
        assert question["reply_markup"]["inline_keyboard"][0][0] == {"text": "Yes ✅", "callback_data": "yes"}

        with pytest.raises(ValueError, match="no inline button"):
            emu.press(USER, question["message_id"], "maybe")
        query = emu.press_button(USER, "yes")
        assert query["message"]["text"] == "Continue?"
        await emu.wait_idle()

    edited = emu.last_message(USER)
    assert edited["message_id"] == question["message_id"]
    assert edited["text"] == "You chose yes, Aida"
    assert edited["entities"] == [{"offset": 10, "length": 3, "type": "italic"}]
    assert "reply_markup" not in edited  # editMessageText without markup removes the keyboard
    assert "edit_date" in edited
    assert emu.callback_answers == [{"callback_query_id": query["id"], "text": "Saved"}]
    assert emu.errors == []
    events = [emu.events.get_nowait()[0] for _ in range(emu.events.qsize())]
    assert events == ["send", "edit", "answer"]


async def test_wait_idle_waits_for_confirmation_and_quiet(api_bot: Bot, emu: BotAPIEmulator) -> None:
    router = Router()

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(f"one: {message.text}")
        await asyncio.sleep(0.05)  # shorter than the quiet period: still "busy"
        await message.answer(f"two: {message.text}")

    dp = Dispatcher()
    dp.include_router(router)
    async with polling(dp, api_bot, emu):
        for text in ("a", "b", "c"):
            emu.send_text(USER, text)
        await emu.wait_idle()
        assert emu.pending_updates == 0
        assert sorted(m["text"] for m in emu.messages(USER)) == sorted(
            f"{n}: {t}" for n in ("one", "two") for t in "abc"
        )


async def test_wait_idle_times_out_without_a_poller(emu: BotAPIEmulator) -> None:
    emu.send_text(USER, "nobody listens")
    with pytest.raises(TimeoutError, match="1 update\\(s\\) not confirmed"):
        await emu.wait_idle(timeout=0.2)
    with pytest.raises(TimeoutError, match="condition not met"):
        await emu.wait_for(lambda: False, timeout=0.05)


# ------------------------------------------------------------------- emulator: strictness


async def test_bad_html_is_rejected(api_bot: Bot, chat: int, emu: BotAPIEmulator) -> None:
    with pytest.raises(TelegramBadRequest) as caught:
        await api_bot.send_message(chat, "<x>hi</x>", parse_mode="HTML")
    assert caught.value.message == 'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 0'
    with pytest.raises(TelegramBadRequest) as caught:
        await api_bot.send_message(chat, "<b>unclosed", parse_mode="HTML")
    expected = "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""
    assert caught.value.message == expected
    assert emu.messages(chat) == []
    assert [method for method, _ in emu.errors] == ["sendMessage", "sendMessage"]


async def test_text_length_is_measured_after_parsing_in_utf16(api_bot: Bot, chat: int) -> None:
    with pytest.raises(TelegramBadRequest, match="Bad Request: message is too long"):
        await api_bot.send_message(chat, "a" * 4097)
    with pytest.raises(TelegramBadRequest, match="Bad Request: message is too long"):
        await api_bot.send_message(chat, "😀" * 2049)  # 4098 UTF-16 code units
    ok = await api_bot.send_message(chat, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")
    assert len(ok.text) == 4096
    assert len((await api_bot.send_message(chat, "&amp;" * 4096, parse_mode="HTML")).text) == 4096
    assert (await api_bot.send_message(chat, "😀" * 2048)).text == "😀" * 2048
    with pytest.raises(TelegramBadRequest, match="Bad Request: message text is empty"):
        await api_bot.send_message(chat, "<b> </b>", parse_mode="HTML")


@pytest.mark.parametrize(
    ("data", "accepted"),
    [("x" * 64, True), ("x" * 65, False), ("я" * 32, True), ("я" * 33, False)],
)
async def test_callback_data_is_limited_to_64_bytes(api_bot: Bot, chat: int, data: str, accepted: bool) -> None:
    send = api_bot.send_message(chat, "pick", reply_markup=keyboard([("btn", data)]))
    if accepted:
        assert (await send).reply_markup.inline_keyboard[0][0].callback_data == data
    else:
        with pytest.raises(TelegramBadRequest, match="Bad Request: BUTTON_DATA_INVALID"):
            await send


async def test_button_without_action_or_text_is_rejected(api_bot: Bot, chat: int) -> None:
    with pytest.raises(TelegramBadRequest, match="Text buttons are unallowed in the inline keyboard"):
        await api_bot.send_message(
            chat,
            "x",
            reply_markup=InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="no action")]]),
        )
    with pytest.raises(TelegramBadRequest, match="Text buttons are unallowed in the inline keyboard"):
        await api_bot.send_message(chat, "x", reply_markup=keyboard([("", "data")]))


async def test_edit_rules(api_bot: Bot, chat: int, emu: BotAPIEmulator) -> None:
    sent = await api_bot.send_message(chat, "<b>Total</b>: 5", parse_mode="HTML", reply_markup=keyboard([("A", "a")]))
    with pytest.raises(TelegramBadRequest) as caught:
        await api_bot.edit_message_text(
            "<b>Total</b>: 5",
            chat_id=chat,
            message_id=sent.message_id,
            parse_mode="HTML",
            reply_markup=keyboard([("A", "a")]),
        )
    assert caught.value.message == NOT_MODIFIED
    # same visible text but other entities is a modification, so is dropping the keyboard
    await api_bot.edit_message_text(
        "Total: 5", chat_id=chat, message_id=sent.message_id, reply_markup=keyboard([("A", "a")])
    )
    await api_bot.edit_message_reply_markup(chat_id=chat, message_id=sent.message_id)
    assert "reply_markup" not in emu.last_message(chat)
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await api_bot.edit_message_reply_markup(chat_id=chat, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="Bad Request: message to edit not found"):
        await api_bot.edit_message_text("x", chat_id=chat, message_id=999)
    user_message_id = emu.send_text(chat, "mine")["message_id"]
    with pytest.raises(TelegramBadRequest, match="Bad Request: message can't be edited"):
        await api_bot.edit_message_text("x", chat_id=chat, message_id=user_message_id)


async def test_callback_query_answers(api_bot: Bot, chat: int, emu: BotAPIEmulator) -> None:
    with pytest.raises(TelegramBadRequest) as caught:
        await api_bot.answer_callback_query("404")
    assert caught.value.message == QUERY_TOO_OLD
    sent = await api_bot.send_message(chat, "pick", reply_markup=keyboard([("A", "a")]))
    query = emu.press(chat, sent.message_id, "a")
    with pytest.raises(TelegramBadRequest, match="Bad Request: MESSAGE_TOO_LONG"):
        await api_bot.answer_callback_query(query["id"], text="x" * 201)
    assert await api_bot.answer_callback_query(query["id"], text="x" * 200, show_alert=True)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await api_bot.answer_callback_query(query["id"])
    assert emu.callback_answers[0]["show_alert"] is True


async def test_unknown_chat_caption_and_chat_action(api_bot: Bot, chat: int) -> None:
    with pytest.raises(TelegramBadRequest, match="Bad Request: chat not found"):
        await api_bot.send_message(OTHER_USER, "hello?")
    with pytest.raises(TelegramBadRequest, match="Bad Request: message caption is too long"):
        await api_bot.send_document(chat, BufferedInputFile(b"data", "a.txt"), caption="c" * 1025)
    with pytest.raises(TelegramBadRequest, match="wrong parameter action"):
        await api_bot.send_chat_action(chat, "dancing")
    assert await api_bot.send_chat_action(chat, "upload_document")


async def test_flood_limit_answers_429_with_retry_after() -> None:
    async with BotAPIEmulator(flood_limit_per_second=2) as emu:
        bot = make_bot(emu)
        try:
            emu.send_text(USER, "hi")
            await bot.send_message(USER, "1")
            await bot.send_message(USER, "2")
            with pytest.raises(TelegramRetryAfter) as caught:
                await bot.send_message(USER, "3")
            assert caught.value.retry_after == 1
            assert "Too Many Requests: retry after 1" in caught.value.message
            assert emu.errors == [("sendMessage", "Too Many Requests: retry after 1")]
        finally:
            await bot.session.close()


# -------------------------------------------------------------------------- emulator: files


async def test_document_upload_and_download(api_bot: Bot, chat: int, emu: BotAPIEmulator) -> None:
    payload = b"%PDF-1.7 risk report"
    sent = await api_bot.send_document(
        chat, BufferedInputFile(payload, "report.pdf"), caption="<b>Report</b>", parse_mode="HTML"
    )
    assert (sent.document.file_name, sent.document.mime_type, sent.document.file_size) == (
        "report.pdf",
        "application/pdf",
        len(payload),
    )
    assert sent.caption == "Report" and sent.caption_entities[0].type == "bold"
    stored = emu.last_message(chat)
    assert stored["document_bytes"] == payload
    assert (await api_bot.download(sent.document.file_id)).read() == payload
    again = await api_bot.send_document(chat, sent.document.file_id)  # re-send by file_id
    assert again.document.file_id == sent.document.file_id
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await api_bot.send_document(chat, "no-such-file-id")
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await api_bot.send_photo(chat, BufferedInputFile(b"not an image", "x.jpg"))
    photo = await api_bot.send_photo(chat, BufferedInputFile(PNG, "chart.png"))
    assert len(photo.photo) == 2 and emu.last_message(chat)["photo_bytes"] == PNG


async def test_media_group_and_files_dir(tmp_path: Path) -> None:
    async with BotAPIEmulator(files_dir=tmp_path) as emu:
        bot = make_bot(emu)
        try:
            emu.send_text(USER, "hi")
            album = await bot.send_media_group(
                USER,
                [
                    InputMediaPhoto(media=BufferedInputFile(PNG, "a.png"), caption="<b>one</b>", parse_mode="HTML"),
                    InputMediaPhoto(media=BufferedInputFile(PNG, "b.png")),
                ],
            )
            assert len({m.media_group_id for m in album}) == 1
            assert [m.caption for m in album] == ["one", None]
            with pytest.raises(TelegramBadRequest, match="can't be mixed"):
                await bot.send_media_group(
                    USER,
                    [
                        InputMediaPhoto(media=BufferedInputFile(PNG, "a.png")),
                        InputMediaDocument(media=BufferedInputFile(b"x", "b.txt")),
                    ],
                )
            await bot.send_document(USER, BufferedInputFile(b"act", "act 1.pdf"))
            saved = Path(emu.last_message(USER)["file_path_local"])
            assert saved.parent == tmp_path and await asyncio.to_thread(saved.read_bytes) == b"act"
        finally:
            await bot.session.close()


async def test_user_photo_and_document_via_get_file(api_bot: Bot, emu: BotAPIEmulator) -> None:
    message = emu.send_photo(USER, content=PNG, caption="scan")
    assert len(message["photo"]) == 2
    assert len({size["file_id"] for size in message["photo"]}) == 2
    biggest = message["photo"][-1]
    file = await api_bot.get_file(biggest["file_id"])
    assert file.file_size == len(PNG) and file.file_path
    assert (await api_bot.download(biggest["file_id"])).read() == PNG
    document = emu.send_document(USER, file_name="act.pdf", file_size=1234)["document"]
    assert len((await api_bot.download(document["file_id"])).read()) == 1234


async def test_files_over_20_mb_cannot_be_downloaded(api_bot: Bot, emu: BotAPIEmulator) -> None:
    document = emu.send_document(USER, file_name="huge.zip", mime_type="application/zip", file_size=25 * 2**20)
    with pytest.raises(TelegramBadRequest) as caught:
        await api_bot.get_file(document["document"]["file_id"])
    assert caught.value.message == "Bad Request: file is too big"
    with pytest.raises(TelegramBadRequest, match="Bad Request: invalid file_id"):
        await api_bot.get_file("nope")


# -------------------------------------------------------------------------- emulator: misc


async def test_reply_keyboard_delete_and_commands(api_bot: Bot, chat: int, emu: BotAPIEmulator) -> None:
    markup = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="Menu")]], resize_keyboard=True)
    sent = await api_bot.send_message(chat, "keyboard", reply_markup=markup)
    assert sent.reply_markup is None  # Telegram echoes only inline keyboards
    assert emu.reply_keyboard(chat)["keyboard"] == [[{"text": "Menu"}]]
    assert await api_bot.delete_message(chat, sent.message_id)
    assert emu.messages(chat) == []
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await api_bot.delete_message(chat, sent.message_id)
    assert await api_bot.set_my_commands([BotCommand(command="new", description="New check")])
    assert [c.command for c in await api_bot.get_my_commands()] == ["new"]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await api_bot.set_my_commands([BotCommand(command="New-Check", description="x")])


async def test_second_poller_gets_conflict(api_bot: Bot, emu: BotAPIEmulator) -> None:
    first = asyncio.create_task(api_bot.get_updates(timeout=5))
    await emu.wait_for(lambda: len(emu.calls_of("getUpdates")) == 1)
    second = asyncio.create_task(api_bot.get_updates(timeout=0))
    assert await asyncio.wait_for(second, 2) == []
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, 2)


# ---------------------------------------------------------------------------- recording session


async def test_recording_session_default_results() -> None:
    bot = RecordingBot()
    first = await bot.send_message(USER, "<b>hello</b>", parse_mode="HTML", reply_markup=keyboard([("A", "a")]))
    second = await bot.send_message(USER, "again")
    assert (first.message_id, second.message_id, first.chat.id) == (1, 2, USER)
    assert first.text == "hello" and first.entities[0].type == "bold"
    assert first.reply_markup.inline_keyboard[0][0].callback_data == "a"
    assert first.bot is bot  # bound through the real check_response
    edited = await bot.edit_message_text("edited", chat_id=USER, message_id=first.message_id)
    assert isinstance(edited, Message) and edited.text == "edited"
    assert await bot.answer_callback_query("1") is True
    assert (await bot.get_me()).id == 42
    doc = await bot.send_document(USER, BufferedInputFile(b"abc", "act.pdf"))
    assert (doc.document.file_name, doc.document.file_size) == ("act.pdf", 3)
    assert (await bot.download(doc.document.file_id)).read() == b"abc"
    assert [type(r) for r in bot.requests] == [
        SendMessage,
        SendMessage,
        EditMessageText,
        AnswerCallbackQuery,
        GetMe,
        SendDocument,
        GetFile,
    ]
    assert bot.get_request(SendMessage).text == "again"
    assert isinstance(bot.get_request(), GetFile)
    await bot.session.close()


async def test_recording_session_queued_error_goes_through_the_dispatcher() -> None:
    router = Router()

    @router.message(Command("start"))
    async def start(message: Message) -> None:
        await message.answer("<b>hi</b>", parse_mode="HTML", reply_markup=keyboard([("Go", "go")]))

    @router.callback_query(F.data == "go")
    async def go(query: CallbackQuery) -> None:
        await query.answer("ok")

    dp = Dispatcher()
    dp.include_router(router)
    bot = RecordingBot()
    bot.add_result_for(SendMessage, ok=False, error_code=400, description="Bad Request: message is too long")
    with pytest.raises(TelegramBadRequest) as caught:
        await dp.feed_update(bot, message_update("/start", user_id=USER))
    assert caught.value.message == "Bad Request: message is too long"
    await dp.feed_update(bot, message_update("/start", user_id=USER, update_id=2))  # queue is consumed
    assert bot.get_request(SendMessage).chat_id == USER
    await dp.feed_update(bot, callback_update("go", user_id=USER, query_id="77", update_id=3))
    assert bot.get_request(AnswerCallbackQuery).callback_query_id == "77"

    bot.add_result_for(
        AnswerCallbackQuery,
        ok=False,
        error_code=429,
        description="Too Many Requests: retry after 3",
        retry_after=3,
    )
    with pytest.raises(TelegramRetryAfter) as retry:
        await dp.feed_update(bot, callback_update("go", user_id=USER, update_id=4))
    assert retry.value.retry_after == 3


async def test_recording_session_strict_mode_validates_like_the_emulator() -> None:
    bot = RecordingBot(session=RecordingSession(strict=True))
    with pytest.raises(TelegramBadRequest, match='Unsupported start tag "x"'):
        await bot.send_message(USER, "<x>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "x", reply_markup=keyboard([("b", "я" * 33)]))
    lenient = RecordingBot()
    assert (await lenient.send_message(USER, "<x>", parse_mode="HTML")).text == "<x>"
    assert bot.requests[0].text == "<x>"
