"""Bad input, property-based: hypothesis plays people who type anything, at any step of a check sheet, press
forged, truncated, stale and repeated buttons, send 4,096-character messages, HTML- and Markdown-like text,
files of the wrong type and size, a photo where a document is expected, commands with any arguments.

Through the real dispatcher (tests/reliability/harness.py) with the recording session in strict mode: it
rejects what Telegram rejects, and every request is checked as Telegram would (tests/test_handlers.py's
``telegram_problems``). For every update: a reply (a message, an edit or a callback answer), or one of the
documented silences below; no handler failure (``on_error`` logs "update N failed"); nothing rejected.

Documented silences (README, "Readings"): a redelivered message already applied (same message id), and the
second and later files of one album (one screen per album). Neither is generated here, so every update here
must be answered.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import logging
import time
import zipfile
from typing import Any

import pytest_asyncio
from aiogram.exceptions import TelegramAPIError
from aiogram.methods import AnswerCallbackQuery
from aiogram.types import Update
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.images import png
from tests.reliability import harness as h
from tests.reliability.conftest import PROFILE
from tests.reliability.figures import FIGURES
from tests.test_handlers import telegram_problems

MAX_TEXT = 4096
MAX_DOWNLOAD = 20 * 1024 * 1024  # Telegram's getFile limit
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MARKUPISH = [
    "<b>",
    "</b>",
    "<i>x",
    "<a href='javascript:alert(1)'>x</a>",
    "&",
    "&amp;",
    "&#0;",
    "<tg-spoiler>",
    "*жирный*",
    "_курсив_",
    "`код`",
    "```\nblock\n```",
    "[ссылка](http://x)",
    "\\",
    "<",
    ">",
    "\"'",
    "<script>alert(1)</script>",
    "\u200b",
    "\u202e",
    "🏁",
    "\x00",
    "\n\n\n",
    "  ",
    "ё",
    "Ә",
]
COMMANDS = [
    "/start",
    "/help",
    "/lang",
    "/new",
    "/resume",
    "/cancel",
    "/mine",
    "/bin",
    "/subject",
    "/objective",
    "/findings",
    "/plan",
    "/export",
    "/invite",
    "/users",
    "/role",
    "/revoke",
    "/restore",
    "/status",
    "/backup",
    "/audit",
    "/unknown",
    "/start@risk_sandbox_bot",
    "/",
]
FILES = [
    ("doc.pdf", "application/pdf"),
    ("virus.exe", "application/x-msdownload"),
    ("a.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("photo.jpg", "image/jpeg"),
    ("noname", None),
    ("a" * 200 + ".txt", "text/plain"),
    ("<b>x</b>.pdf", "application/pdf"),
]


def texts() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(min_size=1, max_size=300),
        st.lists(st.sampled_from(MARKUPISH), min_size=1, max_size=12).map("".join),
        st.builds(
            lambda c, n: (c * MAX_TEXT)[:n],
            st.sampled_from(["x", "Ә", "<", "&", "🏁", "ab "]),
            st.sampled_from([MAX_TEXT, MAX_TEXT - 1, 2000, 2001, 1024]),
        ),
        st.from_regex(r"\A[0-9 \-]{10,16}\Z"),  # digits that look like an IIN/BIN
        st.sampled_from(["990340001230", "990340001231", "03.11.2026", "31.02.2026", "01.01.1999", "0", "-1"]),
    )


def actions(callbacks: list[str]) -> st.SearchStrategy[tuple[str, Any]]:
    forged = st.one_of(
        st.sampled_from(callbacks),
        st.builds(lambda d, k: d[:k], st.sampled_from(callbacks), st.integers(0, 20)),  # truncated
        st.builds(
            lambda d, v: ":".join([d.split(":")[0], v, *d.split(":")[2:]]),
            st.sampled_from(callbacks),
            st.sampled_from(["0", "-1", "999999", "99999999999999999999", "x", "", "1.5"]),
        ),  # other sheets
        st.builds(
            lambda d, v: d.rsplit(":", 1)[0] + ":" + v,
            st.sampled_from(callbacks),
            st.sampled_from(["c", "v", "n", "b", "e", "r", "g", "z", "", "finish", "discard", "approve"]),
        ),
        st.text(max_size=64).filter(lambda s: len(s.encode()) <= 64),
    )
    return st.one_of(
        st.tuples(st.just("forward"), st.integers(1, 12)),  # move on through the sheet the normal way
        st.tuples(st.just("text"), texts()),
        st.tuples(st.just("command"), st.tuples(st.sampled_from(COMMANDS), st.one_of(st.just(""), texts()))),
        st.tuples(st.just("press"), forged),
        st.tuples(st.just("tap"), st.integers(0, 30)),  # one of the latest screen's buttons
        st.tuples(st.just("again"), st.just(None)),  # the previous press, once more (a double tap / a stale one)
        st.tuples(st.just("photo"), st.integers(0, 12 * 1024 * 1024)),
        st.tuples(
            st.just("document"),
            st.tuples(
                st.sampled_from(FILES),
                st.sampled_from([0, 1, 10_000, MAX_DOWNLOAD, MAX_DOWNLOAD + 1, 50 * 1024 * 1024]),
            ),
        ),
    )


class Failures(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage() + (f" {record.exc_info[1]!r}" if record.exc_info else ""))


@pytest_asyncio.fixture
async def seeded(tmp_path):
    s = await h.seed(tmp_path)
    s.bot.session.strict = True  # from here on, what Telegram would reject is rejected
    failures = Failures()
    logging.getLogger().addHandler(failures)
    s.failures = failures
    yield s
    logging.getLogger().removeHandler(failures)
    await s.services.db.close()


FORWARD = {"✅ Соответствует", "➡ Далее", "📋 К проверке", "🏁 Завершить"}  # finishing renders the PDF too
HEADER_VALUES = itertools.cycle(
    ["ТОО Ақ жол", "Астана", "Акимат", "Агентство", "5", "03.11.2026", "Иванов И.", "Эксперт"]
)
_files = itertools.count(1)
PNG = png(16, 12)


async def send_file(chat, kind: str, name: str | None = None, mime: str | None = None, size: int = 0) -> None:
    file_id = f"F{next(_files)}"
    chat.session.add_file(file_id, b"%PDF-1.4\n" if kind == "document" else PNG, file_path=f"files/{file_id}")
    user = {"id": chat.user_id, "is_bot": False, "first_name": chat.first_name, "language_code": chat.language_code}
    message: dict[str, Any] = {
        "message_id": next(chat._own_messages),
        "date": int(time.time()),
        "from": user,
        "chat": {"id": chat.user_id, "type": "private", "first_name": chat.first_name},
    }
    if kind == "photo":
        message["photo"] = [
            {"file_id": file_id, "file_unique_id": f"U{file_id}", "width": 1280, "height": 960, "file_size": size}
        ]
    else:
        message["document"] = {
            "file_id": file_id,
            "file_unique_id": f"U{file_id}",
            "file_size": size,
            **({"file_name": name} if name else {}),
            **({"mime_type": mime} if mime else {}),
        }
    await chat._feed(
        Update.model_validate({"update_id": next(chat._updates), "message": message}, context={"bot": chat.bot})
    )


async def step(chat, action: tuple[str, Any], last_press: list[str]) -> tuple[int, int]:
    """Play one action; return how many updates it sent and how many of them were button presses."""
    kind, value = action

    async def press(data: str, message_id: int | None = None) -> tuple[int, int]:
        last_press[:] = [data]
        await chat.presses(data, message_id=message_id)
        return 1, 1

    if kind == "forward":
        sent = presses = 0
        for _ in range(value):
            forward = [t for t, _ in chat.buttons() if any(t.startswith(f) for f in FORWARD)]
            if forward:
                await press(chat.button(forward[0]))
                presses += 1
            else:
                await chat.says(
                    next(HEADER_VALUES)
                    if chat.text.startswith("Шаг")
                    else "Пропустить"
                    if chat.text.startswith("📍")
                    else "/resume"
                )
            sent += 1
        return sent, presses
    if kind == "text":
        await chat.says(value)
    elif kind == "command":
        command, argument = value
        await chat.says(f"{command} {argument}".strip() if argument else command)
    elif kind == "press":
        return await press(value, chat.screen.message_id if chat.screen else 1)
    elif kind == "tap" and chat.buttons():
        buttons = chat.buttons()
        return await press(buttons[value % len(buttons)][1])
    elif kind == "again" and last_press:
        return await press(last_press[0], chat.screen.message_id if chat.screen else 1)
    elif kind in ("tap", "again"):
        await chat.says("/resume")
    elif kind == "photo":
        await send_file(chat, "photo", size=value)
    else:
        (name, mime), size = value
        await send_file(chat, "document", name, mime, size)
    return 1, 0


class Tally:
    inputs = crashes = rejected = unanswered = 0
    problems: list[str] = []  # noqa: RUF012 -- one tally per test run


async def test_whatever_people_send_at_any_step_gets_an_answer_and_nothing_breaks(seeded):
    s = seeded
    callbacks = sorted(d for group in s.callbacks.values() for d in group)
    tally = Tally()
    tally.problems = []
    chats = [s.chat(h.INSPECTOR_B), s.chat(h.ADMIN), s.chat(h.SUPERVISOR), s.chat(h.HEAD)]

    @settings(settings.get_profile(PROFILE), max_examples=settings.get_profile(PROFILE).max_examples)
    @given(who=st.integers(0, len(chats) - 1), script=st.lists(actions(callbacks), min_size=1, max_size=15))
    def run(who: int, script: list[tuple[str, Any]]) -> None:
        asyncio.run_coroutine_threadsafe(play(chats[who], script), loop).result()

    async def play(chat, script) -> None:
        last_press: list[str] = []
        for action in script:
            start, seen_answers, failures = (
                len(s.bot.session.requests),
                len(chat.session.answers),
                len(s.failures.records),
            )
            sent, presses = await step(chat, action, last_press)
            tally.inputs += sent
            new = s.bot.session.requests[start:]
            if len(s.failures.records) > failures:
                tally.crashes += 1
                tally.problems.append(f"{action!r}: {s.failures.records[failures:]}")
            rejected = telegram_problems(new) + [
                f"{type(m).__name__}: {r}"
                for m, r in chat.session.answers[seen_answers:]
                if isinstance(r, TelegramAPIError)
            ]
            if rejected:
                tally.rejected += len(rejected)
                tally.problems.append(f"{action!r}: rejected {rejected}")
            if sent and not h.sent_to(new, chat.user_id):
                tally.unanswered += 1
                tally.problems.append(f"{action!r}: no answer")
            if sum(isinstance(m, AnswerCallbackQuery) for m in new) < presses:
                tally.unanswered += 1
                tally.problems.append(f"{action!r}: a press without a callback answer (the client spins)")

    loop = asyncio.get_running_loop()
    await asyncio.to_thread(run)  # hypothesis drives from a thread; the bot runs on this loop
    FIGURES.add("bad input: updates tried", tally.inputs)
    FIGURES.add("bad input: crashes", tally.crashes)
    FIGURES.add("bad input: API calls Telegram would reject", tally.rejected)
    FIGURES.add("bad input: updates without an answer", tally.unanswered)
    assert tally.inputs > 100
    assert not tally.problems, "\n".join(tally.problems[:20])


async def test_a_button_with_a_number_too_big_for_the_database_is_an_unknown_button(seeded):
    """Found by the property above: 'i:99999999999999999999:1:g' used to fail in SQLite (OverflowError)."""
    for user_id in (h.INSPECTOR_B, h.ADMIN):
        chat = seeded.chat(user_id)
        await chat.says("/help")
        for data in (
            "i:99999999999999999999:1:g",
            "d:-1:finish:",
            "p:18446744073709551616:ru",
            "im:apply:99999999999999999999:",
            "im:cancel:-5:",
            "v:99999999999999999999:1:show",
        ):
            start = len(seeded.bot.session.requests)
            await chat.presses(data)
            answers = [m for m in seeded.bot.session.requests[start:] if isinstance(m, AnswerCallbackQuery)]
            assert len(answers) == 1, data
    assert seeded.failures.records == []


def zip_bomb(unpacked: int) -> bytes:
    """A zip whose one member unpacks to ``unpacked`` bytes of zeros (a few hundred KB packed), named like a
    workbook's part."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member,
    ):
        chunk = b"\0" * (1024 * 1024)
        for _ in range(unpacked // len(chunk)):
            member.write(chunk)
    return buffer.getvalue()


def bad_tables() -> list[tuple[str, str | None, str | None, bytes, int | None]]:
    """(what, file name, MIME type, bytes, stated size) of files sent as imports."""
    header = "БИН;Наименование;Вид\n"
    return [
        ("binary garbage named .csv", "registry.csv", "text/csv", bytes(range(256)) * 40, None),
        ("an empty file", "empty.csv", "text/csv", b"", None),
        ("a header only", "header.csv", "text/csv", header.encode(), None),
        ("unknown columns", "other.csv", "text/csv", b"a,b,c\n1,2,3\n", None),
        ("a CSV named .xlsx", "registry.xlsx", XLSX, (header + f"{h.SUBJECT_BIN};x;y\n").encode(), None),
        ("a zip bomb renamed .xlsx", "bomb.xlsx", XLSX, zip_bomb(600 * 1024 * 1024), None),
        ("a truncated workbook", "cut.xlsx", XLSX, zip_bomb(2 * 1024 * 1024)[:3000], None),
        (
            "HTML and 4,096-character cells",
            "html.csv",
            "text/csv",
            (header + f"{h.SUBJECT_BIN};<b>ТОО</b> &amp; <script>x</script>{'Ә' * 4096};<i>ЦОН\n").encode(),
            None,
        ),
        (
            "cp1251 with a BOM-less header",
            "win.csv",
            "text/csv",
            (header + "990340001230;ТОО;ЦОН\n").encode("cp1251"),
            None,
        ),
        ("too many rows", "huge.csv", "text/csv", (header + f"{h.SUBJECT_BIN};ТОО;ЦОН\n" * 120_000).encode(), None),
        ("stated bigger than the limit", "big.csv", "text/csv", header.encode(), 60 * 1024 * 1024),
        ("a photo sent as the file", "photo.jpg", "image/jpeg", PNG, None),
        ("a PDF", "act.pdf", "application/pdf", b"%PDF-1.4\n%%EOF\n", None),
    ]


async def test_malformed_huge_and_bomb_imports_are_refused_with_a_message_and_change_nothing(seeded):
    s = seeded
    admin = s.chat(h.ADMIN)
    registry = [tuple(r) for r in await s.services.db.fetch_all("SELECT * FROM subjects ORDER BY id")]
    tried = crashes = rejected = unanswered = 0
    problems = []
    for what, name, mime, content, size in bad_tables():
        start, failures = len(s.bot.session.requests), len(s.failures.records)
        await h.send_document(admin, name, mime, content, caption="/import", size=size)
        tried += 1
        new = s.bot.session.requests[start:]
        replies = [m for m in h.sent_to(new, h.ADMIN) if getattr(m, "text", None)]
        if len(s.failures.records) > failures:
            crashes += 1
            problems.append(f"{what}: {s.failures.records[failures:]}")
        if telegram_problems(new):
            rejected += len(telegram_problems(new))
            problems.append(f"{what}: {telegram_problems(new)}")
        if not replies:
            unanswered += 1
            problems.append(f"{what}: no answer")
        # Nothing is applied without the apply button: the registry is as it was.
        assert [tuple(r) for r in await s.services.db.fetch_all("SELECT * FROM subjects ORDER BY id")] == registry
    # A photo where the table is expected (after /import): answered too, nothing imported.
    await admin.says("/import")
    start = len(s.bot.session.requests)
    await admin.sends_photo("PHOTO-AS-TABLE")
    tried += 1
    if not [m for m in h.sent_to(s.bot.session.requests[start:], h.ADMIN) if getattr(m, "text", None)]:
        unanswered += 1
        problems.append("a photo after /import: no answer")
    FIGURES.add("bad input: malformed imports tried", tried)
    FIGURES.add("bad input: crashes", crashes)
    FIGURES.add("bad input: API calls Telegram would reject", rejected)
    FIGURES.add("bad input: updates without an answer", unanswered)
    assert not problems, "\n".join(problems)
