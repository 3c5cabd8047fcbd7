"""The real dispatcher without a network, for the bad-input and access suites.

The bot is assembled as in production (``prepare`` + ``build_dispatcher``) on a real SQLite file with the
recording session of tests/test_handlers.py (aiogram's real response checks). :func:`seed` plays a small
history through the dispatcher: an admin, a head, a supervisor, two inspectors; inspector A finishes a check
sheet about a subject with recognisable names and leaves a second sheet as a draft. ``Seeded.markers`` are
strings that only that subject and those sheets carry: if one reaches someone, it leaked.
"""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiogram import Dispatcher
from aiogram.methods import AnswerCallbackQuery, AnswerInlineQuery, TelegramMethod
from aiogram.types import InlineKeyboardMarkup, Update

from bot.app import Services
from bot.commands import BY_NAME
from sandbox.recording import RecordingBot
from tests.test_handlers import COMPLIES, FINISH, Chat, assembled

ADMIN, HEAD, SUPERVISOR, INSPECTOR_A, INSPECTOR_B, REVOKED, STRANGER = 1001, 1002, 1003, 2001, 2002, 2009, 4242
SUBJECT_BIN = "990340001230"
SUBJECT_NAME = "ТОО Маркер-Жасырын"
SUBJECT_ADDRESS = "Астана, Құпия көшесі 7"
ACT_NUMBER = "АКТ-7731"
INSPECTOR_A_NAME = "Сейтқали Маркерқызы"
HEADER = [
    SUBJECT_BIN,
    SUBJECT_NAME,
    SUBJECT_ADDRESS,
    "Акимат г. Астаны",
    "Агентство",
    ACT_NUMBER,
    "03.11.2026",
    INSPECTOR_A_NAME,
    "Главный эксперт",
]


@dataclass
class Seeded:
    services: Services
    dp: Dispatcher
    bot: RecordingBot
    chats: dict[int, Chat]
    finalized_id: int
    draft_id: int
    # every callback_data the bot ever put on a button while seeding, by CallbackData prefix
    callbacks: dict[str, set[str]] = field(default_factory=dict)
    markers: tuple[str, ...] = (SUBJECT_BIN, SUBJECT_NAME, SUBJECT_ADDRESS, ACT_NUMBER, INSPECTOR_A_NAME)

    def chat(self, user_id: int, language_code: str = "ru") -> Chat:
        if user_id not in self.chats:
            self.chats[user_id] = Chat(
                self.dp, self.bot, user_id, first_name=f"U{user_id}", language_code=language_code
            )
        return self.chats[user_id]


async def join(seeded: Seeded, user_id: int, role: str) -> Chat:
    admin = seeded.chat(ADMIN)
    await admin.says(f"/invite {role}")
    token = re.search(r"start=([\w-]+)", admin.text).group(1)
    chat = seeded.chat(user_id)
    await chat.says(f"/start {token}")
    return chat


