"""One update through ``dp.feed_update``: our bot against a bare aiogram echo bot, and the check sheet's PDF.

Our bot: the real dispatcher (``build_dispatcher(prepare(settings))``: access middleware, routers, services,
presenter, templates) on a real SQLite file (``Database.open`` in a temp dir: WAL, the real migrations), with a
``RecordingBot`` (no network: every API call is answered locally through aiogram's real ``check_response``).
The inspector is an admin through ``ADMIN_IDS``, so no invitation is needed. One person walks whole inspections
like a Telegram client would: they type the header, tap the buttons shown on the *latest* screen message (the
message id the session returned for the latest ``sendMessage``), and finish on the review screen. Each update is
timed with ``perf_counter_ns`` around ``await dp.feed_update(bot, update)``; the update object is built (bound to
the bot, as polling does) before the clock starts.

The finish update renders the PDF (weasyprint, ~0.5 s) and is timed on its own line, never in the per-update
figures. Only the first ``--finish-pdf`` finishes render the real PDF; later ones get that document back from a
stand-in for ``ReportService.check_sheet`` (the rest of the finish path is real), so 200 inspections take
seconds, not minutes. The PDF itself is measured in part (c).

Echo bot: a ``Dispatcher`` with one router, ``message.answer(message.text)`` for a message and
``callback.answer(); callback.message.edit_text("x")`` for a button, fed the same texts and button data in the
same order through the same kind of session (both bots as ``recording_bot`` makes them). The two are
interleaved: each inspection's updates go to our bot, then the same updates to the echo bot, in one event loop
on one CPU, so a slow or fast stretch of this shared machine lands on both and the ratio holds still.

Every update is checked: the bot answered (a message for a text, a callback answer for a button), our person
reached each item's buttons, and the database holds every inspection finalized with the expected indicator.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import math
import pstats
import re
import resource
import sqlite3
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage, TelegramMethod
from aiogram.types import CallbackQuery, Message, Update

from bench.lookup import one_cpu
from bot.app import Services, build_dispatcher, prepare, retry_requests
from bot.catalogue import default_catalogue
from bot.config import Settings, load_settings
from bot.db import database as database_module
from bot.scoring import Answer, Evaluation, assess
from bot.services.inspections import result_to_dict
from bot.services.reports import CheckSheetDocument
from bot.telegram_limits import keep_response_models
from bot.ui.callbacks import ACT_BY_ANSWER, DraftAct, DraftAction, ItemAct, ItemAction
from bot.validation import control_digit
from sandbox.images import png
from sandbox.recording import RecordingBot, RecordingSession, as_client_reads, callback_update, message_update

DEFAULTS = {"inspections": 200, "renders": 20}
QUICK = {"inspections": 20, "renders": 5}
WARMUP_INSPECTIONS = 1  # per bot, untimed
PDF_WARMUPS = 2
FINISH_PDF = 5  # finishes that render the real PDF; later ones reuse that document
PROFILE_INSPECTIONS = 50
INSPECTOR = 700_001
FIRST_USER_MESSAGE = 1_000_000  # the person's own message ids; the bot's come from the session, from 1
QUANTILES = (0.5, 0.9, 0.99, 1.0)
TARGET_RATIO = 3.0
TARGET_P99_MS = 5.0
TARGET_PDF_S = 0.5
PDF_IMAGE = re.compile(rb"/Subtype\s*/Image\b")  # one per image embedded in the PDF

# The fixed mix of one inspection. Item 1 (significant) is violated with a comment, item 6 (minor) is violated
# without one, item 4 (a conditional duty) does not apply, with its reason; every other item complies:
# SP = 8.75 + 30.00 = 38.75, not high risk.
SUBJECTS = ("ТОО «Ақ жол сервис»", "ГКП «Центр обслуживания населения» г. Астаны")
ANSWERS = {1: Answer.VIOLATED, 6: Answer.VIOLATED, 4: Answer.NOT_APPLICABLE}
COMMENTS = {
    1: "Отчёт о публичном обсуждении проекта подзаконного акта на интернет-ресурсе не размещён.",
    4: "Услугодатель не является государственным органом: интернет-ресурса нет.",
}
CODES = ACT_BY_ANSWER  # the answer codes of the callback data


def subject_bin(index: int) -> str:
    """A valid BIN of its own for each inspection: item 10 allows one visit a year, and a second visit of
    the same subject in the act's year would add a reason step to the header."""
    for candidate in range(index * 10, index * 10 + 10):
        first_eleven = f"99034{candidate:06d}"  # 5th digit 4: a legal entity's BIN
        digit = control_digit(first_eleven)
        if digit is not None:
            return first_eleven + str(digit)
    raise AssertionError("no valid BIN among ten candidates")


