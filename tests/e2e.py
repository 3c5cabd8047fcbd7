"""End-to-end harness: the real bot (aiogram Bot over HTTP, polling) against the Bot API emulator on 127.0.0.1."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from bot.config import load_settings
from sandbox import running
from sandbox.emulator import BotAPIEmulator
from sandbox.images import png
from sandbox.running import RunningBot


def settings_for(emu: BotAPIEmulator, db_path: Path, admin_ids: str = "", **extra: str):
    env = {
        "BOT_TOKEN": emu.token,
        "TELEGRAM_API_URL": emu.base_url,
        "DATABASE_PATH": str(db_path),
        "ADMIN_IDS": admin_ids,
        "BACKUP_DIR": str(db_path.parent / "backups"),
        **extra,
    }
    return load_settings(env, env_file=None)


async def start_bot(emu: BotAPIEmulator, db_path: Path, admin_ids: str = "", today=None, **extra: str) -> RunningBot:
    """The bot polling the emulator through the shipped inbox polling, with the outbox's sender beside it
    (sandbox/running.py). ``today``: a callable giving the bot's local date; the real one by default."""
    return await running.start_bot(settings_for(emu, db_path, admin_ids, **extra), today=today, emulator=emu)


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
        self.emu.send_location(
            self.id,
            latitude,
            longitude,
            horizontal_accuracy=accuracy,
            first_name=self.first_name,
            language_code=self.language_code,
        )
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


async def joins(
    emu: BotAPIEmulator,
    admin_id: int,
    role: str,
    user_id: int,
    *,
    language_code: str = "ru",
    first_name: str = "Айгерім",
) -> Person:
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
    return [
        bin_,
        subject,
        "Астана, Мәңгілік Ел 8",
        "Акимат г. Астаны",
        "Агентство РК по делам госслужбы",
        "17-П",
        "03.11.2026",
        "Сейтқали Айгерім Болатқызы",
        "Главный эксперт",
    ]
