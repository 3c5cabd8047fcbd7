"""Many people at once: taps while PDFs render, a crowd through the real HTTP path, memory over 10,000 updates.

(a) **PDF under load.** The real dispatcher and services (``prepare``) on a real SQLite file, fed through
``dp.feed_update`` with a recording session per person (no network). 20 inspectors walk check sheets
concurrently, each tapping every 50-150 ms (a fast thumb). Their per-update latency is measured three times
with the same load: with no PDF rendering; while 4 check sheets render back to back in the PDF worker
processes (``bot.workers.pdf_pool``, the shipped path); and, for comparison, while the same 4 render in a thread of the
bot's process (the old ``asyncio.to_thread`` path, which holds the GIL). The tappers' own finishes get a
ready document (their PDFs are not what is measured).

(b) **A crowd through the real HTTP path.** ``python -m bot`` (its own process: inbox polling, PDF pool,
the shipped settings) against the Bot API emulator on 127.0.0.1 in this process. N inspectors (200 by
default) start together and each fills a whole check sheet through the emulator like a client: nine header
texts, 19 answers (item 1 violated, with a comment and Next), Finish, and waits for the PDF. A tap's time
runs from the update being queued at the emulator to the bot's first visible answer in that chat (a new or
edited message). Counted: updates per second, p50/p99 per tap, the error message users saw, and
"database is locked" in the bot's log.

(c) **Memory.** One process feeds 10,000 updates (whole inspections through ``dp.feed_update``); its RSS
after start, after 5,000 and after 10,000 updates.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bench.dispatcher import (
    SKIP_LOCATION,
    Phone,
    TimedReports,
    act_date,
    header_values,
    inspection_script,
    nearest_rank,
    recording_bot,
    walk,
)
from bot.app import build_dispatcher, prepare
from bot.config import load_settings
from bot.texts import texts
from sandbox.emulator import BotAPIEmulator

ROOT = Path(__file__).resolve().parent.parent
TAPPERS, PDFS = 20, 4
THINK_S = (0.05, 0.15)
CROWD = 200
MEMORY_UPDATES = 10_000
FIRST_ID = 800_001
COMPLIES, VIOLATED, NEXT, FINISH = "✅ Соответствует", "❌ Не соответствует", "➡ Далее", "🏁 Завершить"


def quantiles(values: Sequence[float]) -> str:
    if not values:
        return "no data"
    return (
        f"p50 {nearest_rank(values, 0.5):7.2f} ms  p99 {nearest_rank(values, 0.99):7.2f} ms  "
        f"max {max(values):7.2f} ms  ({len(values):,} updates)"
    )


# --- (a) taps while PDFs render ----------------------------------------------------------------------------


class ThreadRenderer:
    """The old way, for comparison: WeasyPrint in a thread of the bot's own process."""

    async def run(self, fn: Any, /, **kwargs: Any) -> bytes:
        return await asyncio.to_thread(fn, **kwargs)


@dataclass
class Tapping:
    latencies: list[float] = field(default_factory=list)
    recording: bool = False


async def tapper(dp: Any, phone: Phone, index: int, date: str, state: Tapping, stop: asyncio.Event) -> None:
    rng = random.Random(index)
    inspection = 0
    while not stop.is_set():
        inspection += 1
        steps = inspection_script(index * 1000 + inspection, date)
        # walk() feeds one step at a time; a small script per step keeps the think time between taps.
        for position in range(len(steps)):
            if stop.is_set():
                return
            start = time.perf_counter()
            await walk_one(dp, phone, steps, position)
            if state.recording and steps[position].kind != "finish":
                state.latencies.append((time.perf_counter() - start) * 1000)
            await asyncio.sleep(rng.uniform(*THINK_S))


_inspection_of: dict[int, int] = {}