SKIP_LOCATION = "Пропустить"  # the location step after the header (its reply-keyboard button)


def header_values(index: int, act_date: str) -> list[str]:
    """The nine header texts of the ``index``-th inspection, in the order the bot asks them."""
    subject = index % len(SUBJECTS)
    return [
        subject_bin(index),
        SUBJECTS[subject],
        "Астана қ., Мәңгілік Ел даңғылы, 8, 3-қабат",
        "Акимат города Астаны",
        "Департамент Агентства Республики Казахстан по делам государственной службы по городу Астане",
        f"{index + 1}-П",
        act_date,
        "Сейтқали Айгерім Болатқызы",
        "Главный эксперт отдела контроля качества государственных услуг",
    ]


@dataclass(frozen=True, slots=True)
class Step:
    """One thing the person does: type a text, tap an item's answer, tap Next on the evidence screen, finish."""

    kind: str  # 'text', 'answer', 'next', 'finish'
    text: str = ""
    item: int = 0
    answer: Answer | None = None

    @property
    def is_text(self) -> bool:
        return self.kind == "text"


def inspection_script(index: int, act_date: str) -> list[Step]:
    steps = [
        Step("text", "/new"),
        *(Step("text", value) for value in header_values(index, act_date)),
        Step("text", SKIP_LOCATION),
    ]
    for item in range(1, 20):
        answer = ANSWERS.get(item, Answer.COMPLIES)
        steps.append(Step("answer", item=item, answer=answer))
        if answer in (Answer.VIOLATED, Answer.NOT_APPLICABLE):
            if item in COMMENTS:
                steps.append(Step("text", COMMENTS[item]))
            steps.append(Step("next", item=item))
    steps.append(Step("finish"))
    return steps


def describe_mix() -> str:
    parts = []
    for item in range(1, 20):
        answer = ANSWERS.get(item)
        if answer is Answer.VIOLATED:
            parts.append(f"{item} violated" + (" + comment" if item in COMMENTS else "") + " + Next")
        elif answer is Answer.NOT_APPLICABLE:
            parts.append(f"{item} not applicable + reason + Next")
    return ", ".join(parts) + ", the others comply"


def expected_indicator() -> str:
    catalogue = default_catalogue()
    result = assess(
        (Evaluation(r.criterion, r.severity, ANSWERS.get(r.number, Answer.COMPLIES)) for r in catalogue.checklist),
        catalogue.constants,
    )
    return result_to_dict(result)["indicator"]


# --- the person's side of the chat ----------------------------------------------------------------------


class ObservedSession(RecordingSession):
    """A :class:`RecordingSession` that also keeps each answer, as the person's client would receive it: the
    result Telegram sent, whole (the screens' calls of our bot read only its id, bot/screen_calls.py). It is
    kept as sent and read by the client after the clock stops (:meth:`Phone.receive`)."""

    def __init__(self) -> None:
        super().__init__()
        self.exchanges: list[tuple[TelegramMethod[Any], Any]] = []

    def answered(self, method: TelegramMethod[Any], payload: dict[str, Any]) -> None:
        self.exchanges.append((method, payload.get("result")))