async def seed(tmp_path: Path) -> Seeded:
    services, dp, bot = await assembled(tmp_path)  # as the handler tests assemble it
    seeded = Seeded(services, dp, bot, {}, 0, 0)
    await seeded.chat(ADMIN).says("/start")
    for user_id, role in (
        (HEAD, "head"),
        (SUPERVISOR, "supervisor"),
        (INSPECTOR_A, "inspector"),
        (INSPECTOR_B, "inspector"),
        (REVOKED, "inspector"),
    ):
        await join(seeded, user_id, role)
    a = seeded.chat(INSPECTOR_A)
    await a.says("/new")
    for value in HEADER:
        await a.says(value)
    await a.says("Пропустить")  # the location step
    while re.match(r"^\d+/\d+", a.text):  # every item complies
        await a.taps(COMPLIES)
    await a.taps(FINISH)
    await a.says(f"/new {SUBJECT_BIN}")  # a second sheet, left as a draft
    await seeded.chat(ADMIN).says(f"/revoke {REVOKED}")
    admin = seeded.chat(ADMIN)
    for command in (f"/bin {SUBJECT_BIN}", f"/objective {SUBJECT_BIN}", f"/findings {SUBJECT_BIN}", "/plan", "/lang"):
        await admin.says(command)  # to harvest the buttons these screens carry
        if command == f"/findings {SUBJECT_BIN}" and admin.buttons():
            await admin.presses(admin.buttons()[0][1])
    if "import" in BY_NAME:  # an import's preview, left pending: its buttons are harvested too
        await admin.says("/import")
        table = f"БИН;Наименование;Вид\n{SUBJECT_BIN};{SUBJECT_NAME};ЦОН\n".encode()
        await send_document(admin, "registry.csv", "text/csv", table, caption="/import")
    rows = await services.db.fetch_all(
        "SELECT id, status FROM inspections WHERE inspector_id = ? ORDER BY id", (INSPECTOR_A,)
    )
    statuses = {row[1]: row[0] for row in rows}
    assert set(statuses) == {"finalized", "draft"}, statuses
    seeded.finalized_id, seeded.draft_id = statuses["finalized"], statuses["draft"]
    for method in bot.session.requests:
        markup = getattr(method, "reply_markup", None)
        if isinstance(markup, InlineKeyboardMarkup):
            for button in (b for row in markup.inline_keyboard for b in row):
                if button.callback_data:
                    prefix = button.callback_data.split(":", 1)[0]
                    seeded.callbacks.setdefault(prefix, set()).add(button.callback_data)
    return seeded


_files = itertools.count(1)


async def send_document(
    chat: Chat,
    name: str | None,
    mime: str | None,
    content: bytes,
    *,
    caption: str | None = None,
    size: int | None = None,
) -> None:
    """The person sends a file (downloadable through getFile); ``size`` overrides the size Telegram states."""
    file_id = f"DOC{next(_files)}"
    chat.session.add_file(file_id, content, file_path=f"documents/{file_id}")
    user = {"id": chat.user_id, "is_bot": False, "first_name": chat.first_name, "language_code": chat.language_code}
    document = {
        "file_id": file_id,
        "file_unique_id": f"U{file_id}",
        "file_size": len(content) if size is None else size,
        **({"file_name": name} if name else {}),
        **({"mime_type": mime} if mime else {}),
    }
    message = {
        "message_id": next(chat._own_messages),
        "date": int(time.time()),
        "from": user,
        "chat": {"id": chat.user_id, "type": "private", "first_name": chat.first_name},
        "document": document,
        **({"caption": caption} if caption else {}),
    }
    await chat._feed(
        Update.model_validate({"update_id": next(chat._updates), "message": message}, context={"bot": chat.bot})
    )


def sent_to(requests: list[TelegramMethod[Any]], user_id: int) -> list[TelegramMethod[Any]]:
    """What reached this person: messages, edits, documents in their chat, answers to their taps and to their
    inline queries."""
    return [
        m
        for m in requests
        if getattr(m, "chat_id", None) == user_id or isinstance(m, (AnswerCallbackQuery, AnswerInlineQuery))
    ]


def everything_in(method: TelegramMethod[Any]) -> str:
    """Every field of a request as text: texts, captions, buttons, inline results, file names."""
    strings: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    walk(method.model_dump(exclude_none=True, warnings=False))
    return "\n".join(strings)


_inline_ids = itertools.count(1)


async def inline_query(seeded: Seeded, user_id: int, query: str) -> None:
    """The person types ``@bot <query>`` in some chat."""
    chat = seeded.chat(user_id)
    update = Update.model_validate(
        {
            "update_id": next(chat._updates),
            "inline_query": {
                "id": f"iq{next(_inline_ids)}",
                "from": {"id": user_id, "is_bot": False, "first_name": chat.first_name, "language_code": "ru"},
                "query": query,
                "offset": "",
                "chat_type": "private",
            },
        },
        context={"bot": seeded.bot},
    )
    await seeded.dp.feed_update(seeded.bot, update)
