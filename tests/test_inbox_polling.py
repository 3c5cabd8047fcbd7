"""Polling through the inbox: the real Bot over HTTP against the emulator, a real SQLite file.

One person's slow update never holds another person's; one person's updates keep their order; an update
is stored before Telegram is told it arrived, and one left unfinished is handled at the next start.
"""

from __future__ import annotations

import asyncio
import json

from aiogram import Dispatcher
from aiogram.types import Message

from bot.app import create_bot
from bot.db import Database
from bot.db.inbox import Received
from bot.polling import InboxPolling

SLOW, QUICK = 3001, 3002


def recording_dispatcher(release: asyncio.Event, seen: list[tuple[int, str]]) -> Dispatcher:
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        seen.append((message.from_user.id, message.text))
        if message.text == "slow":
            await release.wait()  # e.g. a PDF being rendered for this person
        await message.answer(f"got {message.text}")

    return dp


async def test_a_slow_update_of_one_person_does_not_hold_another_persons_and_order_is_kept(emu, tmp_path):
    db = await Database.open(tmp_path / "bot.sqlite3")
    bot = create_bot(emu.token, emu.base_url)
    release, seen = asyncio.Event(), []
    polling = InboxPolling(recording_dispatcher(release, seen), bot, db, polling_timeout=1)
    running = asyncio.create_task(polling.run())
    try:
        emu.send_text(SLOW, "slow")
        emu.send_text(SLOW, "after the slow one")
        emu.send_text(QUICK, "quick")
        await emu.wait_for(lambda: any(m["text"] == "got quick" for m in emu.messages(QUICK)), timeout=10)
        # The quick person was answered while the slow person's first update still runs; their second waits.
        assert [m["text"] for m in emu.messages(SLOW)] == []
        assert (SLOW, "after the slow one") not in seen
        # Every update is stored (so Telegram may be told) although one is still being handled.
        assert await db.read(lambda r: r.inbox.count_pending()) >= 1
        release.set()
        await emu.wait_for(lambda: len(emu.messages(SLOW)) == 2, timeout=10)
        assert [m["text"] for m in emu.messages(SLOW)] == ["got slow", "got after the slow one"]
    finally:
        polling.stop()
        await asyncio.wait_for(running, 10)
    assert await db.read(lambda r: r.inbox.count_pending()) == 0
    await db.close()
    await bot.session.close()


async def test_an_update_stored_but_not_finished_is_handled_at_the_next_start(emu, tmp_path):
    db = await Database.open(tmp_path / "bot.sqlite3")
    bot = create_bot(emu.token, emu.base_url)
    release, seen = asyncio.Event(), []
    release.set()
    emu.send_text(QUICK, "hello")  # the chat exists for the emulator
    # What a kill -9 leaves behind: the update stored (and confirmed to Telegram), its handler never done.
    payload = json.dumps(
        {
            "update_id": 77,
            "message": {
                "message_id": 5,
                "date": 1764000000,
                "chat": {"id": QUICK, "type": "private"},
                "from": {"id": QUICK, "is_bot": False, "first_name": "A"},
                "text": "left over",
            },
        }
    )
    await db.run(lambda r: r.inbox.store([Received(77, QUICK, payload)]))
    polling = InboxPolling(recording_dispatcher(release, seen), bot, db, polling_timeout=1)
    running = asyncio.create_task(polling.run())
    try:
        await emu.wait_for(lambda: any(m["text"] == "got left over" for m in emu.messages(QUICK)), timeout=10)
    finally:
        polling.stop()
        await asyncio.wait_for(running, 10)
    assert await db.read(lambda r: r.inbox.count_pending()) == 0
    # Telegram delivering it again changes nothing: it is known.
    assert await db.run(lambda r: r.inbox.store([Received(77, QUICK, payload)])) == []
    await db.close()
    await bot.session.close()
