"""Shared fixtures: a real SQLite file in a temp dir, the shipped catalogue, users."""

from __future__ import annotations

from datetime import date

import pytest
import pytest_asyncio

from bot.catalogue import default_catalogue
from bot.db import Database
from bot.db.clock import utc_now
from sandbox.emulator import BotAPIEmulator
from tests.e2e import ADMIN, INSPECTOR, joins, start_bot

TODAY = date(2026, 11, 25)
# Valid numbers (control digit checked by tests/test_validation.py).
BIN_A = "990340001230"
BIN_B = "940215001231"


@pytest.fixture(scope="session")
def catalogue():
    return default_catalogue()


@pytest_asyncio.fixture
async def emu(tmp_path):
    """The Bot API emulator on 127.0.0.1; files the bot sends are copied under tmp_path/files."""
    emulator = BotAPIEmulator(files_dir=tmp_path / "files")
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest_asyncio.fixture
async def running(emu, tmp_path, request):
    """The bot polling the emulator, with ADMIN as its admin. A test module's ``BOT_TODAY`` (a callable giving
    a date) stands in for the bot's calendar; the real one otherwise."""
    app = await start_bot(
        emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN), today=getattr(request.module, "BOT_TODAY", None)
    )
    yield app
    if not app.task.done():  # a test may stop it itself (a restart)
        await app.stop()


@pytest_asyncio.fixture
async def inspector(emu, running):
    """INSPECTOR, invited by the admin as an inspector and in (Russian)."""
    person = await joins(emu, ADMIN, "inspector", INSPECTOR)
    assert "инспектор" in person.text
    return person


@pytest_asyncio.fixture
async def db(tmp_path):
    database = await Database.open(tmp_path / "bot.sqlite3")
    yield database
    await database.close()


async def add_user(db: Database, telegram_id: int, role: str = "inspector", language: str = "ru"):
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO users (telegram_id, role, language, created_at) VALUES (?, ?, ?, ?)",
            (telegram_id, role, language, utc_now()),
        )
    return await db.read(lambda r: r.users.get(telegram_id))