def recording_bot(*, ours: bool = True) -> RecordingBot:
    """Like ``create_bot``: HTML parse mode by default, the answers' response models held (without them
    pydantic rebuilds ``Response[Message]`` after garbage collections: a tenth of a tap's time in the
    samples); the session answers locally. Both bots of the comparison are made here; ours also gets the
    request middlewares ``create_bot`` gives the shipped bot (retries), which the bare echo bot has not."""
    session = ObservedSession()
    if ours:
        retry_requests(session)
    bot = RecordingBot(session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    bot.response_models = keep_response_models()
    return bot


class Phone:
    """One person's chat: what their client shows (the latest message the bot sent and its buttons)."""

    def __init__(self, bot: RecordingBot, user_id: int, first_name: str = "Айгерім") -> None:
        self.bot, self.user_id, self.first_name = bot, user_id, first_name
        self.session: ObservedSession = bot.session  # type: ignore[assignment]
        self.latest: int | None = None  # the latest message the bot sent (sendMessage) to this chat
        self.shown: Message | None = None  # that message as it looks now (edits applied)
        self._next_message_id = FIRST_USER_MESSAGE
        self._next_update_id = 0

    def _ids(self) -> tuple[int, int]:
        self._next_update_id += 1
        self._next_message_id += 1
        return self._next_update_id, self._next_message_id

    def text(self, text: str) -> Update:
        update_id, message_id = self._ids()
        return message_update(
            text,
            user_id=self.user_id,
            update_id=update_id,
            message_id=message_id,
            first_name=self.first_name,
            bot=self.bot,
        )

    def photo(self, file_id: str, content: bytes) -> Update:
        """A photo message; its bytes become downloadable through the session (getFile, download)."""
        self.session.add_file(file_id, content, file_path=f"photos/{file_id}.png")
        update_id, message_id = self._ids()
        user = {"id": self.user_id, "is_bot": False, "first_name": self.first_name, "language_code": "ru"}
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "from": user,
            "chat": {"id": self.user_id, "type": "private", "first_name": self.first_name},
            "photo": [
                {
                    "file_id": file_id,
                    "file_unique_id": f"U{file_id}",
                    "width": 64,
                    "height": 48,
                    "file_size": len(content),
                }
            ],
        }
        return Update.model_validate({"update_id": update_id, "message": message}, context={"bot": self.bot})

    def tap(self, data: str) -> Update:
        """A tap on a button of the latest message (the only one a real client would still show as current)."""
        update_id, _ = self._ids()
        shown = self.shown
        return callback_update(
            data,
            user_id=self.user_id,
            update_id=update_id,
            message_id=self.latest or 0,
            message_text=(shown.text or "…") if shown else "…",
            query_id=str(update_id),
            first_name=self.first_name,
            bot=self.bot,
        )

    def receive(self) -> list[tuple[TelegramMethod[Any], Any]]:
        """What the bot sent since the last call; the latest message is updated from the answers (older ones
        are not kept: memory stays flat over thousands of updates)."""
        exchanges = [(method, as_client_reads(result)) for method, result in self.session.exchanges]
        self.session.exchanges.clear()
        self.session.requests.clear()
        for method, result in exchanges:
            if isinstance(result, Message) and result.chat.id == self.user_id:
                if isinstance(method, SendMessage):
                    self.latest, self.shown = result.message_id, result
                elif result.message_id == self.latest:
                    self.shown = result
        return exchanges

    def buttons(self) -> list[str]:
        markup = self.shown.reply_markup if self.shown else None
        return [b.callback_data for row in (markup.inline_keyboard if markup else []) for b in row if b.callback_data]

    def button(self, wanted: Callable[[str], bool], what: str) -> str:
        found = [data for data in self.buttons() if wanted(data)]
        if not found:
            shown = self.shown.text if self.shown else ""
            raise RuntimeError(f"no {what} button on the latest screen: {(shown or '')[:120]!r} {self.buttons()}")
        return found[0]


def answered(kind: str, exchanges: Sequence[tuple[TelegramMethod[Any], Any]]) -> bool:
    """A text is answered by a message; a button by a callback answer."""
    wanted = SendMessage if kind == "text" else AnswerCallbackQuery
    return any(isinstance(method, wanted) for method, _ in exchanges)


