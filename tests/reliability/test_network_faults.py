"""A bad day between the bot and Telegram: 20 inspectors finish their check sheets while a share of API calls
fails (429 with retry_after, 500, 502 as an HTML page, dropped connections) and Telegram goes dark for a while.

The real bot (aiogram over HTTP, polling) against the emulator with sandbox/faults.py. What is measured from
outside: the update ids the emulator issued, the update ids that reached the dispatcher (a counting outer
middleware added by the test), the answers stored in the database, and the time from the end of the outage
to the first update handled after it.
"""

from __future__ import annotations

import asyncio
import random
import re
import sqlite3
import time
from collections import Counter
from pathlib import Path

import pytest_asyncio

from bot.validation import control_digit
from sandbox.emulator import BotAPIEmulator
from sandbox.faults import Faults
from tests.e2e import Person, RunningBot, joins, start_bot
from tests.reliability.figures import FIGURES, FULL

ADMIN = 1001
INSPECTORS = 20
# Of all API calls, spread over 429 / 500 / 502 / dropped connection (each 429 costs a 1 s wait: CI keeps it low).
FAULT_RATE = 0.10 if FULL else 0.05
OUTAGE_SECONDS = 60.0 if FULL else 4.0  # the 60 s with RELIABILITY=full; a short one in CI
HEADER = [
    "ТОО Ақ жол",
    "Астана",
    "Акимат",
    "Агентство",
    "5",
    "03.11.2026",
    "Иванов И.",
    "Эксперт",
    "Пропустить",
]  # the last: the location step skipped
COMPLIES, VIOLATED, NOT_APPLICABLE = "✅ Соответствует", "❌ Не соответствует", "➖ Не применимо"
STORED = {COMPLIES: "complies", VIOLATED: "violated", NOT_APPLICABLE: "not_applicable"}
NEXT, FINISH = "➡ Далее", "🏁 Завершить"
ITEM_SCREEN = re.compile(r"^(\d+)/(\d+)")


def distinct_bins(count: int) -> list[str]:
    """Valid BINs (control digit right), one per inspector, so every sheet is about its own subject."""
    found = []
    serial = 1
    while len(found) < count:
        first = f"9903400{serial:04d}"
        digit = control_digit(first)
        if digit is not None:
            found.append(first + str(digit))
        serial += 1
    return found


class Handled:
    """An outer middleware counting each update id that reached the dispatcher, with the time."""

    def __init__(self) -> None:
        self.count: Counter[int] = Counter()
        self.first_seen: dict[int, float] = {}

    async def __call__(self, handler, event, data):
        self.count[event.update_id] += 1
        self.first_seen.setdefault(event.update_id, time.monotonic())
        return await handler(event, data)


@pytest_asyncio.fixture
async def faulty_emu(tmp_path):
    faults = Faults(rate=0.0)
    emulator = BotAPIEmulator(files_dir=tmp_path / "files", faults=faults)
    await emulator.start()
    yield emulator
    await emulator.stop()


async def start_counted_bot(emu: BotAPIEmulator, db_path: Path) -> tuple[RunningBot, Handled]:
    """The bot as the e2e tests run it (polling, the outbox's sender beside it), plus the update counter."""
    running = await start_bot(emu, db_path, str(ADMIN))
    handled = Handled()
    running.dp.update.outer_middleware(handled)  # outer middlewares are looked up per update
    return running, handled


class Inspector:
    """Walks the check sheet by what the screen shows, and remembers each answer button pressed."""

    def __init__(self, person: Person, bin_: str, rng: random.Random) -> None:
        self.person, self.bin, self.rng = person, bin_, rng
        self.header = [f"/new {bin_}", *HEADER]
        self.pressed: dict[int, str] = {}  # item -> the answer of the latest press
        self.finished = False

    def act(self) -> None:
        """One update: a header value, an answer, 'next' after a violation, or 'finish' on the review."""
        emu, uid = self.person.emu, self.person.id
        if self.header:
            emu.send_text(uid, self.header.pop(0), first_name="Inspector")
            return
        buttons = self.person.buttons()
        screen = ITEM_SCREEN.match(self.person.text)
        if screen and COMPLIES in buttons:
            # 'Not applicable' asks for a reason and exists only for conditional duties: left to other tests.
            label = self.rng.choice([COMPLIES, COMPLIES, VIOLATED])
            emu.press_button(uid, label)
            self.pressed[int(screen.group(1))] = label
        elif NEXT in buttons:
            emu.press_button(uid, NEXT)
        elif FINISH in buttons:
            emu.press_button(uid, FINISH)
            self.finished = True
        else:
            raise AssertionError(f"inspector {uid}: unexpected screen {self.person.text[:200]!r} {buttons}")