async def walk_one(dp: Any, phone: Phone, steps: Sequence[Any], position: int) -> None:
    """Step ``position`` of a script, as bench.dispatcher.walk does it (the inspection id kept per phone)."""
    step = steps[position]
    from bench.dispatcher import CODES  # the answer codes of the callback data
    from bot.ui.callbacks import DraftAct, DraftAction, ItemAct, ItemAction

    inspection_id = _inspection_of.get(phone.user_id, 0)
    if step.is_text:
        update = phone.text(step.text)
    else:
        if step.kind == "finish":
            wanted = DraftAction(inspection=inspection_id, action=DraftAct.FINISH).pack()
        else:
            action = CODES[step.answer] if step.kind == "answer" else ItemAct.EVIDENCE_DONE
            wanted = ItemAction(inspection=inspection_id, item=step.item, action=action).pack()
        update = phone.tap(phone.button(lambda d, w=wanted: d == w, f"{step.kind} {step.item}"))
    await dp.feed_update(phone.bot, update)
    phone.receive()
    if step.text == "/new":
        cancel = phone.button(lambda d: d.startswith("d:") and d.endswith(":cancel:"), "Cancel")
        _inspection_of[phone.user_id] = DraftAction.unpack(cancel).inspection


async def pdf_under_load(directory: Path, tappers: int, pdfs: int, seconds: float) -> dict[str, Any]:
    ids = [FIRST_ID + i for i in range(tappers + 1)]
    settings = load_settings(
        {
            "DATABASE_PATH": str(directory / "load.sqlite3"),
            "ADMIN_IDS": ",".join(map(str, ids)),
            "BACKUP_DIR": str(directory / "backups"),
        },
        env_file=None,
    )
    services = await prepare(settings)
    pool = services.reports.pdf
    await pool.warm()
    reports = TimedReports(services.reports, 1)
    dp = build_dispatcher(replace(services, reports=reports))
    date = act_date(settings)
    writer = Phone(recording_bot(), ids[-1])
    # A sheet's PDF is rendered once and stored (issue 14): each timed render is a sheet of its own. The first
    # walk's PDF stands in for every tapper's finish (TimedReports), so their sheets have none stored either.
    sheets = [await walk(dp, writer, inspection_script(n, date), reports=reports) for n in range(2 * pdfs + 1)]
    fresh = iter(sheets[1:])
    phones = [Phone(recording_bot(), ids[i]) for i in range(tappers)]
    state, stop = Tapping(), asyncio.Event()
    tasks = [asyncio.create_task(tapper(dp, phones[i], i + 1, date, state, stop)) for i in range(tappers)]
    figures: dict[str, Any] = {}
    try:
        await asyncio.sleep(1.0)  # everyone is tapping
        state.recording = True
        await asyncio.sleep(seconds)
        figures["none"] = list(state.latencies)
        for name, renderer in (("pool", pool), ("thread", ThreadRenderer())):
            services.reports.pdf = renderer
            state.latencies = []
            started = time.perf_counter()
            for _ in range(pdfs):
                document = await services.reports.check_sheet(writer.bot, next(fresh), "ru")
                assert document.data.startswith(b"%PDF")
            elapsed = time.perf_counter() - started
            figures[name] = list(state.latencies)
            figures[f"{name}_pdfs_per_s"] = pdfs / elapsed
            services.reports.pdf = pool
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        pool.shutdown()
        await services.db.close()
        for phone in [*phones, writer]:
            await phone.bot.session.close()
    return figures


# --- (b) a crowd through HTTP ------------------------------------------------------------------------------


class Screens:
    """Which chat got a visible answer (a new or edited message), read from the emulator's event queue."""

    def __init__(self, emu: BotAPIEmulator) -> None:
        self.emu = emu
        self.waiting: dict[int, asyncio.Future[str]] = {}
        self.latest: dict[int, int] = {}  # the newest bot message of each chat
        self.errors_seen = 0
        self.documents = 0
        self._error_text = texts("ru").plain("error_generic")

    async def pump(self) -> None:
        while True:
            kind, data = await self.emu.events.get()
            if kind not in ("send", "edit"):
                continue
            chat = data.get("chat", {}).get("id")
            message_id = data.get("message_id", 0)
            if message_id < self.latest.get(chat, 0):
                continue  # an older screen loses its buttons: not the answer the person waits for
            self.latest[chat] = message_id
            if (data.get("text") or "").startswith(self._error_text[:30]):
                self.errors_seen += 1
            if "document" in data:
                self.documents += 1
                what = "document"
            elif (data.get("reply_markup") or {}).get("inline_keyboard"):
                what = "buttons"  # a screen to tap on
            else:
                what = kind
            waiter = self.waiting.get(chat)
            if waiter is not None and not waiter.done():
                waiter.set_result(what)

    async def act(self, chat: int, do: Any, want: str | None = None, timeout: float = 120) -> float:  # noqa: ASYNC109
        """Do something as the person; ms until the chat's next visible answer (of kind ``want``)."""
        loop = asyncio.get_running_loop()
        start = time.perf_counter()
        self.waiting[chat] = loop.create_future()
        do()
        while True:
            what = await asyncio.wait_for(self.waiting[chat], timeout)
            if want is None or what == want:
                return (time.perf_counter() - start) * 1000
            self.waiting[chat] = loop.create_future()


