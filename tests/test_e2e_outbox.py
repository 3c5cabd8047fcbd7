"""Telegram-native behaviour end to end against the emulator: the inline look-up, menus by role and language,
and everything the bot sends on its own through the outbox (fan-outs, blocked people, 429s, restarts,
stale-draft nudges, errors reaching the admins)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest_asyncio
from aiogram.types import BotCommandScopeChat, BotCommandScopeDefault

from bot import menus
from bot.reminders import queue_deadline_reminders, queue_stale_draft_nudges
from bot.services.planning import PlanningService
from sandbox.emulator import BotAPIEmulator
from tests.conftest import add_user
from tests.e2e import Person, joins, start_bot
from tests.test_e2e_planning import gross_violation_inspection

ADMIN, INSPECTOR, STRANGER = 1001, 2002, 9009
BIN = "990340001230"


def planning_on(app, day):
    return PlanningService(
        app.services.db, app.services.catalogue, today=lambda: day, assessment=app.services.assessment
    )


async def outbox_settled(app, emu, within=30.0):
    async def pending():
        row = await app.services.db.fetch_one("SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')")
        return row[0]

    deadline = datetime.now(UTC) + timedelta(seconds=within)
    while await pending():
        assert datetime.now(UTC) < deadline, "the outbox did not drain"
        await emu.wait_idle(timeout=within, quiet=0.2)
    await emu.wait_idle()


@pytest_asyncio.fixture
async def limited_emu(tmp_path):
    """An emulator that answers 429 beyond 10 messages a second overall, like Telegram beyond 30."""
    emulator = BotAPIEmulator(files_dir=tmp_path / "files", send_rate_limit=10)
    await emulator.start()
    yield emulator
    await emulator.stop()


async def test_staff_find_a_subject_inline_and_a_stranger_only_gets_a_way_to_ask(emu, tmp_path):
    app = await start_bot(emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN))
    try:
        inspector = await joins(emu, ADMIN, "inspector", INSPECTOR)
        await gross_violation_inspection(inspector)  # indicator 100

        query = emu.send_inline_query(INSPECTOR, "9903 40")
        await emu.wait_idle()
        answer = emu.inline_answers[query]
        assert answer["is_personal"] is True and answer["cache_time"] == 0
        assert [r["id"] for r in answer["results"]] == [BIN]
        result = answer["results"][0]
        assert "ТОО «Ақ жол»" in result["title"]
        assert "100.00 · высокая степень риска · посещение" in result["description"]

        by_name = emu.send_inline_query(INSPECTOR, "ақ ЖОЛ")
        await emu.wait_idle()
        assert [r["id"] for r in emu.inline_answers[by_name]["results"]] == [BIN]
        too_short = emu.send_inline_query(INSPECTOR, "990")
        await emu.wait_idle()
        assert emu.inline_answers[too_short]["results"] == []

        posted = emu.choose_inline_result(INSPECTOR, query, BIN, chat_id=-100500)
        assert "ТОО «Ақ жол»" in posted["text"] and BIN in posted["text"] and "100.00" in posted["text"]

        stranger_query = emu.send_inline_query(STRANGER, "9903")
        await emu.wait_idle()
        refused = emu.inline_answers[stranger_query]
        assert refused["results"] == [] and refused["is_personal"] is True and refused["cache_time"] == 0
        assert refused["button"]["start_parameter"] == "inline"
        stranger = Person(emu, STRANGER)
        await stranger.says("/start inline")  # what the button sends
        assert str(STRANGER) in stranger.text and "по приглашению" in stranger.text

        admin = Person(emu, ADMIN)
        await admin.says(f"/revoke {INSPECTOR}")
        revoked_query = emu.send_inline_query(INSPECTOR, "9903")
        await emu.wait_idle()
        assert emu.inline_answers[revoked_query]["results"] == []
        assert not emu.errors, emu.errors
    finally:
        await app.stop()


async def test_menus_follow_the_role_and_the_language_and_go_with_access(emu, tmp_path):
    app = await start_bot(emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN))
    try:
        await menus.sync_menus(app.bot, app.services.db)  # what start-up does

        async def menu(scope, language_code=None):
            return [c.command for c in await app.bot.get_my_commands(scope=scope, language_code=language_code)]

        default_kk = await app.bot.get_my_commands(scope=BotCommandScopeDefault(), language_code="kk")
        assert [c.command for c in default_kk] == ["start", "lang", "help"]
        assert default_kk[0].description == "Жұмысты бастау"
        assert await menu(BotCommandScopeDefault(), "ru") == ["start", "lang", "help"]
        assert "invite" in await menu(BotCommandScopeChat(chat_id=ADMIN))

        inspector = await joins(emu, ADMIN, "inspector", INSPECTOR)
        chat = BotCommandScopeChat(chat_id=INSPECTOR)
        assert "new" in await menu(chat) and "plan" not in await menu(chat)
        await inspector.says("/help")
        assert "/subject" in inspector.text and "/objective" in inspector.text and "/findings" in inspector.text
        assert "/plan" not in inspector.text and "/restore" not in inspector.text

        admin = Person(emu, ADMIN)
        await admin.says(f"/role {INSPECTOR} supervisor")
        assert "plan" in await menu(chat) and "deadlines" in await menu(chat)
        await inspector.says("/lang")
        await inspector.taps("Қазақша")
        commands = await app.bot.get_my_commands(scope=chat)
        assert next(c.description for c in commands if c.command == "plan").startswith("Профилактикалық")

        await admin.says(f"/revoke {INSPECTOR}")
        assert await menu(chat) == []  # the strangers' default menu shows again
        await admin.says(f"/restore {INSPECTOR}")
        assert "plan" in await menu(chat)
        assert not emu.errors, emu.errors
    finally:
        await app.stop()


async def test_a_fan_out_reaches_everyone_reachable_once_through_blocks_and_a_429(limited_emu, tmp_path):
    emu = limited_emu
    app = await start_bot(emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN))
    try:
        supervisors = list(range(5000, 5030))
        blocked = set(supervisors[3:30:10])
        for telegram_id in supervisors:
            await add_user(app.services.db, telegram_id, role="supervisor")
            emu.open_chat(telegram_id)
            if telegram_id in blocked:
                emu.block_user(telegram_id)
        emu.open_chat(ADMIN)

        assert (
            await queue_deadline_reminders(app.services.db, planning_on(app, date(2026, 12, 3)), app.sender.wake) == 31
        )
        await outbox_settled(app, emu)

        assert emu.rate_limited, "the emulator's limit never answered 429"
        for telegram_id in supervisors:
            expected = 0 if telegram_id in blocked else 1
            assert emu.sends_to(telegram_id) == expected, telegram_id
        unreachable = {u.chat_id for u in await app.services.outbox.unreachable()}
        assert unreachable == blocked

        # The same reminders again (the 09:00 run after a start-up run): nobody gets a second one.
        assert (
            await queue_deadline_reminders(app.services.db, planning_on(app, date(2026, 12, 3)), app.sender.wake) == 0
        )
        admin = Person(emu, ADMIN)
        await admin.says("/status")
        assert all(str(chat_id) in admin.text for chat_id in blocked)
        assert [e for e in emu.errors if not e[1].startswith(("Too Many Requests", "Forbidden"))] == []
    finally:
        await app.stop()


async def test_a_restart_in_the_middle_of_a_fan_out_sends_nobody_twice(limited_emu, tmp_path):
    emu = limited_emu
    db_path = tmp_path / "bot.sqlite3"
    app = await start_bot(emu, db_path, admin_ids=str(ADMIN))
    recipients = list(range(6000, 6040))
    for telegram_id in recipients:
        await add_user(app.services.db, telegram_id, role="supervisor")
        emu.open_chat(telegram_id)
    emu.open_chat(ADMIN)
    await queue_deadline_reminders(app.services.db, planning_on(app, date(2026, 12, 3)), app.sender.wake)
    await emu.wait_for(lambda: sum(emu.sends_to(r) for r in recipients) >= 10, timeout=10)
    await app.stop()  # a stop in the middle: what is in flight is marked, the rest waits
    sent_before = {r for r in recipients if emu.sends_to(r)}
    assert 10 <= len(sent_before) < len(recipients)

    # As if killed between a send and its mark: one pending row is left 'sending'.
    import aiosqlite

    async with aiosqlite.connect(db_path) as conn:
        cursor = await conn.execute("SELECT chat_id FROM outbox WHERE status = 'pending' ORDER BY id LIMIT 1")
        (interrupted,) = await cursor.fetchone()
        await conn.execute("UPDATE outbox SET status = 'sending' WHERE chat_id = ?", (interrupted,))
        await conn.commit()

    app = await start_bot(emu, db_path, admin_ids=str(ADMIN))
    try:
        await outbox_settled(app, emu)
        for telegram_id in recipients:
            assert emu.sends_to(telegram_id) == (0 if telegram_id == interrupted else 1), telegram_id
        counts = await app.services.outbox.counts()
        assert counts.get("unknown") == 1 and counts.get("sent") == len(recipients)  # the admin's too
        admin = Person(emu, ADMIN)
        await admin.says("/status")
        assert "Доставка неизвестна" in admin.text
    finally:
        await app.stop()


async def test_a_stale_draft_is_nudged_once_a_day_with_resume_and_discard(emu, tmp_path):
    app = await start_bot(emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN))
    try:
        inspector = await joins(emu, ADMIN, "inspector", INSPECTOR)
        await inspector.says(f"/new {BIN}")
        await inspector.says("ТОО «Ақ жол»")
        db = app.services.db
        assert await queue_stale_draft_nudges(db, 3, "2026-12-02", app.sender.wake) == 0  # fresh

        four_days_ago = (datetime.now(UTC) - timedelta(days=4)).isoformat(timespec="seconds")
        async with db.transaction() as tx:
            await tx.execute("UPDATE inspections SET updated_at = ? WHERE status = 'draft'", (four_days_ago,))
        assert await queue_stale_draft_nudges(db, 3, "2026-12-02", app.sender.wake) == 1
        assert await queue_stale_draft_nudges(db, 3, "2026-12-02", app.sender.wake) == 0  # the same day
        await outbox_settled(app, emu)
        nudges = [m for m in inspector.messages if "не менялся 4 дня" in (m.get("text") or "")]
        assert len(nudges) == 1 and "ТОО «Ақ жол»" in nudges[0]["text"]
        assert inspector.buttons(nudges[0]) == ["▶ Продолжить", "🗑 Удалить"]

        await inspector.taps("▶ Продолжить", message_id=nudges[0]["message_id"])
        assert "Шаг 3/9" in inspector.text  # back at the next step: the address
        assert await queue_stale_draft_nudges(db, 3, "2026-12-03", app.sender.wake) == 0  # touched since
        assert not emu.errors, emu.errors
    finally:
        await app.stop()


async def test_an_unhandled_error_reaches_the_admins_once_an_hour_without_the_token(emu, tmp_path, monkeypatch):
    app = await start_bot(emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN))
    try:
        inspector = await joins(emu, ADMIN, "inspector", INSPECTOR)

        async def broken(bin_):
            raise RuntimeError(f"the database said no, token {emu.token}, subject {bin_}")

        monkeypatch.setattr(app.services.assessment, "of_bin", broken)
        await inspector.says(f"/bin {BIN}")
        await inspector.says(f"/bin {BIN}")
        assert "Что-то пошло не так" in inspector.text
        admin = Person(emu, ADMIN)
        await outbox_settled(app, emu)
        reports = [m for m in admin.messages if "Ошибка в боте" in (m.get("text") or "")]
        assert len(reports) == 1
        text = reports[0]["text"]
        assert "RuntimeError in bot.handlers.lookup._show_card" in text and "message" in text
        assert emu.token not in text and BIN not in text and "database said no" not in text

        await admin.says("/status")
        assert "RuntimeError in bot.handlers.lookup._show_card" in admin.text and "× 2" in admin.text
    finally:
        await app.stop()
