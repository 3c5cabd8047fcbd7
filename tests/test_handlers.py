"""Handlers through the real dispatcher, without a network: ``dp.feed_update`` with a ``RecordingBot``.

The bot is assembled as in production (``prepare`` + ``build_dispatcher``) on a real SQLite file; the recording
session answers every API call locally through aiogram's real ``check_response``, so a queued 400 or 403 raises
the real exception inside the handler. The person in the chat acts like a Telegram client: they tap buttons on
the latest message the bot sent (the only one whose buttons count), by their labels.

Everything the bot sends is checked the way Telegram would: the HTML of texts and captions parses with the
emulator's checker (``sandbox/html_check.py``, a port of TDLib's parser), visible texts fit 4096 characters
(captions 1024), callback data fit 64 bytes, callback answers 200 characters.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import logging
import time
from dataclasses import dataclass
from enum import Enum
from typing import Any, get_args

import pytest
import pytest_asyncio
from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.filters.callback_data import CallbackData
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    SendDocument,
    SendMessage,
    TelegramMethod,
)
from aiogram.types import InlineKeyboardMarkup, Message, Update

from bot.app import Services, build_dispatcher, prepare
from bot.config import load_settings
from bot.db.inspections import Inspection
from bot.handlers.inspection import build_router as inspection_router
from bot.handlers.on_loop import synchronous_filters
from bot.handlers.tables import XLSX_MIME
from bot.services.inspections import HEADER_FIELDS
from bot.tables.kinds import TableKind
from bot.texts import texts
from bot.ui import callbacks
from bot.ui.callbacks import (
    DraftAct,
    DraftAction,
    FindingAction,
    FindingAnswer,
    ImportAct,
    ImportAction,
    ItemAct,
    ItemAction,
    PlanAct,
    PlanAction,
)
from sandbox.html_check import EntityParseError, parse_html, trim_formatted, utf16_len
from sandbox.images import png
from sandbox.recording import RecordingBot, RecordingSession, as_client_reads, callback_update, message_update

ADMIN = 1001
BIN = "990340001230"
HEADER = [
    BIN,
    "ТОО «Ақ жол»",
    "Астана қ., Мәңгілік Ел даңғылы, 8",
    "Акимат г. Астаны",
    "Агентство РК по делам государственной службы",
    "17-П",
    "03.11.2026",
    "Сейтқали Айгерім Болатқызы",
    "Главный эксперт",
]
COMPLIES, VIOLATED, NOT_APPLICABLE = "✅ Соответствует", "❌ Не соответствует", "➖ Не применимо"
NEXT, BACK, TO_REVIEW, FINISH = "➡ Далее", "⬅ Назад", "📋 К проверке", "🏁 Завершить"
CANCEL_DRAFT, DISCARD, KEEP_DRAFT = "✖ Отменить лист", "🗑 Да, удалить", "↩ Нет, продолжить"
GENERIC_ERROR_LOG = "failed"  # on_error: "update %s failed"

MAX_TEXT, MAX_CAPTION, MAX_CALLBACK_DATA, MAX_CALLBACK_ANSWER = 4096, 1024, 64, 200

# --- the chat ------------------------------------------------------------------------------------------


class ObservedSession(RecordingSession):
    """A recording session that also keeps what each call came to (or raised): what the client saw. A message
    is kept as Telegram answered it, whole, not as the bot read it (the screens' calls read its id alone)."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[tuple[TelegramMethod[Any], Any]] = []
        self._sent: Any = None

    def answered(self, method: TelegramMethod[Any], payload: dict[str, Any]) -> None:
        self._sent = as_client_reads(payload.get("result"))

    async def make_request(self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None) -> Any:  # noqa: ASYNC109
        try:
            result = await super().make_request(bot, method, timeout)
        except TelegramAPIError as exc:
            self.answers.append((method, exc))
            raise
        self.answers.append((method, self._sent if isinstance(self._sent, Message) else result))
        return result


class Chat:
    """One person in a private chat with the bot: types, sends a photo, taps buttons of the latest message."""

    def __init__(
        self,
        dp: Dispatcher,
        bot: RecordingBot,
        user_id: int = ADMIN,
        first_name: str = "Айгерім",
        language_code: str = "ru",
    ) -> None:
        self.dp, self.bot, self.user_id = dp, bot, user_id
        self.first_name, self.language_code = first_name, language_code
        self.session: ObservedSession = bot.session  # type: ignore[assignment]
        self.screen: Message | None = None  # the latest message the bot sent (sendMessage), edits applied
        self.documents: list[Message] = []
        self._seen = 0
        self._updates = itertools.count(1)
        self._own_messages = itertools.count(100_000)  # the person's message ids

    async def _feed(self, update: Update) -> None:
        await self.dp.feed_update(self.bot, update)
        for method, result in self.session.answers[self._seen :]:
            if not isinstance(result, Message):
                continue
            if isinstance(method, SendMessage):
                self.screen = result
            elif isinstance(method, SendDocument):
                self.documents.append(result)
            elif self.screen is not None and result.message_id == self.screen.message_id:
                self.screen = result
        self._seen = len(self.session.answers)

    async def says(self, text: str) -> None:
        await self._feed(
            message_update(
                text,
                user_id=self.user_id,
                update_id=next(self._updates),
                message_id=next(self._own_messages),
                first_name=self.first_name,
                language_code=self.language_code,
                bot=self.bot,
            )
        )

    async def sends_photo(self, file_id: str = "PHOTO-1") -> None:
        self.session.add_file(file_id, png(16, 12), file_path=f"photos/{file_id}.png")
        await self._sends(
            photo=[{"file_id": file_id, "file_unique_id": f"U{file_id}", "width": 16, "height": 12, "file_size": 300}]
        )

    async def sends_document(self, file_name: str, content: bytes, mime_type: str, caption: str | None = None) -> None:
        file_id = f"DOC-{file_name}"
        self.session.add_file(file_id, content, file_path=f"documents/{file_name}")
        document = {
            "file_id": file_id,
            "file_unique_id": f"U{file_id}",
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(content),
        }
        fields: dict[str, Any] = {"document": document}
        if caption:
            fields["caption"] = caption
            if caption.startswith("/"):
                fields["caption_entities"] = [{"offset": 0, "length": len(caption.split()[0]), "type": "bot_command"}]
        await self._sends(**fields)

    async def _sends(self, **fields: Any) -> None:
        user = {"id": self.user_id, "is_bot": False, "first_name": self.first_name, "language_code": self.language_code}
        message = {
            "message_id": next(self._own_messages),
            "date": int(time.time()),
            "from": user,
            "chat": {"id": self.user_id, "type": "private", "first_name": self.first_name},
            **fields,
        }
        await self._feed(
            Update.model_validate({"update_id": next(self._updates), "message": message}, context={"bot": self.bot})
        )

    async def presses(self, data: str, message_id: int | None = None) -> None:
        """A button with this callback data under ``message_id`` (default: the latest message)."""
        update_id = next(self._updates)
        await self._feed(
            callback_update(
                data,
                user_id=self.user_id,
                update_id=update_id,
                query_id=f"q{update_id}",
                first_name=self.first_name,
                message_id=message_id if message_id is not None else self.screen.message_id,
                message_text=self.screen.text if self.screen else "",
                bot=self.bot,
            )
        )

    async def taps(self, label: str) -> None:
        """The button of the latest message whose label is ``label`` (a trailing mark like ' •' allowed)."""
        await self.presses(self.button(label))

    def button(self, label: str) -> str:
        for text, data in self.buttons():
            if text == label or text.startswith(label + " "):
                return data
        raise AssertionError(f"no button {label!r} under {self.text[:80]!r}: {[t for t, _ in self.buttons()]}")

    def buttons(self) -> list[tuple[str, str]]:
        markup = self.screen.reply_markup if self.screen else None
        return [(b.text, b.callback_data) for row in (markup.inline_keyboard if markup else []) for b in row]

    @property
    def text(self) -> str:
        """The visible text of the latest message (the session parsed the HTML like Telegram)."""
        return (self.screen.text or "") if self.screen else ""

    def requests(self, *kinds: type) -> list[TelegramMethod[Any]]:
        return [method for method in self.session.requests if not kinds or isinstance(method, kinds)]

    def toasts(self) -> list[str]:
        return [method.text or "" for method in self.requests(AnswerCallbackQuery)]


@dataclass
class App:
    services: Services
    dp: Dispatcher
    bot: RecordingBot
    chat: Chat


async def assembled(tmp_path) -> tuple[Services, Dispatcher, RecordingBot]:
    """The bot as production assembles it, on a real SQLite file under ``tmp_path``, with ADMIN as admin and
    a recording session that rejects what Telegram would."""
    settings = load_settings(
        {
            "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
            "ADMIN_IDS": str(ADMIN),
            "BACKUP_DIR": str(tmp_path / "backups"),
        },
        env_file=None,
    )
    services = await prepare(settings)
    bot = RecordingBot(session=ObservedSession(), default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    return services, build_dispatcher(services), bot


@pytest_asyncio.fixture
async def app(tmp_path):
    services, dp, bot = await assembled(tmp_path)
    yield App(services, dp, bot, Chat(dp, bot))
    await services.db.close()


# --- what Telegram would say about what the bot sent ------------------------------------------------------


def visible(html: str) -> str:
    """The text a reader sees: Telegram's HTML parsing (TDLib's rules), then its trimming."""
    return trim_formatted(parse_html(html)).text


def telegram_problems(requests: list[TelegramMethod[Any]]) -> list[str]:
    """Everything that Telegram would reject in these requests (empty: all fine)."""
    problems = []
    for method in requests:
        name = type(method).__name__
        html, limit = None, MAX_TEXT
        if isinstance(method, (SendMessage, EditMessageText)):
            html = method.text
        elif isinstance(method, SendDocument) and method.caption:
            html, limit = method.caption, MAX_CAPTION
        if html is not None:
            try:
                length = utf16_len(visible(html))
            except EntityParseError as exc:
                problems.append(f"{name}: can't parse entities: {exc}: {html[:200]!r}")
            else:
                if not 0 < length <= limit:
                    problems.append(f"{name}: {length} characters after parsing (limit {limit}): {html[:100]!r}")
        markup = getattr(method, "reply_markup", None)
        if isinstance(markup, InlineKeyboardMarkup):
            for button in (b for row in markup.inline_keyboard for b in row):
                data = (button.callback_data or "").encode("utf-8")
                if not 1 <= len(data) <= MAX_CALLBACK_DATA:
                    problems.append(f"{name}: callback_data of {len(data)} bytes: {button.callback_data!r}")
                if not button.text.strip():
                    problems.append(f"{name}: a button without a label")
        if isinstance(method, AnswerCallbackQuery) and utf16_len(method.text or "") > MAX_CALLBACK_ANSWER:
            problems.append(f"{name}: a callback answer of {utf16_len(method.text)} characters")
    return problems


def keyboards_seen(requests: list[TelegramMethod[Any]]) -> set[str]:
    """Which kinds of buttons were sent: 'i:c' (an item's 'complies'), 'd:finish', 'p', 'l', ..."""
    kinds = set()
    for method in requests:
        markup = getattr(method, "reply_markup", None)
        if isinstance(markup, InlineKeyboardMarkup):
            for button in (b for row in markup.inline_keyboard for b in row):
                parts = (button.callback_data or "").split(":")
                kinds.add(
                    {"i": f"i:{parts[-1]}", "d": f"d:{parts[2] if len(parts) > 2 else ''}"}.get(parts[0], parts[0])
                )
    return kinds


# --- walking through an inspection ------------------------------------------------------------------------


async def fill_header(chat: Chat, values: list[str]) -> None:
    await chat.says("/new")
    for number, value in enumerate(values, start=1):
        assert f"Шаг {number}/9" in chat.text, chat.text[:200]
        await chat.says(value)
    if len(values) == 9:
        await chat.says("Пропустить")  # the location step


async def answer(chat: Chat, item: int, label: str) -> None:
    assert chat.text.startswith(f"{item}/19"), chat.text[:200]
    await chat.taps(label)


async def answer_rest(chat: Chat, first: int) -> None:
    """Items ``first``..19 comply; the review screen follows."""
    for item in range(first, 20):
        await answer(chat, item, COMPLIES)
    assert "Проверка ответов" in chat.text


async def draft(app: App) -> Inspection | None:
    return await app.services.db.read(lambda r: r.inspections.draft_of(ADMIN))


async def snapshot(app: App) -> tuple[list[tuple], list[tuple]]:
    db = app.services.db
    inspections = [tuple(row) for row in await db.fetch_all("SELECT * FROM inspections ORDER BY id")]
    answers = [tuple(row) for row in await db.fetch_all("SELECT * FROM answers ORDER BY inspection_id, item")]
    return inspections, answers


def errors_logged(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]


# --- scenarios --------------------------------------------------------------------------------------------


async def test_every_screen_of_an_inspection_is_what_telegram_accepts(app, caplog):
    """Header, items, back, evidence, review, going back from the review, cancel and resume, finish, the PDF
    buttons, a prefilled header, cancelling for good, /lang: every text parses, fits, every button fits."""
    chat = app.chat
    await fill_header(chat, HEADER)
    await answer(chat, 1, VIOLATED)
    assert "Нарушение записано" in chat.text
    await chat.says("Отчёт о публичном обсуждении не размещён.\nПроверено 25.11.2026 <i>на сайте</i> & в ЦОН")
    await chat.sends_photo()
    assert "Файлов: 1" in chat.text
    await chat.taps(NEXT)
    await answer(chat, 2, COMPLIES)
    await chat.taps(BACK)  # back to item 2: its answer is shown and can be changed
    assert chat.text.startswith("2/19") and "Текущий ответ" in chat.text
    await chat.taps(COMPLIES)
    await answer(chat, 3, COMPLIES)
    await answer(chat, 4, VIOLATED)
    await chat.taps("⬅ Изменить ответ")  # the evidence screen's way back
    await answer(chat, 4, VIOLATED)
    await chat.taps(NEXT)
    await answer(chat, 5, COMPLIES)
    await answer(chat, 6, COMPLIES)
    await answer_rest(chat, 7)

    await chat.taps("3 ✅")  # from the review to item 3, then straight back to the review
    assert chat.text.startswith("3/19")
    assert TO_REVIEW in [text for text, _ in chat.buttons()]
    await chat.taps(TO_REVIEW)
    assert "Проверка ответов" in chat.text
    await chat.taps(CANCEL_DRAFT)  # a confirmation below; keep the draft after all
    assert "Удалить незавершённый лист" in chat.text
    await chat.taps(KEEP_DRAFT)
    assert "Проверка ответов" in chat.text
    await chat.taps(FINISH)
    assert len(chat.documents) == 1
    await chat.taps("📄 PDF (қаз)")  # the result message's buttons
    assert len(chat.documents) == 2

    await chat.says(f"/new {BIN}")  # a subject checked before: its name is offered with one tap
    assert "Шаг 2/9" in chat.text
    await chat.taps("✓ ТОО «Ақ жол»")
    assert "Шаг 3/9" in chat.text
    await chat.says("/cancel")
    await chat.taps(DISCARD)
    assert chat.text == "Лист удалён."
    await chat.says("/lang")
    await chat.taps("Қазақша")

    requests = chat.requests()
    assert telegram_problems(requests) == []
    assert keyboards_seen(requests) >= {
        "i:c",
        "i:v",
        "i:n",
        "i:b",
        "i:e",
        "i:r",
        "i:g",
        "d:cancel",
        "d:discard",
        "d:resume",
        "d:finish",
        "d:keep",
        "p",
        "l",
    }
    assert errors_logged(caplog) == []


async def test_maximal_input_everywhere_still_fits_and_stays_text(app, caplog):
    """Every field at its limit, full of HTML-special characters and Kazakh letters: each message still fits
    4096 characters, parses, and shows the input as typed (the input's <b> never becomes bold)."""
    chat = app.chat
    name = "ТОО «Әділет & Құқық» <b>жауапкершілігі</b> 'шектеулі' \"ұйым\" ғ/ң/ө/ү/һ/і > < & "
    name = (name * 10)[:500].strip()
    assert len(name) > 490
    header = [
        BIN,
        name,
        ('Астана қ., <Мәңгілік Ел> & "даңғылы" 8 ') * 20,
        ("Акимат <i>Астаны</i> & ") * 30,
        ("Агентство «Қ&Ғ» <u>по делам</u> ") * 20,
        "<b>17-П</b> & 'ҚР' № 0000000000000000000000000000",
        "03.11.2026",
        ("Сейтқали <b>Айгерім</b> & 'Болатқызы' ") * 6,
        ("Бас <s>маман</s> & 'эксперт' ") * 8,
    ]
    limits = [12, 500, 500, 500, 500, 50, 10, 200, 200]
    header = [" ".join(value.split())[:limit].strip() for value, limit in zip(header, limits, strict=True)]
    line = "Нарушение <b>п. 1</b> & «Әділет» 'қате' \"жоқ\" <script>x</script> ӘҒҚҢӨҰҮҺІ"
    comment = "\n".join([line] * 40)[:2000].strip()
    assert len(comment) == 2000 and "\n" in comment

    await fill_header(chat, header)
    await answer(chat, 1, VIOLATED)
    await chat.says(comment)
    assert "Комментарий сохранён" in chat.text
    assert line in chat.text  # the comment, as typed, on the evidence screen
    await chat.taps(NEXT)
    await answer_rest(chat, 2)
    assert name in chat.text  # the review shows the subject as typed
    await chat.taps(FINISH)

    summary = next(m.text for m in app.bot.requests if isinstance(m, SendMessage) and "Итог" in m.text)
    assert name in visible(summary)  # the literal <b> of the input stayed text ...
    assert "<b>жауапкершілігі</b>" in visible(summary)
    assert "&lt;b&gt;жауапкершілігі" in summary  # ... because it was escaped
    stored = await app.services.db.fetch_one("SELECT subject_name, inspector_name FROM inspections")
    assert (stored["subject_name"], stored["inspector_name"]) == (header[1], header[7])
    answers = await app.services.inspections.answers(1)
    assert answers[1].comment == comment

    await chat.says(f"/new {BIN}")  # the name comes back on a button: plain text, cut to fit
    keep = next(text for text, data in chat.buttons() if ":keep:" in data)
    assert keep.startswith("✓ ТОО «Әділет & Құқық» <b>") and "&lt;" not in keep and len(keep) <= 45
    await chat.says("/cancel")

    assert telegram_problems(chat.requests()) == []
    assert len(chat.documents) == 1
    assert errors_logged(caplog) == []


async def test_message_is_not_modified_is_swallowed(app, caplog):
    chat = app.chat
    await fill_header(chat, HEADER)
    screen = chat.screen.message_id
    app.bot.add_result_for(
        EditMessageText,
        ok=False,
        error_code=400,
        description=(
            "Bad Request: message is not modified: specified new message content and reply markup are exactly the "
            "same as a current content and reply markup of the message"
        ),
    )
    sent_before = len(chat.requests(SendMessage))
    await chat.taps(COMPLIES)

    assert isinstance(chat.requests()[-1], EditMessageText)  # the failed edit was the last thing tried
    assert len(chat.requests(SendMessage)) == sent_before  # no error message, no second screen
    assert chat.toasts()[-1] == ""  # the tap was answered quietly
    assert errors_logged(caplog) == []
    stored = await app.services.inspections.answers((await draft(app)).id)
    assert {item: a.answer for item, a in stored.items()} == {1: "complies"}
    assert (await draft(app)).message_id == screen
    await answer(chat, 1, COMPLIES)  # the screen did not change: the next tap is a double one
    assert "Уже сделано" in chat.toasts()[-1]


async def test_deleted_screen_gets_a_fresh_one(app, caplog):
    chat = app.chat
    await fill_header(chat, HEADER)
    old_screen = chat.screen.message_id
    app.bot.add_result_for(
        EditMessageText, ok=False, error_code=400, description="Bad Request: message to edit not found"
    )
    app.bot.add_result_for(
        EditMessageReplyMarkup, ok=False, error_code=400, description="Bad Request: message to edit not found"
    )
    await chat.taps(COMPLIES)

    failed = [method for method, outcome in chat.session.answers if isinstance(outcome, TelegramBadRequest)]
    # the edit, then retiring the lost screen's buttons (Bot API methods: the screens' own calls extend aiogram's)
    assert [m.__api_method__ for m in failed] == ["editMessageText", "editMessageReplyMarkup"]
    assert chat.screen.message_id != old_screen
    assert chat.text.startswith("2/19")  # a fresh screen with the next item, below
    inspection = await draft(app)
    assert inspection.message_id == chat.screen.message_id  # its buttons are the ones that count now
    await answer(chat, 2, COMPLIES)
    assert chat.text.startswith("3/19")
    assert errors_logged(caplog) == []


async def test_blocked_bot_keeps_the_stored_answer_and_the_dispatcher_running(app, caplog):
    chat = app.chat
    await chat.says("/new")
    blocked = {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
    app.bot.add_result_for(SendMessage, **blocked)  # the next screen ...
    app.bot.add_result_for(SendMessage, **blocked)  # ... and the error handler's apology
    with caplog.at_level(logging.INFO):
        await chat.says(BIN)  # returns: the error handler took the exception

    assert any(GENERIC_ERROR_LOG in message for message in errors_logged(caplog))
    refused = [method for method, outcome in chat.session.answers if isinstance(outcome, TelegramForbiddenError)]
    assert [method.__api_method__ for method in refused] == ["sendMessage", "sendMessage"]  # both met the block
    assert any("could not report the error" in record.getMessage() for record in caplog.records)
    inspection = await draft(app)
    assert inspection.header["subject_bin"] == BIN and inspection.step == "subject_name"  # stored before sending
    await chat.says("/resume")  # unblocked: back at the next step
    assert "Шаг 2/9" in chat.text


@pytest.mark.parametrize(
    "data",
    ["zzz", "i:x:y:z", "i:1:2", "i:1:1:q", "i:99:1:c", "d:1:explode:", "p:1:xx", "p:1:kk", "l:de", "d:1:keep:nonsense"],
)
async def test_a_button_that_is_not_ours_gets_a_short_answer_and_changes_nothing(app, caplog, data):
    chat = app.chat
    await fill_header(chat, HEADER[:3])
    before = await snapshot(app)
    requests_before = len(chat.requests())
    await chat.presses(data)

    after = chat.requests()[requests_before:]
    assert [type(m) for m in after] == [AnswerCallbackQuery]  # a toast, no message, no edit
    assert 0 < len(after[0].text or "") <= MAX_CALLBACK_ANSWER
    assert await snapshot(app) == before
    assert errors_logged(caplog) == []


def enum_fields(cls: type[CallbackData]) -> list[str]:
    """The fields of a button kind whose value is one of a closed set (an Enum, possibly optional)."""
    return [
        name
        for name, info in cls.model_fields.items()
        if any(isinstance(t, type) and issubclass(t, Enum) for t in (info.annotation, *get_args(info.annotation)))
    ]


def with_code(data: str, cls: type[CallbackData], field: str, code: str) -> str:
    parts = data.split(cls.__separator__)
    parts[1 + list(cls.model_fields).index(field)] = code
    return cls.__separator__.join(parts)


async def test_a_button_with_an_action_code_the_bot_never_made_is_refused_while_parsing(app, caplog):
    """Each kind of button with a closed set of actions, pressed with a code outside it (a button of a newer
    or a forged version): aiogram does not parse it, so no handler of that kind runs, and the fallback says
    the button no longer works (a handler that took it would answer otherwise: "out of date", "incomplete")."""
    chat = app.chat
    await fill_header(chat, HEADER)
    inspection = await draft(app)
    assert inspection.step == "item"
    samples = [
        ItemAction(inspection=inspection.id, item=1, action=ItemAct.COMPLIES),
        DraftAction(inspection=inspection.id, action=DraftAct.FINISH),
        PlanAction(year=2026, half=2, action=PlanAct.SHOW),
        ImportAction(action=ImportAct.TEMPLATE, kind=TableKind.SUBJECTS),
        FindingAction(bin=BIN, group=2, criterion=21, answer=FindingAnswer.VIOLATED),
    ]
    kinds = {
        cls
        for cls in vars(callbacks).values()
        if isinstance(cls, type) and issubclass(cls, CallbackData) and cls is not CallbackData and enum_fields(cls)
    }
    assert kinds == {type(sample) for sample in samples}, "a kind with an Enum field has no sample here"
    outdated = texts("ru").plain("refusal", reason="unknown_button")
    before = await snapshot(app)
    tried = 0
    for sample in samples:
        cls, data = type(sample), sample.pack()
        assert cls.unpack(data) == sample  # the real code parses
        for field in enum_fields(cls):
            start = len(chat.requests())
            await chat.presses(with_code(data, cls, field, "zz"))
            after = chat.requests()[start:]
            assert [type(m) for m in after] == [AnswerCallbackQuery], (cls.__name__, field)
            assert after[0].text == outdated, (cls.__name__, field, after[0].text)
            tried += 1
    assert tried == sum(len(enum_fields(type(sample))) for sample in samples) > len(samples)
    assert await snapshot(app) == before
    assert errors_logged(caplog) == []


async def test_lang_switches_the_next_screen_to_kazakh(app):
    chat = app.chat
    await chat.says("/lang")
    assert "Тілді таңдаңыз" in chat.text
    await chat.taps("Қазақша")
    assert chat.text != "" and "русский" not in chat.text
    user = await app.services.access.user(ADMIN)
    assert user.language == "kk"
    await chat.says("/new")
    assert "1/9-қадам" in chat.text and "қадам" in chat.text
    assert telegram_problems(chat.requests()) == []


async def test_the_bot_stays_silent_in_group_chats(app):
    """A check sheet is private: in a group even an admin gets nothing, and nothing is stored."""
    update = Update.model_validate(
        {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 1_764_000_000,
                "text": "/new",
                "chat": {"id": -100123, "type": "supergroup", "title": "Отдел"},
                "from": {"id": ADMIN, "is_bot": False, "first_name": "Admin"},
                "entities": [{"type": "bot_command", "offset": 0, "length": 4}],
            },
        },
        context={"bot": app.bot},
    )
    await app.dp.feed_update(app.bot, update)
    assert app.bot.requests == []
    assert (await app.services.db.fetch_one("SELECT count(*) FROM inspections"))[0] == 0


async def test_a_bare_bin_reaches_the_look_up_while_a_draft_waits_for_a_button_and_writes_nothing(app, monkeypatch):
    chat = app.chat
    await fill_header(chat, HEADER)
    await answer(chat, 1, COMPLIES)
    before = await snapshot(app)
    writes = []
    db = app.services.db
    real_run, real_run_one, real_transaction = db.run, db.run_one, db.transaction
    monkeypatch.setattr(db, "run", lambda fn, *a, **k: writes.append(fn.__name__) or real_run(fn, *a, **k))
    monkeypatch.setattr(db, "run_one", lambda fn, *a, **k: writes.append(fn.__name__) or real_run_one(fn, *a, **k))
    monkeypatch.setattr(db, "transaction", lambda: writes.append("transaction") or real_transaction())

    await chat.says("940215001231")  # another subject's BIN, typed while item 2 waits for a button
    assert "940215001231" in chat.text and "ещё не проверялся" in chat.text
    assert writes == []  # the look-up opened no write transaction
    assert await snapshot(app) == before
    await chat.says("просто текст")  # any other text: the hint and the same screen again, below
    assert "кнопк" in chat.text and "2/19" in chat.text
    assert writes == ["_set_message_work"]  # only which message now shows the screen
    monkeypatch.undo()
    await chat.taps(COMPLIES)  # the draft goes on where it was
    assert chat.text.startswith("3/19")


async def test_a_typed_header_value_is_routed_without_a_thread_switch(app, monkeypatch):
    """aiogram runs a plain filter (a magic filter's resolve, a ``def``) through ``asyncio.to_thread``; the
    dispatcher is built so that every filter runs on the event loop (bot/handlers/on_loop.py)."""
    assert synchronous_filters(app.dp) == []
    threads = []
    real = asyncio.to_thread
    monkeypatch.setattr(asyncio, "to_thread", lambda fn, *a, **k: threads.append(fn) or real(fn, *a, **k))
    await fill_header(app.chat, HEADER[:3])
    assert threads == []
    assert (await draft(app)).step == HEADER_FIELDS[3]  # the texts reached the check sheet's handler

    fresh = Dispatcher()
    fresh.include_router(inspection_router())
    assert synchronous_filters(fresh), "aiogram would run these in a thread: the test above proves nothing"


async def test_a_file_for_verify_or_import_is_no_evidence_even_while_an_item_waits_for_evidence(app, monkeypatch):
    """The check sheet's router is tried first (nearly every update is an inspector's), and it takes no file:
    a PDF sent to /verify and a table sent to /import reach their own handlers while item 1's evidence screen
    is open; a photo after them is that item's evidence. A tap passes through that one router only."""
    chat, t, imports = app.chat, texts("ru"), app.services.imports
    await fill_header(chat, HEADER)
    await answer(chat, 1, VIOLATED)
    sheet = await draft(app)
    assert sheet.pending_evidence == 1

    def kinds() -> Any:
        return app.services.db.read(lambda r: [e.kind for e in r.inspections.evidence(sheet.id)])

    pdf = b"%PDF-1.4\n% no sheet of ours\n"
    await chat.says("/verify")
    await chat.sends_document("act.pdf", pdf, "application/pdf")
    assert chat.text == visible(t("verify_no_match", sha256=hashlib.sha256(pdf).hexdigest()))
    await chat.sends_document("subjects.xlsx", b"not a spreadsheet", XLSX_MIME, caption="/import")
    limit_mb = imports.max_file_bytes // (1024 * 1024)
    refused = t("import_refused", reason="not_a_table", max_mb=limit_mb, max_rows=imports.max_rows)
    assert chat.text == visible(refused)
    assert await kinds() == []
    await chat.sends_photo()
    assert await kinds() == ["photo"]

    passed = []
    real = Router.propagate_event
    monkeypatch.setattr(
        Router, "propagate_event", lambda self, *a, **k: passed.append(self.name) or real(self, *a, **k)
    )
    await chat.taps(NEXT)
    assert chat.text.startswith("2/19")
    assert [name for name in passed if name != app.dp.name] == ["inspection"]


async def test_the_review_switches_to_the_header_and_back_in_the_same_message(app):
    """The header's fields under the review message and back again (the update of a tap carries no draft:
    the handler reads it). A switch from a message that no longer shows the draft is refused as stale."""
    chat, t = app.chat, texts("ru")
    await fill_header(chat, HEADER)
    await answer_rest(chat, 1)
    review = chat.screen.message_id
    await chat.taps(t.plain("btn_header"))
    assert chat.screen.message_id == review
    assert "ТОО «Ақ жол»" in chat.text and "Проверка ответов" not in chat.text
    await chat.taps(t.plain("btn_review"))
    assert chat.screen.message_id == review and "Проверка ответов" in chat.text

    header = chat.button(t.plain("btn_header"))
    await chat.says("/resume")  # the draft's screen moves to a new message
    assert chat.screen.message_id != review
    await chat.presses(header, message_id=review)
    assert chat.toasts()[-1] == t.plain("refusal", reason="stale")


@pytest.mark.parametrize("isolated", [True, False])
async def test_a_webhook_handles_one_persons_updates_one_at_a_time(tmp_path, monkeypatch, isolated):
    """A webhook has no inbox to order a person's updates, so its dispatcher keeps aiogram's per-sender lock:
    two updates of one person arriving at once are handled one after the other. (Polling's inbox orders them
    itself: tests/test_inbox_polling.py; its dispatcher goes without the lock, and here they overlap.)"""
    services, _, bot = await assembled(tmp_path)
    dp = build_dispatcher(services, isolate_senders=isolated)
    spans: list[tuple[float, float]] = []
    real = services.access.sender

    async def slow_sender(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        await asyncio.sleep(0.05)
        result = await real(*args, **kwargs)
        spans.append((start, time.perf_counter()))
        return result

    monkeypatch.setattr(services.access, "sender", slow_sender)
    updates = [message_update("/help", user_id=ADMIN, update_id=n, message_id=n, bot=bot) for n in (1, 2)]
    await asyncio.gather(*(dp.feed_update(bot, update) for update in updates))
    (_, first_end), (second_start, _) = sorted(spans)
    assert (second_start >= first_end) is isolated
    assert len(bot.session.requests) == 2  # both were answered
    await services.db.close()