async def crowd_member(
    emu: BotAPIEmulator, screens: Screens, user_id: int, index: int, date: str, taps: list[float]
) -> None:
    def says(text: str) -> Any:
        return lambda: emu.send_text(user_id, text)

    def taps_on(label: str) -> Any:
        return lambda: emu.press_button(user_id, label)

    await asyncio.sleep(random.Random(user_id).uniform(0, 1))  # everyone within the same second
    steps = [
        says("/new"),
        *(says(v) for v in header_values(index, date)),
        (says(SKIP_LOCATION), "buttons"),  # "location skipped" first, then item 1: the tap waits for item 1
        taps_on(VIOLATED),
        says("Отчёт на интернет-ресурсе не размещён."),
        taps_on(NEXT),
        *(taps_on(COMPLIES) for _ in range(18)),
        taps_on(FINISH),
    ]
    for step in steps:
        do, want = step if isinstance(step, tuple) else (step, None)
        taps.append(await screens.act(user_id, do, want=want))
    if not any("document" in m for m in emu.messages(user_id)):
        await screens.act(user_id, lambda: None, want="document", timeout=900)  # 200 PDFs queue up


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (its threads included, its children not)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


async def crowd(directory: Path, people: int) -> dict[str, Any]:
    emu = BotAPIEmulator(files_dir=directory / "files")
    await emu.start()
    ids = [FIRST_ID + 10_000 + i for i in range(people)]
    log = directory / "bot.log"
    env = {
        **os.environ,
        "BOT_TOKEN": emu.token,
        "TELEGRAM_API_URL": emu.base_url,
        "ADMIN_IDS": ",".join(map(str, ids)),
        "DATABASE_PATH": str(directory / "crowd.sqlite3"),
        "BACKUP_DIR": str(directory / "backups"),
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "WARNING",
    }
    stderr = log.open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=directory, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=stderr
    )
    screens = Screens(emu)
    pump = asyncio.create_task(screens.pump())
    figures: dict[str, Any] = {}
    try:
        await emu.wait_for(lambda: len(emu.calls_of("getUpdates")) > 0, timeout=60)
        await asyncio.sleep(3)  # the PDF workers warm up
        figures["rss_start_mib"] = rss_kib(process.pid) / 1024
        date = time.strftime("%d.%m.%Y", time.localtime(time.time() - 7 * 86400))
        taps: list[float] = []
        bot_cpu, own_cpu = cpu_seconds(process.pid), time.process_time()
        started = time.perf_counter()
        await asyncio.gather(*(crowd_member(emu, screens, uid, i, date, taps) for i, uid in enumerate(ids)))
        elapsed = time.perf_counter() - started
        figures.update(
            taps=taps,
            seconds=elapsed,
            updates_per_s=len(taps) / elapsed,
            documents=screens.documents,
            errors_seen=screens.errors_seen,
            rss_end_mib=rss_kib(process.pid) / 1024,
            bot_cpu=cpu_seconds(process.pid) - bot_cpu,
            own_cpu=time.process_time() - own_cpu,
        )
    finally:
        pump.cancel()
        process.terminate()
        await asyncio.wait_for(process.wait(), 60)
        await emu.stop()
        stderr.close()
    text = log.read_text(encoding="utf-8", errors="replace")
    figures["locked_in_log"] = text.count("database is locked")
    figures["tracebacks"] = text.count("Traceback")
    return figures


# --- (c) memory --------------------------------------------------------------------------------------------


def own_rss_mib() -> float:
    return rss_kib(os.getpid()) / 1024