# --- timing ----------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Timing:
    name: str
    nanoseconds: list[int] = field(default_factory=list)

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile in milliseconds."""
        ordered = sorted(self.nanoseconds)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)] / 1e6 if ordered else float("nan")

    @property
    def mean(self) -> float:
        return sum(self.nanoseconds) / len(self.nanoseconds) / 1e6 if self.nanoseconds else float("nan")

    @property
    def per_second(self) -> float:
        """Updates per second back to back: 1 / mean."""
        return 1e3 / self.mean if self.nanoseconds else float("nan")


class TimedReports:
    """Stands in for ``ReportService`` in the dispatcher: times ``check_sheet`` and, after ``real`` renders,
    returns the first rendered document instead of rendering again. Everything else goes to the service."""

    def __init__(self, service: Any, real: int) -> None:
        self._service, self._real = service, real
        self.renders: list[int] = []  # ns of each real check_sheet
        self._document: CheckSheetDocument | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._service, name)

    async def check_sheet(self, bot: Bot, inspection_id: int, lang: str) -> CheckSheetDocument:
        if self._document is not None and len(self.renders) >= self._real:
            return self._document
        start = time.perf_counter_ns()
        document = await self._service.check_sheet(bot, inspection_id, lang)
        self.renders.append(time.perf_counter_ns() - start)
        self._document = self._document or document
        return document


@dataclass(slots=True)
class OurRun:
    texts: Timing
    buttons: Timing
    all: Timing
    finish_with_pdf: Timing
    finish_reused: Timing
    finish_without_pdf: Timing  # the finishes with a render, minus their check_sheet
    fed: list[tuple[str, str]]  # (kind, text or callback data) of every timed update, in order
    inspection_ids: list[int]
    unanswered: int


@dataclass(slots=True)
class EchoRun:
    texts: Timing
    buttons: Timing
    all: Timing
    fed: int
    echoed_texts: int
    answered_buttons: int


@dataclass(frozen=True, slots=True)
class PdfRun:
    inspection_id: int
    seconds: list[float]
    size: int
    images: int  # embedded in the rendered PDF


@dataclass(frozen=True, slots=True)
class Options:
    inspections: int
    renders: int
    finish_pdf: int
    directory: Path | None
    pin: bool
    profile: bool
    synchronous: str = database_module.SYNCHRONOUS


@dataclass(frozen=True, slots=True)
class Finalized:
    """What the database says, read with plain sqlite3 after the run."""

    count: int
    indicators: dict[str, int]
    with_comment: int
    drafts: int


@dataclass(slots=True)
class Report:
    options: Options
    cpu: int | None
    database: Path
    ours: OurRun
    echo: EchoRun
    pdf: PdfRun
    finalized: Finalized
    expected_indicator: str
    expected_finalized: int
    profile: str | None = None


def settings_for(directory: Path, name: str) -> Settings:
    return load_settings(
        {"DATABASE_PATH": str(directory / name), "ADMIN_IDS": str(INSPECTOR), "BACKUP_DIR": str(directory / "backups")},
        env_file=None,
    )


async def walk(
    dp: Dispatcher,
    phone: Phone,
    steps: Sequence[Step],
    *,
    record: OurRun | None = None,
    reports: TimedReports | None = None,
    photo: tuple[str, bytes] | None = None,
    profiler: cProfile.Profile | None = None,
) -> int:
    """One inspection, step by step like a client; returns the inspection's id.

    ``record``: where the timings go (None: untimed). ``photo``: sent after the comment, as evidence.
    ``profiler``: enabled around every update but the finish.
    """
    clock = time.perf_counter_ns
    inspection_id = 0
    for step in steps:
        if step.is_text:
            update, fed = phone.text(step.text), ("text", step.text)
        else:
            if step.kind == "finish":
                wanted = DraftAction(inspection=inspection_id, action=DraftAct.FINISH).pack()
                what = "Finish"
            else:
                action = CODES[step.answer] if step.kind == "answer" else ItemAct.EVIDENCE_DONE
                wanted = ItemAction(inspection=inspection_id, item=step.item, action=action).pack()
                what = f"item {step.item} {step.kind}"
            data = phone.button(lambda d, w=wanted: d == w, what)
            update, fed = phone.tap(data), ("button", data)
        renders = len(reports.renders) if reports else 0
        profiling = profiler is not None and step.kind != "finish"
        if profiling:
            profiler.enable()
        start = clock()
        await dp.feed_update(phone.bot, update)
        elapsed = clock() - start
        if profiling:
            profiler.disable()
        exchanges = phone.receive()
        if record is not None:
            if step.kind == "finish":
                rendered = reports is not None and len(reports.renders) > renders
                (record.finish_with_pdf if rendered else record.finish_reused).nanoseconds.append(elapsed)
                if rendered:
                    record.finish_without_pdf.nanoseconds.append(elapsed - reports.renders[-1])
            else:
                (record.texts if step.is_text else record.buttons).nanoseconds.append(elapsed)
                record.all.nanoseconds.append(elapsed)
                record.fed.append(fed)
            if not answered(fed[0], exchanges):
                record.unanswered += 1
        if step.text == "/new":
            cancel = phone.button(lambda d: d.startswith("d:") and d.endswith(":cancel:"), "Cancel")
            inspection_id = DraftAction.unpack(cancel).inspection
        elif photo is not None and step.is_text and step.text in COMMENTS.values():
            await dp.feed_update(phone.bot, phone.photo(*photo))
            phone.receive()
    if record is not None:
        record.inspection_ids.append(inspection_id)
    return inspection_id


def act_date(settings: Settings) -> str:
    """A week ago: an act date the header accepts whenever the benchmark runs."""
    return (datetime.now(settings.timezone).date() - timedelta(days=7)).strftime("%d.%m.%Y")


async def run_ours(directory: Path, options: Options) -> tuple[OurRun, EchoRun, PdfRun]:
    """Our bot, inspection by inspection, each followed by the echo bot fed the same updates; then the PDFs."""
    settings = settings_for(directory, "ours.sqlite3")
    services = await prepare(settings)  # inside one_cpu: aiosqlite's worker thread is pinned too
    reports = TimedReports(services.reports, WARMUP_INSPECTIONS + options.finish_pdf)
    dp = build_dispatcher(replace(services, reports=reports))
    phone = Phone(recording_bot(), INSPECTOR)
    date = act_date(settings)
    run = OurRun(
        Timing("texts"),
        Timing("buttons"),
        Timing("ours"),
        Timing("finish"),
        Timing("finish"),
        Timing("finish"),
        [],
        [],
        0,
    )
    echo = EchoBot()
    try:
        for index in range(WARMUP_INSPECTIONS):
            await walk(dp, phone, inspection_script(index, date), reports=reports)
        for index in range(options.inspections):
            fed = len(run.fed)
            await walk(dp, phone, inspection_script(WARMUP_INSPECTIONS + index, date), record=run, reports=reports)
            if index < WARMUP_INSPECTIONS:
                await echo.feed(run.fed[fed:], timed=False)
            await echo.feed(run.fed[fed:])  # the same updates, right after ours
        pdf = await measure_pdf(dp, phone, services, options.renders, date, WARMUP_INSPECTIONS + options.inspections)
    finally:
        await services.db.close()
        await phone.bot.session.close()
        await echo.close()
    return run, echo.run, pdf


async def measure_pdf(dp: Dispatcher, phone: Phone, services: Services, renders: int, date: str, index: int) -> PdfRun:
    """(c) The check sheets of more inspections (the same two violations, a comment and one small photo),
    each rendered by ``ReportService.check_sheet`` (reads, the photo's download, weasyprint in a worker process).
    A sheet's PDF is stored at its first request and sent from the store after that (issue 14), so every timed
    render is a sheet of its own whose PDF was never made: the walk's finish got the stand-in's document."""
    sheets = [
        await walk(dp, phone, inspection_script(index + n, date), photo=("PHOTO-EVIDENCE-1", png(64, 48)))
        for n in range(PDF_WARMUPS + renders)
    ]
    seconds, size, images = [], 0, 0
    for index, inspection_id in enumerate(sheets):
        start = time.perf_counter()
        document = await services.reports.check_sheet(phone.bot, inspection_id, "ru")
        if index >= PDF_WARMUPS:
            seconds.append(time.perf_counter() - start)
        size = len(document.data)
        images = len(PDF_IMAGE.findall(document.data))  # the photo really made it into the appendix
        if not document.data.startswith(b"%PDF"):
            raise RuntimeError("check_sheet did not return a PDF")
    return PdfRun(sheets[-1], seconds, size, images)


def echo_dispatcher() -> Dispatcher:
    """The bare aiogram bot: one router, echo a text, answer a button and edit its message."""
    router = Router(name="echo")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(message.text)

    @router.callback_query()
    async def press(callback: CallbackQuery) -> None:
        await callback.answer()
        await callback.message.edit_text("x")

    dp = Dispatcher()
    dp.include_router(router)
    return dp


class EchoBot:
    """The echo bot's side of the run: fed the updates our bot was just fed, inspection by inspection, in the
    same event loop on the same CPU, so a slower or faster stretch of the machine lands on both bots alike."""

    def __init__(self) -> None:
        self.dp = echo_dispatcher()
        self.phone = Phone(recording_bot(ours=False), INSPECTOR)
        self.run = EchoRun(Timing("texts"), Timing("buttons"), Timing("echo"), 0, 0, 0)

    async def feed(self, fed: Sequence[tuple[str, str]], *, timed: bool = True) -> None:
        clock, phone, run = time.perf_counter_ns, self.phone, self.run
        for kind, payload in fed:
            update = phone.text(payload) if kind == "text" else phone.tap(payload)
            start = clock()
            await self.dp.feed_update(phone.bot, update)
            elapsed = clock() - start
            exchanges = phone.receive()
            if not timed:
                continue
            run.fed += 1
            (run.texts if kind == "text" else run.buttons).nanoseconds.append(elapsed)
            run.all.nanoseconds.append(elapsed)
            if kind == "text":
                run.echoed_texts += any(isinstance(m, SendMessage) and m.text == payload for m, _ in exchanges)
            else:
                run.answered_buttons += any(isinstance(m, AnswerCallbackQuery) for m, _ in exchanges) and any(
                    isinstance(m, EditMessageText) for m, _ in exchanges
                )

    async def close(self) -> None:
        await self.phone.bot.session.close()


async def run_profile(directory: Path, inspections: int) -> str:
    """cProfile over our bot's feed loop (every update but the finish), fresh database, after a warm-up."""
    settings = settings_for(directory, "profile.sqlite3")
    services = await prepare(settings)
    reports = TimedReports(services.reports, 1)
    dp = build_dispatcher(replace(services, reports=reports))
    phone = Phone(recording_bot(), INSPECTOR)
    date = act_date(settings)
    profiler = cProfile.Profile()
    updates = 0
    try:
        await walk(dp, phone, inspection_script(0, date), reports=reports)
        for index in range(inspections):
            steps = inspection_script(1 + index, date)
            updates += sum(step.kind != "finish" for step in steps)
            await walk(dp, phone, steps, reports=reports, profiler=profiler)
    finally:
        await services.db.close()
        await phone.bot.session.close()
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer)
    stats.sort_stats("cumulative").print_stats(15)
    stats.sort_stats("tottime").print_stats(25)
    calls = (
        f"  Python function calls per update: {stats.total_calls / max(1, updates):,.0f} (cProfile's count:"
        " unlike the times, the same on a busy machine and a quiet one)\n"
    )
    return shorten_paths(buffer.getvalue()) + "\n" + calls + where_time_goes(stats, updates)


