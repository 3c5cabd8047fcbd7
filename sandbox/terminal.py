"""The offline sandbox: the real bot against the Bot API emulator on 127.0.0.1, with a terminal chat.

You are the first admin. Type messages and commands as in Telegram; the bot's messages are printed with
their inline buttons numbered, and ``#N`` presses button N of the latest message that has buttons.
``photo [PATH]`` and ``file PATH`` send evidence; documents the bot sends are saved and their paths shown.
"""

from __future__ import annotations

import asyncio
import html
import re
import sys
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from bot.config import Secret, Settings
from sandbox.emulator import BotAPIEmulator
from sandbox.images import png

SANDBOX_USER = 1
SANDBOX_DIR = Path("data") / "sandbox"
HELP = """Sandbox: you are chatting with the real bot through a local Telegram emulator (no network).
  text or /command   send it          #N          press button N of the latest message with buttons
  photo [PATH]       send a photo     file PATH   send a file as a document
  help               this text        quit        leave (Ctrl-D too)
Start with /new (a valid BIN to try: 990340001230)."""

_TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """Telegram HTML as a terminal shows it."""
    return html.unescape(_TAG.sub("", text))


class TerminalChat:
    """One person's chat with the bot, read from lines and written to a text stream."""

    def __init__(
        self,
        emu: BotAPIEmulator,
        out: TextIO,
        *,
        user_id: int = SANDBOX_USER,
        first_name: str = "Sandbox",
        language_code: str = "ru",
    ) -> None:
        self.emu, self.out, self.user_id = emu, out, user_id
        self.first_name, self.language_code = first_name, language_code
        self._shown: dict[int, str] = {}

    def _say(self, line: str = "") -> None:
        self.out.write(line + "\n")
        self.out.flush()

    def print_events(self) -> None:
        """Print what the bot did since the last call: new messages, edits, documents, alerts."""
        while True:
            try:
                kind, payload = self.emu.events.get_nowait()
            except asyncio.QueueEmpty:
                return
            if kind in ("send", "edit") and payload.get("chat", {}).get("id") == self.user_id:
                self._print_message(payload, edited=kind == "edit")
            elif kind == "answer" and payload.get("text"):
                self._say(f"  (!) {payload['text']}")

    def _print_message(self, message: dict[str, Any], *, edited: bool) -> None:
        body = plain(message.get("text") or message.get("caption") or "")
        if edited and self._shown.get(message["message_id"]) == body:
            return  # only the buttons went (an older screen retired): nothing new to read
        self._shown[message["message_id"]] = body
        self._say("─" * 60 + (" (edited)" if edited else ""))
        if body:
            self._say(body)
        if message.get("document"):
            where = message.get("file_path_local") or message["document"].get("file_name")
            self._say(f"[document saved: {where}]")
        elif message.get("photo") and message.get("file_path_local"):  # /stats's charts
            self._say(f"[photo saved: {message['file_path_local']}]")
        for number, label in enumerate(self._labels(message), start=1):
            self._say(f"  [#{number}] {label}")

    @staticmethod
    def _labels(message: dict[str, Any]) -> list[str]:
        markup = message.get("reply_markup") or {}
        return [button["text"] for row in markup.get("inline_keyboard", []) for button in row]

    def _latest_with_buttons(self) -> dict[str, Any] | None:
        for message in reversed(self.emu.messages(self.user_id)):
            if self._labels(message):
                return message
        return None

    async def handle(self, line: str) -> bool:
        """Act on one typed line; False to leave."""
        line = line.rstrip("\n")
        stripped = line.strip()
        if stripped in ("quit", "exit"):
            return False
        if not stripped:
            return True
        if stripped == "help":
            self._say(HELP)
            return True
        user = {"first_name": self.first_name, "language_code": self.language_code}
        if re.fullmatch(r"#\d+", stripped):
            message = self._latest_with_buttons()
            number = int(stripped[1:])
            if message is None or not 1 <= number <= len(self._labels(message)):
                self._say("  (no such button)")
                return True
            buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
            self.emu.press(self.user_id, message["message_id"], buttons[number - 1]["callback_data"], **user)
        elif stripped.split(maxsplit=1)[0] == "photo":
            path = stripped.split(maxsplit=1)[1] if " " in stripped else None
            content = await _read(Path(path)) if path else png(640, 480)
            if content is None:
                self._say(f"  (no file {path})")
                return True
            self.emu.send_photo(self.user_id, content=content, **user)
        elif stripped.split(maxsplit=1)[0] == "file" and " " in stripped:
            path = Path(stripped.split(maxsplit=1)[1])
            content = await _read(path)
            if content is None:
                self._say(f"  (no file {path})")
                return True
            self.emu.send_document(self.user_id, file_name=path.name, content=content, **user)
        else:
            self.emu.send_text(self.user_id, line, **user)
        await self.emu.wait_idle(timeout=30)
        self.print_events()
        return True

    async def run(self, lines: AsyncIterator[str]) -> None:
        self._say(HELP)
        async for line in lines:
            if not await self.handle(line):
                break
            self._say("")


def _read_file(path: Path) -> bytes | None:
    try:
        return path.expanduser().read_bytes()
    except OSError:
        return None


async def _read(path: Path) -> bytes | None:
    return await asyncio.to_thread(_read_file, path)


async def stdin_lines() -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        yield line


async def run_sandbox(
    settings: Settings, lines: AsyncIterator[str] | None = None, out: TextIO | None = None, folder: Path = SANDBOX_DIR
) -> None:
    """Start the emulator and the real bot (its own database in ``folder``) and chat until EOF or 'quit'."""
    from bot.app import create_bot, prepare, serve

    emu = BotAPIEmulator(files_dir=folder / "received")
    await emu.start()
    sandbox_settings = replace(
        settings,
        bot_token=Secret(emu.token),
        telegram_api_url=emu.base_url,
        webhook_url=None,
        database_path=folder / "sandbox.sqlite3",
        backup_dir=folder / "backups",
        admin_ids=(*settings.admin_ids, SANDBOX_USER),
    )
    services = await prepare(sandbox_settings)
    bot = create_bot(emu.token, emu.base_url)
    stop = asyncio.Event()
    server = asyncio.create_task(serve(sandbox_settings, bot, services, polling_timeout=1, stop=stop))
    chat = TerminalChat(emu, out or sys.stdout)
    try:
        await chat.run(lines or stdin_lines())
    finally:
        stop.set()
        await server
        await emu.stop()