async def test_twenty_inspectors_finish_their_sheets_through_faults_and_an_outage(faulty_emu, tmp_path):
    emu = faulty_emu
    faults: Faults = emu.faults
    running, handled = await start_counted_bot(emu, tmp_path / "bot.sqlite3")
    try:
        rng = random.Random(15)
        people = [await joins(emu, ADMIN, "inspector", 5000 + n, first_name="Inspector") for n in range(INSPECTORS)]
        await emu.wait_idle()
        first_id = emu._next_update_id  # every update from here on is the inspectors' (emulator internals: ids)
        inspectors = [
            Inspector(p, b, random.Random(rng.random())) for p, b in zip(people, distinct_bins(INSPECTORS), strict=True)
        ]
        faults.rate = FAULT_RATE
        rounds, outage_round = 0, 14
        recovery = None
        while not all(i.finished for i in inspectors):
            rounds += 1
            assert rounds < 80, "the sheets do not get finished"
            if rounds == outage_round:
                await emu.wait_idle(timeout=120)
                faults.go_dark(OUTAGE_SECONDS)
                during = emu._next_update_id
                for inspector in inspectors:
                    inspector.act()  # people keep tapping while the bot cannot reach Telegram
                await asyncio.sleep(max(0.0, faults.dark_until - time.monotonic()))
                await emu.wait_for(lambda during=during: during in handled.first_seen, timeout=60)
                recovery = handled.first_seen[during] - faults.dark_until
            else:
                for inspector in (i for i in inspectors if not i.finished):
                    inspector.act()
            await emu.wait_idle(timeout=120)
        faults.rate = 0.0
        await emu.wait_idle(timeout=60)
    finally:
        await running.stop()

    issued = set(range(first_id, emu._next_update_id))
    lost = issued - set(handled.count)
    twice = [u for u, n in handled.count.items() if u in issued and n > 1]
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
        stored = {
            (row[0], row[1]): row[2]
            for row in db.execute(
                "SELECT i.inspector_id, a.item, a.answer FROM answers a JOIN inspections i ON i.id = a.inspection_id "
                "WHERE i.status = 'finalized'"
            )
        }
        finalized = db.execute("SELECT COUNT(*) FROM inspections WHERE status = 'finalized'").fetchone()[0]
    differing = [
        (i.person.id, item, label)
        for i in inspectors
        for item, label in i.pressed.items()
        if stored.get((i.person.id, item)) != STORED[label]
    ]

    FIGURES.add("updates sent under faults", len(issued))
    FIGURES.add("faults injected (429/500/502/drop)", sum(v for k, v in faults.injected.items() if k != "dark"))
    FIGURES.add("calls refused while dark", faults.injected["dark"])
    FIGURES.add("updates lost", len(lost))
    FIGURES.add("updates handled twice", len(twice))
    FIGURES.add("stored answers differing from the button pressed", len(differing))
    FIGURES.worst(f"seconds to recover after a {OUTAGE_SECONDS:g} s outage", recovery or 0.0)
    assert all(faults.injected[k] > 0 for k in ("429", "500", "502", "drop")), faults.injected
    assert faults.injected["dark"] > 0
    assert finalized == INSPECTORS
    assert not lost and not twice, (lost, twice)
    assert not differing, differing
    assert all(len(i.pressed) == 19 for i in inspectors)
    assert emu.errors == [], emu.errors  # nothing the emulator rejected as Telegram would
    assert recovery is not None and recovery < 10.0, recovery  # aiogram's polling backs off to 5 s at most


async def test_a_tap_whose_screen_cannot_be_sent_is_stored_and_the_sheet_goes_on_after(faulty_emu, tmp_path):
    """Every sendMessage and editMessageText fails (500, then dropped): the answer pressed is stored anyway,
    and once Telegram answers again /resume shows the next item."""
    emu = faulty_emu
    faults: Faults = emu.faults
    running, _ = await start_counted_bot(emu, tmp_path / "bot.sqlite3")
    try:
        inspector = await joins(emu, ADMIN, "inspector", 5001, first_name="Inspector")
        for value in [f"/new {distinct_bins(1)[0]}", *HEADER]:
            await inspector.says(value)
        assert inspector.text.startswith("1/"), inspector.text
        faults.methods, faults.kinds, faults.rate = frozenset({"sendMessage", "editMessageText"}), ("500", "drop"), 1.0
        emu.press_button(inspector.id, VIOLATED)
        await emu.wait_idle(timeout=30)  # the bot retries (0.5 + 1 + 2 + 4 s), then gives up on the screen
        assert inspector.text.startswith("1/")  # the screen never changed
        assert faults.injected["500"] + faults.injected["drop"] >= 5
        faults.rate = 0.0
        await inspector.says("/resume")
        assert "Нарушение записано" in inspector.text or inspector.text.startswith("2/"), inspector.text
    finally:
        await running.stop()
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
        [(answer,)] = db.execute(
            "SELECT a.answer FROM answers a JOIN inspections i ON i.id = a.inspection_id "
            "WHERE i.inspector_id = 5001 AND a.item = 1"
        ).fetchall()
    assert answer == "violated"