# Where a function's own time counts, by the first matching piece of its file name or built-in name.
PLACES = (
    ("select.epoll", "event loop idle: waiting for aiosqlite's worker thread (SQLite itself)"),
    ("_queue.SimpleQueue", "handing statements to aiosqlite's thread (SimpleQueue.put)"),
    ("aiosqlite", "aiosqlite, event-loop side"),
    ("jinja2", "Jinja templates (texts, screens)"),
    ("<template>", "Jinja templates (texts, screens)"),
    ("markupsafe", "Jinja templates (texts, screens)"),
    ("pydantic", "pydantic (aiogram types: updates, methods, results)"),
    ("sandbox", "RecordingSession (the fake Telegram; the echo bot pays it too)"),
    ("aiogram", "aiogram (dispatch, filters, middlewares, methods)"),
    ("bot/", "our code (bot/: handlers, services, repositories, middleware)"),
    ("asyncio", "asyncio and the socket that wakes the loop"),
    ("selectors", "asyncio and the socket that wakes the loop"),
    ("socket", "asyncio and the socket that wakes the loop"),
    ("threading", "asyncio and the socket that wakes the loop"),
)


def where_time_goes(stats: pstats.Stats, updates: int) -> str:
    """Own (not cumulative) time per update, summed by library: reliable for coroutines, unlike cumulative."""
    totals: dict[str, float] = {}
    hops = 0
    for (filename, _line, function), (_cc, calls, own, _cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        where = f"{filename} {function}"
        if "SimpleQueue" in function and "put" in function:
            hops += calls
        place = next((label for piece, label in PLACES if piece in where), "other (stdlib, builtins)")
        totals[place] = totals.get(place, 0.0) + own
    whole = sum(totals.values())
    lines = [
        f"  own time by where it runs, per update ({updates:,} updates profiled; cProfile inflates Python-heavy parts)",
        f"    {'ms':>7} {'share':>6}",
    ]
    for place, own in sorted(totals.items(), key=lambda item: -item[1]):
        lines.append(f"    {own / updates * 1e3:>7.3f} {own / whole:>6.0%}  {place}")
    lines.append(f"    {whole / updates * 1e3:>7.3f} {1:>6.0%}  all")
    lines.append(
        f"  round trips to aiosqlite's thread: {hops / updates:.1f} per update (each waits for the thread and "
        "a wake-up of the loop)"
    )
    return "\n".join(lines)


def shorten_paths(text: str) -> str:
    root = str(Path(__file__).resolve().parent.parent) + "/"
    text = re.sub(r"\S*/site-packages/", "", text.replace(root, ""))
    return re.sub(r"\S*/lib/python3\.\d+/", "", text)


def read_database(path: Path) -> Finalized:
    conn = sqlite3.connect(path)
    try:
        indicators = dict(
            conn.execute("SELECT indicator, count(*) FROM inspections WHERE status = 'finalized' GROUP BY indicator")
        )
        with_comment = conn.execute(
            "SELECT count(*) FROM answers a JOIN inspections i ON i.id = a.inspection_id"
            " WHERE i.status = 'finalized' AND a.item = 1 AND a.comment = ?",
            (COMMENTS[1],),
        ).fetchone()[0]
        drafts = conn.execute("SELECT count(*) FROM inspections WHERE status = 'draft'").fetchone()[0]
    finally:
        conn.close()
    return Finalized(sum(indicators.values()), indicators, with_comment, drafts)


def problems(report: Report) -> list[str]:
    found = []
    ours, echo, db = report.ours, report.echo, report.finalized
    if ours.unanswered:
        found.append(f"our bot left {ours.unanswered} updates without an answer")
    if db.count != report.expected_finalized or db.indicators != {report.expected_indicator: db.count}:
        found.append(
            f"finalized inspections {db.indicators}, want {report.expected_finalized} with {report.expected_indicator}"
        )
    if db.with_comment != report.expected_finalized or db.drafts:
        found.append(f"{db.with_comment} item-1 comments and {db.drafts} drafts left")
    if (
        echo.fed != len(ours.fed)
        or echo.echoed_texts != len(echo.texts.nanoseconds)
        or echo.answered_buttons != len(echo.buttons.nanoseconds)
    ):
        found.append(f"echo: {echo.fed} fed, {echo.echoed_texts} texts echoed, {echo.answered_buttons} buttons")
    if report.pdf.images != 1:
        found.append(f"the PDF inspection has {report.pdf.images} images, want 1")
    return found


def run(options: Options) -> Report:
    with tempfile.TemporaryDirectory(prefix="bench-dispatcher-") as scratch:
        directory = options.directory or Path(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        for leftover in directory.glob("*.sqlite3*"):
            leftover.unlink()
        database_module.SYNCHRONOUS = options.synchronous  # what Database.open sets (README: "Speed")
        with one_cpu(options.pin) as cpu:
            ours, echo, pdf = asyncio.run(run_ours(directory, options))
            profile = (
                asyncio.run(run_profile(directory, min(PROFILE_INSPECTIONS, options.inspections)))
                if options.profile
                else None
            )
        database = directory / "ours.sqlite3"
        report = Report(
            options,
            cpu,
            database,
            ours,
            echo,
            pdf,
            read_database(database),
            expected_indicator(),
            WARMUP_INSPECTIONS + options.inspections + len(pdf.seconds) + PDF_WARMUPS,
            profile,
        )
        print_report(report)
        wrong = problems(report)
        if wrong:
            raise RuntimeError("the benchmark did not measure what it claims: " + "; ".join(wrong))
    return report


# --- output --------------------------------------------------------------------------------------------


def status(met: bool) -> str:
    return "MET" if met else "NOT MET"


def nearest_rank(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def timing_row(label: str, timing: Timing, rate: bool = True) -> str:
    figures = "".join(f"{timing.percentile(q):>9.3f}" for q in QUANTILES)
    row = f"  {label:<22}{len(timing.nanoseconds):>8,}{figures}{timing.mean:>9.3f}"
    return row + (f"{timing.per_second:>11,.0f}" if rate else "")


def print_report(report: Report) -> None:
    ours, echo, pdf, options, db = report.ours, report.echo, report.pdf, report.options, report.finalized
    n = max(1, options.inspections)
    where = f"pinned to CPU {report.cpu}" if report.cpu is not None else "not pinned"
    columns = f"{'updates':>8}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}{'mean ms':>9}"
    print("dispatcher: one update through dp.feed_update(bot, update): our bot vs a bare aiogram echo bot")
    print("  session   RecordingBot (no network; answers through aiogram's check_response), parse_mode HTML")
    print(
        "  database  a real SQLite file through Database.open"
        f" (WAL, synchronous={database_module.SYNCHRONOUS}): {report.database.name}"
    )
    print("  person    an admin (ADMIN_IDS); taps the buttons of the latest screen message, like a client")
    print("  mix       per inspection: /new, 9 header texts, the 19 items, Finish on the review screen; items:")
    print(f"            {describe_mix()}")
    print(
        f"            = {len(ours.texts.nanoseconds) // n} texts + {len(ours.buttons.nanoseconds) // n} button taps "
        "timed per inspection; Finish (renders the PDF) timed apart"
    )
    print(
        f"  runs      {options.inspections:,} inspections after {WARMUP_INSPECTIONS} warm-up = "
        f"{len(ours.all.nanoseconds):,} timed updates per bot, one at a time, {where}"
    )
    print("            interleaved: each inspection's updates go to our bot, then the same ones to the echo bot")
    print()
    print(f"  {'per update':<22}{columns}{'updates/s':>11}")
    for label, timing in (
        ("ours", ours.all),
        ("  texts", ours.texts),
        ("  buttons", ours.buttons),
        ("echo", echo.all),
        ("  texts", echo.texts),
        ("  buttons", echo.buttons),
    ):
        print(timing_row(label, timing))
    p50_ratio = ours.all.percentile(0.5) / echo.all.percentile(0.5)
    mean_ratio = ours.all.mean / echo.all.mean
    print(f"  {'ours / echo':<22}{'':>8}{p50_ratio:>8.2f}x{'':>27}{mean_ratio:>8.2f}x")
    print("  (updates/s = 1 / mean: feed_update back to back on one event loop)")
    print()
    print(f"  {'finish update':<22}{columns}")
    print(timing_row("with its PDF render", ours.finish_with_pdf, rate=False))
    print(timing_row("  minus check_sheet", ours.finish_without_pdf, rate=False))
    print(timing_row("PDF document reused", ours.finish_reused, rate=False))
    print()
    p99 = ours.all.percentile(0.99)
    pdf_p90 = nearest_rank(pdf.seconds, 0.9)
    print("  targets")
    for target, figure, met in (
        (
            f"our cost per update at most {TARGET_RATIO:g}x the echo bot's (p50)",
            f"{p50_ratio:.2f}x",
            p50_ratio <= TARGET_RATIO,
        ),
        (
            f"our cost per update at most {TARGET_RATIO:g}x the echo bot's (mean)",
            f"{mean_ratio:.2f}x",
            mean_ratio <= TARGET_RATIO,
        ),
        (f"p99 per update under {TARGET_P99_MS:g} ms", f"{p99:.3f} ms", p99 < TARGET_P99_MS),
        (f"check sheet PDF under {TARGET_PDF_S:g} s (p90 of the renders)", f"{pdf_p90:.3f} s", pdf_p90 < TARGET_PDF_S),
    ):
        print(f"    {target:<58}{figure:>10}  {status(met)}")
    print()
    print("  PDF       ReportService.check_sheet (reads, photo download, weasyprint in a worker process, storing)")
    print(f"            of a sheet whose PDF was never made, one per render (the last: {pdf.inspection_id}):")
    print(
        f"            2 violations, a comment, {pdf.images} photo (64x48 PNG); {len(pdf.seconds)} renders after "
        f"{PDF_WARMUPS} warm-ups"
    )
    print(
        f"            p50 {nearest_rank(pdf.seconds, 0.5):.3f} s  p90 {pdf_p90:.3f} s  max {max(pdf.seconds):.3f} s"
        f"  ({pdf.size / 1024:.0f} KiB)"
    )
    print()
    print(
        f"  checked   every timed update was answered; {db.count:,} inspections finalized in the file, each with "
        f"indicator {report.expected_indicator}"
    )
    print(
        f"            and the item-1 comment; {db.drafts} drafts left; the echo bot echoed {echo.echoed_texts:,} "
        f"texts and answered + edited {echo.answered_buttons:,} buttons"
    )
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"  peak RSS  {peak_mib:.0f} MiB (the whole process: both bots, weasyprint)")
    if report.profile:
        print()
        print(
            f"  profile   cProfile over our feed loop, {min(PROFILE_INSPECTIONS, options.inspections)} inspections"
            " (finish excluded), after the timed runs"
        )
        print(report.profile)


def parse_args(argv: Sequence[str]) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench dispatcher", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--inspections", type=int, help=f"timed inspections, ~32 updates each (default {DEFAULTS['inspections']:,})"
    )
    parser.add_argument("--renders", type=int, help=f"timed PDF renders (default {DEFAULTS['renders']})")
    parser.add_argument(
        "--finish-pdf",
        type=int,
        default=FINISH_PDF,
        help=f"timed finishes that render the real PDF (default {FINISH_PDF}; later ones reuse it)",
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK['inspections']} inspections, {QUICK['renders']} PDF renders"
    )
    parser.add_argument("--dir", type=Path, help="keep the database files here (default: a temp dir, removed)")
    parser.add_argument("--no-pin", action="store_true", help="do not pin the measurement to one CPU")
    parser.add_argument(
        "--profile",
        action="store_true",
        help=f"also profile our feed loop with cProfile ({PROFILE_INSPECTIONS} inspections)",
    )
    shipped = database_module.SYNCHRONOUS
    parser.add_argument(
        "--synchronous",
        choices=("OFF", "NORMAL", "FULL", "EXTRA"),
        default=shipped,
        help=f"SQLite's synchronous mode for our bot (default {shipped}, the shipped one)",
    )
    args = parser.parse_args(list(argv))
    base = QUICK if args.quick else DEFAULTS
    sizes = {key: getattr(args, key) if getattr(args, key) is not None else base[key] for key in base}
    if sizes["inspections"] < 1 or sizes["renders"] < 1 or args.finish_pdf < 0:
        parser.error("sizes must be positive")
    return Options(
        sizes["inspections"],
        sizes["renders"],
        args.finish_pdf,
        args.dir,
        not args.no_pin,
        args.profile,
        args.synchronous,
    )


def main(argv: Sequence[str]) -> None:
    run(parse_args(argv))