async def memory(directory: Path, updates: int) -> dict[str, float]:
    settings = load_settings(
        {
            "DATABASE_PATH": str(directory / "memory.sqlite3"),
            "ADMIN_IDS": str(FIRST_ID),
            "BACKUP_DIR": str(directory / "backups"),
        },
        env_file=None,
    )
    services = await prepare(settings)
    reports = TimedReports(services.reports, 1)
    dp = build_dispatcher(replace(services, reports=reports))
    phone, date = Phone(recording_bot(), FIRST_ID), act_date(settings)
    per_inspection = len(inspection_script(0, date))
    figures = {"start": own_rss_mib()}
    fed, index = 0, 0
    try:
        while fed < updates:
            await walk(dp, phone, inspection_script(index, date), reports=reports)
            index, fed = index + 1, fed + per_inspection
            if "half" not in figures and fed >= updates // 2:
                figures["half"] = own_rss_mib()
        figures["end"] = own_rss_mib()
        figures["fed"] = fed
    finally:
        services.reports.pdf.shutdown()
        await services.db.close()
        await phone.bot.session.close()
    return figures


# --- the run -----------------------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-load-") as temp:
        directory = Path(temp)
        print("load: many people at once (figures under whatever else this machine is doing)")
        if "pdf" in args.parts:
            figures = await pdf_under_load(directory, args.tappers, args.pdfs, args.seconds)
            print(
                f"\n  (a) {args.tappers} inspectors tapping (every {THINK_S[0] * 1000:.0f}-{THINK_S[1] * 1000:.0f} ms),"
                f" {args.pdfs} PDFs back to back"
            )
            print(f"      no PDF rendering        {quantiles(figures['none'])}")
            print(
                f"      PDFs in worker processes {quantiles(figures['pool'])}  {figures['pool_pdfs_per_s']:.2f} PDFs/s"
            )
            print(
                f"      PDFs in a thread (old)   {quantiles(figures['thread'])}  "
                f"{figures['thread_pdfs_per_s']:.2f} PDFs/s"
            )
            if figures["none"] and figures["pool"]:
                ratio = nearest_rank(figures["pool"], 0.99) / nearest_rank(figures["none"], 0.99)
                print(
                    f"      p99 with PDFs / without: {ratio:.2f}x (target under 2x)"
                    f"  {'met' if ratio < 2 else 'NOT MET'}"
                )
        if "crowd" in args.parts:
            figures = await crowd(directory, args.people)
            taps = figures["taps"]
            print(
                f"\n  (b) {args.people} inspectors at once through HTTP (python -m bot + the emulator), each a whole"
                " check sheet and its PDF"
            )
            print(f"      per tap                 {quantiles(taps)}")
            print(
                f"      updates/s               {figures['updates_per_s']:.0f} over {figures['seconds']:.1f} s;"
                f" PDFs received {figures['documents']}/{args.people}"
            )
            print(
                f"      errors users saw        {figures['errors_seen']};"
                f" 'database is locked' in the log {figures['locked_in_log']};"
                f" tracebacks {figures['tracebacks']}"
            )
            print(
                f"      CPU                     the bot {figures['bot_cpu']:.1f} s, the emulator and the people"
                f" {figures['own_cpu']:.1f} s, in {figures['seconds']:.1f} s of wall time"
            )
            print(
                f"      bot RSS                 {figures['rss_start_mib']:.0f} MiB after start,"
                f" {figures['rss_end_mib']:.0f} MiB after the crowd (PDF workers not included)"
            )
        if "memory" in args.parts:
            figures = await memory(directory, args.updates)
            print(f"\n  (c) memory of one process feeding {figures['fed']:,} updates (dp.feed_update)")
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"      RSS {figures['start']:.0f} MiB after start, {figures['half']:.0f} MiB half-way,"
                f" {figures['end']:.0f} MiB at the end; peak {peak:.0f} MiB"
            )


def main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench load", description=__doc__.splitlines()[0])
    parser.add_argument("parts", nargs="*", default=["pdf", "crowd", "memory"], help="pdf, crowd, memory")
    parser.add_argument("--quick", action="store_true", help="50 people, 5 s of tapping, 3,000 updates")
    parser.add_argument("--tappers", type=int, default=TAPPERS)
    parser.add_argument("--pdfs", type=int, default=PDFS)
    parser.add_argument("--seconds", type=float, default=8.0, help="tapping without PDFs (default 8)")
    parser.add_argument("--people", type=int, default=CROWD)
    parser.add_argument("--updates", type=int, default=MEMORY_UPDATES)
    args = parser.parse_args(list(argv))
    if args.quick:
        args.people, args.seconds, args.updates = min(args.people, 50), 5.0, min(args.updates, 3000)
    asyncio.run(run(args))
