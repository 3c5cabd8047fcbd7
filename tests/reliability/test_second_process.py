"""Two real `python -m bot` processes: the second, on the same database or with the same token, refuses."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.e2e import Person
from tests.reliability.figures import FIGURES

ROOT = Path(__file__).resolve().parents[2]
ADMIN = 2002


def _env(emu, tmp_path: Path, database: Path, token: str | None = None) -> dict[str, str]:
    return {
        **os.environ,
        "BOT_TOKEN": token or emu.token,
        "TELEGRAM_API_URL": emu.base_url,
        "ADMIN_IDS": str(ADMIN),
        "DATABASE_PATH": str(database),
        "BACKUP_DIR": str(tmp_path / "backups"),
        "RUNTIME_DIR": str(tmp_path / "run"),
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "WARNING",
    }


async def _start_first(emu, tmp_path: Path) -> asyncio.subprocess.Process:
    polls_before = len(emu.calls_of("getUpdates"))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=_env(emu, tmp_path, tmp_path / "bot.sqlite3"),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    await emu.wait_for(lambda: len(emu.calls_of("getUpdates")) > polls_before, timeout=60)
    return process


async def _second(env: dict[str, str], cwd: Path) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=cwd, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, stderr.decode()


async def _stop(process: asyncio.subprocess.Process) -> str:
    process.send_signal(signal.SIGTERM)
    await asyncio.wait_for(process.wait(), 30)
    return (await process.stderr.read()).decode()


async def test_a_second_bot_on_the_same_database_or_token_refuses_and_the_first_keeps_answering(emu, tmp_path):
    admin = Person(emu, ADMIN)
    first = await _start_first(emu, tmp_path)
    refusals = 0
    try:
        await admin.says("/help")
        answered = len(admin.messages)
        assert answered >= 1

        # The same database, another token (another bot): refused before it touches the file.
        other_token = "654321:ANOTHER-TOKEN"
        code, stderr = await _second(_env(emu, tmp_path, tmp_path / "bot.sqlite3", other_token), tmp_path)
        assert code == 3, stderr
        assert "refusing to start" in stderr and "already uses the database" in stderr, stderr
        assert str(first.pid) in stderr  # who holds it
        refusals += 1

        # The same token, another database: refused too.
        code, stderr = await _second(_env(emu, tmp_path, tmp_path / "other.sqlite3"), tmp_path)
        assert code == 3, stderr
        assert "already uses this bot token" in stderr, stderr
        assert emu.token not in stderr
        refusals += 1
        assert not (tmp_path / "other.sqlite3").exists()  # it opened nothing
        assert len(emu.calls_of("getMe")) <= 2  # the refused one never reached Telegram (the first: 1 or 2)

        # The first bot is untouched: it still polls and answers.
        await admin.says("/help")
        assert len(admin.messages) > answered
        assert not [e for e in emu.errors if "Conflict" in e[1]]
    finally:
        stderr = await _stop(first)
    assert first.returncode == 0, stderr
    assert "Traceback" not in stderr, stderr
    lock_names = [p.name for p in (tmp_path / "run").iterdir()]
    assert lock_names and all(emu.token not in name and emu.token.split(":")[1] not in name for name in lock_names)
    FIGURES.add("second processes refused", refusals)


async def test_after_the_first_bot_stops_a_new_one_starts_on_the_same_database(emu, tmp_path):
    first = await _start_first(emu, tmp_path)
    await _stop(first)
    again = await _start_first(emu, tmp_path)  # the lock went with the process
    stderr = await _stop(again)
    assert again.returncode == 0, stderr
