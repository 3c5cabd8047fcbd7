"""End-to-end harness: the real bot (aiogram Bot over HTTP, polling) against the Bot API emulator on 127.0.0.1."""

from __future__ import annotations

import asyncio
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher
from pypdf import PdfReader

from bot.app import Services, build_dispatcher, create_bot, prepare, start_outbox, stop_outbox
from bot.config import load_settings
from bot.outbox import OutboxSender
from sandbox.emulator import BotAPIEmulator
from sandbox.images import png


@dataclass
class RunningBot:
    services: Services
    bot: Bot
    dp: Dispatcher
    task: asyncio.Task
    sender: OutboxSender
    sending: asyncio.Task

    async def stop(self) -> None:
        await self.dp.stop_polling()
        await asyncio.wait_for(self.task, 10)
        await stop_outbox(self.sender, self.sending)
        await asyncio.to_thread(self.services.charts.shutdown)
        await self.services.db.close()
        await self.bot.session.close()
        self.services.reports.pdf.shutdown()  # the PDF worker processes, when a PDF started them


def settings_for(emu: BotAPIEmulator, db_path: Path, admin_ids: str = "", **extra: str):
    env = {"BOT_TOKEN": emu.token, "TELEGRAM_API_URL": emu.base_url, "DATABASE_PATH": str(db_path),
           "ADMIN_IDS": admin_ids, "BACKUP_DIR": str(db_path.parent / "backups"), **extra}
    return load_settings(env, env_file=None)


async def start_bot(emu: BotAPIEmulator, db_path: Path, admin_ids: str = "", today=None, **extra: str) -> RunningBot:
    """The bot polling the emulator, with the outbox's sender running beside it as in production.
    ``today``: a callable giving the bot's local date (a test's calendar); the real one by default."""
    settings = settings_for(emu, db_path, admin_ids, **extra)
    services = await prepare(settings, today=today)
    bot = create_bot(settings.bot_token.get(), settings.telegram_api_url)
    dp = build_dispatcher(services)
    sender, sending = start_outbox(bot, services)
    task = asyncio.create_task(dp.start_polling(
        bot, handle_as_tasks=False, polling_timeout=1, handle_signals=False, close_bot_session=False,
        allowed_updates=dp.resolve_used_update_types(),
    ))
    return RunningBot(services, bot, dp, task, sender, sending)


class Person:
    """Someone with Telegram on a phone: writes, taps buttons, reads what the bot shows."""

    def __init__(self, emu: BotAPIEmulator, user_id: int, language_code: str = "ru", first_name: str = "Айгерім"):
        self.emu, self.id, self.language_code, self.first_name = emu, user_id, language_code, first_name

    async def says(self, text: str) -> None:
        self.emu.send_text(self.id, text, first_name=self.first_name, language_code=self.language_code)
        await self.emu.wait_idle()

    async def taps(self, label: str, message_id: int | None = None) -> None:
        self.emu.press_button(self.id, label, message_id=message_id)
        await self.emu.wait_idle()

    async def sends_photo(self, **kwargs: Any) -> None:
        self.emu.send_photo(self.id, first_name=self.first_name, language_code=self.language_code, **kwargs)
        await self.emu.wait_idle()

    async def sends_document(self, **kwargs: Any) -> None:
        self.emu.send_document(self.id, first_name=self.first_name, language_code=self.language_code, **kwargs)
        await self.emu.wait_idle()

    async def shares_location(self, latitude: float, longitude: float, accuracy: float | None = None) -> None:
        self.emu.send_location(self.id, latitude, longitude, horizontal_accuracy=accuracy,
                               first_name=self.first_name, language_code=self.language_code)
        await self.emu.wait_idle()

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.emu.messages(self.id)

    @property
    def screen(self) -> dict[str, Any]:
        return self.emu.last_message(self.id)

    @property
    def text(self) -> str:
        return self.screen.get("text") or self.screen.get("caption") or ""

    def buttons(self, message: dict[str, Any] | None = None) -> list[str]:
        markup = (message or self.screen).get("reply_markup") or {}
        return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]

    def toasts(self) -> list[str]:
        return [a.get("text") or "" for a in self.emu.callback_answers]

    def documents(self) -> list[dict[str, Any]]:
        return [m for m in self.messages if m.get("document")]


def pdf_text(message: dict[str, Any]) -> str:
    reader = PdfReader(io.BytesIO(message["document_bytes"]))
    return "\n".join(page.extract_text() for page in reader.pages)


def invitation_token(text: str) -> str:
    return re.search(r"start=([\w-]+)", text).group(1)


async def joins(emu: BotAPIEmulator, admin_id: int, role: str, user_id: int, *, language_code: str = "ru",
                first_name: str = "Айгерім") -> Person:
    """An admin invites someone with a role; they open the link (/start <token>) and are in."""
    admin = Person(emu, admin_id, first_name="Admin")
    await admin.says(f"/invite {role}")
    person = Person(emu, user_id, language_code=language_code, first_name=first_name)
    await person.says(f"/start {invitation_token(admin.text)}")
    return person


PNG = png()

# The people of most end-to-end scenarios: the admin named in ADMIN_IDS, and an inspector they invited.
ADMIN, INSPECTOR = 1001, 2002
# The check sheet's answer buttons as a Russian-speaking inspector sees them.
COMPLIES, VIOLATED, NOT_APPLICABLE = "✅ Соответствует", "❌ Не соответствует", "➖ Не применимо"


def header_values(bin_: str, subject: str = "ТОО «Ақ жол»") -> list[str]:
    """The nine header values an inspector types, in the order of the steps (BIN first, act date 7th)."""
    return [bin_, subject, "Астана, Мәңгілік Ел 8", "Акимат г. Астаны", "Агентство РК по делам госслужбы",
            "17-П", "03.11.2026", "Сейтқали Айгерім Болатқызы", "Главный эксперт"]
