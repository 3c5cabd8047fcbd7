"""A reminder fan-out to 1,000 people through the outbox, against the emulator with Telegram's limits on,
while 20 inspectors tap through their check sheets.

The emulator answers 429 (with ``retry_after``) beyond 30 messages a second overall and beyond one a second
per chat, as Telegram does. The real bot polls it over HTTP (real ``Bot``, dispatcher, outbox sender, SQLite
file in a temp dir). 1,000 supervisors get the 7-days-before reminder of a visit list.

Phase 1 (baseline): the 20 inspectors tap (✅, then ⬅, on their item screen; each tap is a callback answer
and an edit, as in the field) for ``--baseline`` seconds. Phase 2: the same while the reminders go out.
A tap's latency runs from the press to the callback answered and the screen edited.

Figures: the fan-out's duration against the 33 s that 30/s allows at best (target: within 1.25 x), messages
per recipient (each exactly one), 429s met by the sender (each waited out) and left unhandled (none), and
the inspectors' p50/p99 without and with the fan-out (target: p99 under 2 x).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from bot.app import prepare
from bot.config import load_settings
from bot.db.repos import Repos
from bot.reminders import queue_deadline_reminders
from bot.roles import Role
from bot.services.planning import PlanningService
from bot.statuses import OutboxStatus
from sandbox.emulator import BotAPIEmulator
from sandbox.running import start_bot

BIN = "990340001230"
HEADER = ["ТОО «Ақ жол»", "Астана", "Акимат", "Агентство", "5", "03.11.2026", "Иванов И.", "Эксперт"]
LIMIT = 30  # messages a second, Telegram's overall limit for a bot
INSPECTORS_FROM, SUPERVISORS_FROM = 10_000, 100_000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def _until(predicate, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the bot did not answer in time")
        await asyncio.sleep(0.005)


async def _inspector(
    emu: BotAPIEmulator, user_id: int, stop: asyncio.Event, latencies: list[float], rng: random.Random
) -> None:
    labels = ("✅ Соответствует", "⬅ Назад")
    turn = 0
    while not stop.is_set():
        screen = emu.last_message(user_id)
        before = screen.get("text")
        started = time.perf_counter()
        query = emu.press_button(user_id, labels[turn % 2], message_id=screen["message_id"])
        await _until(
            lambda q=query, m=screen["message_id"], b=before: (
                emu.is_answered(q["id"]) and emu.last_message(user_id).get("text") != b
            )
        )
        latencies.append((time.perf_counter() - started) * 1000)
        turn += 1
        await asyncio.sleep(rng.uniform(0.3, 0.7))  # a person reads, then taps


def _undelivered(counts: dict[OutboxStatus, int]) -> int:
    return counts.get(OutboxStatus.PENDING, 0) + counts.get(OutboxStatus.SENDING, 0)


async def run(recipients: int, inspectors: int, baseline: float, workdir: Path) -> dict[str, object]:
    emu = BotAPIEmulator(files_dir=None)
    await emu.start()
    env = {
        "BOT_TOKEN": emu.token,
        "TELEGRAM_API_URL": emu.base_url,
        "DATABASE_PATH": str(workdir / "bot.sqlite3"),
        "BACKUP_DIR": str(workdir / "backups"),
        "LOG_LEVEL": "WARNING",
    }
    settings = load_settings(env, env_file=None)
    services = await prepare(settings)

    def people(r: Repos) -> None:
        for i in range(recipients):
            r.users.add_or_restore(SUPERVISORS_FROM + i, Role.SUPERVISOR, "ru", None)
        for i in range(inspectors):
            r.users.add_or_restore(INSPECTORS_FROM + i, Role.INSPECTOR, "ru", None)

    await services.db.run(people)
    for i in range(recipients):
        emu.open_chat(SUPERVISORS_FROM + i)
    app = await start_bot(settings, services=services, emulator=emu)  # the shipped polling, through the inbox
    sender = app.sender
    try:
        # Each inspector opens a check sheet and reaches the first item (limits off while they type).
        for i in range(inspectors):
            uid = INSPECTORS_FROM + i
            for text in [f"/new {BIN}", *HEADER, "Пропустить"]:  # the location skipped
                emu.send_text(uid, text)
                await emu.wait_idle(timeout=30)
        emu.send_rate_limit = LIMIT
        rng = random.Random(7)

        async def tapping(seconds: float | None, done: asyncio.Event | None) -> list[float]:
            stop, latencies = asyncio.Event(), []
            tasks = [
                asyncio.create_task(_inspector(emu, INSPECTORS_FROM + i, stop, latencies, rng))
                for i in range(inspectors)
            ]
            if seconds is not None:
                await asyncio.sleep(seconds)
            else:
                await done.wait()
            stop.set()
            await asyncio.gather(*tasks)
            return latencies

        quiet = await tapping(baseline, None)

        finished = asyncio.Event()
        planning = PlanningService(
            services.db, services.catalogue, today=lambda: date(2026, 12, 3), assessment=services.assessment
        )
        started = time.perf_counter()

        async def fan_out() -> float:
            await queue_deadline_reminders(services.db, planning, sender.wake)
            while _undelivered(await services.outbox.counts()):  # noqa: ASYNC110 - the database is what we wait on
                await asyncio.sleep(0.05)
            elapsed = time.perf_counter() - started
            finished.set()
            return elapsed

        fanning = asyncio.create_task(fan_out())
        loaded = await tapping(None, finished)
        duration = await fanning
        per_recipient = [emu.sends_to(SUPERVISORS_FROM + i) for i in range(recipients)]
        counts = await services.outbox.counts()
        inspector_errors = [e for e in emu.errors if e[0] != "sendMessage"]
    finally:
        await app.stop()
        await emu.stop()
    return {
        "recipients": recipients,
        "inspectors": inspectors,
        "duration": duration,
        "best": recipients / LIMIT,
        "once": sum(1 for n in per_recipient if n == 1),
        "lost": sum(1 for n in per_recipient if n == 0),
        "twice": sum(1 for n in per_recipient if n > 1),
        "outbox": {s.value: n for s, n in counts.items()},
        "flood_waits": sender.counters.flood_waits,
        "emulator_429": len(emu.rate_limited),
        "unhandled_429": counts.get(OutboxStatus.FAILED, 0) + counts.get(OutboxStatus.PENDING, 0),
        "quiet": quiet,
        "loaded": loaded,
        "inspector_errors": inspector_errors,
    }


def report(r: dict[str, object]) -> None:
    quiet, loaded = r["quiet"], r["loaded"]
    q99, l99 = percentile(quiet, 0.99), percentile(loaded, 0.99)
    print(
        f"Reminder fan-out through the outbox: {r['recipients']} recipients, emulator limit {LIMIT}/s overall "
        f"and 1/s per chat, while {r['inspectors']} inspectors tap (under shared load unless rerun quietly)"
    )
    print(
        f"  fan-out            {r['duration']:.1f} s   (best possible {r['best']:.1f} s; target "
        f"<= {1.25 * r['best']:.1f} s: {'met' if r['duration'] <= 1.25 * r['best'] else 'MISSED'})"
    )
    print(f"  delivered once     {r['once']}   lost {r['lost']}   twice {r['twice']}   outbox {r['outbox']}")
    print(
        f"  429 from emulator  {r['emulator_429']}   waited out by the sender {r['flood_waits']}   "
        f"left unhandled {r['unhandled_429']}"
    )
    print(
        f"  inspector taps     without fan-out: {len(quiet)} taps, p50 {statistics.median(quiet):.1f} ms, "
        f"p99 {q99:.1f} ms"
    )
    print(
        f"                     with fan-out:    {len(loaded)} taps, p50 {statistics.median(loaded):.1f} ms, "
        f"p99 {l99:.1f} ms   ratio p99 {l99 / q99:.2f} (target < 2: {'met' if l99 < 2 * q99 else 'MISSED'})"
    )
    if r["inspector_errors"]:
        print(f"  inspector-side API errors: {r['inspector_errors'][:5]}")


def main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench fanout", description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=1000)
    parser.add_argument("--inspectors", type=int, default=20)
    parser.add_argument("--baseline", type=float, default=20.0, help="seconds of tapping without the fan-out")
    parser.add_argument("--quick", action="store_true", help="100 recipients, 5 inspectors, 5 s baseline")
    args = parser.parse_args(list(argv))
    if args.quick:
        args.recipients, args.inspectors, args.baseline = 100, 5, 5.0
    with tempfile.TemporaryDirectory() as tmp:
        report(asyncio.run(run(args.recipients, args.inspectors, args.baseline, Path(tmp))))
