"""kill -9 in the middle of a check sheet: the real `python -m bot` process against the emulator."""

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.conftest import BIN_A
from tests.e2e import Person

ROOT = Path(__file__).resolve().parent.parent
INSPECTOR = 2002
COMPLIES = "✅ Соответствует"


async def start_process(emu, tmp_path):
    env = {
        **os.environ,
        "BOT_TOKEN": emu.token,
        "TELEGRAM_API_URL": emu.base_url,
        "ADMIN_IDS": str(INSPECTOR),
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
        "BACKUP_DIR": str(tmp_path / "backups"),
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "WARNING",
    }
    polls_before = len(emu.calls_of("getUpdates"))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    await emu.wait_for(lambda: len(emu.calls_of("getUpdates")) > polls_before, timeout=60)  # it is polling
    return process


async def test_kill_9_mid_inspection_then_resume_at_the_next_unanswered_item(emu, tmp_path):
    person = Person(emu, INSPECTOR)
    process = await start_process(emu, tmp_path)
    try:
        await person.says(f"/new {BIN_A}")
        for value in ["ТОО Ақ жол", "Астана", "Акимат", "Агентство", "5", "03.11.2026", "Иванов И.", "Эксперт"]:
            await person.says(value)
        await person.says("Пропустить")  # the location step
        for _ in range(3):
            await person.taps(COMPLIES)
        assert person.text.startswith("4/19")
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()
    assert process.returncode == -signal.SIGKILL

    process = await start_process(emu, tmp_path)
    try:
        await person.says("/start")
        assert "\n\n4/19" in person.text, person.text
        await person.taps(COMPLIES)
        assert person.text.startswith("5/19")
    finally:
        process.send_signal(signal.SIGTERM)  # a graceful stop this time
        await asyncio.wait_for(process.wait(), 30)
        stderr = (await process.stderr.read()).decode()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr, stderr
