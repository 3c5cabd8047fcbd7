"""A backup that survives the disk: checked after it is written, uploaded to an S3-compatible bucket (a real
S3 server on 127.0.0.1: moto's server mode), and restored by the README's steps after the disk is gone."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import shutil
import signal
import sys
from pathlib import Path

import pytest
from minio import Minio
from moto.server import ThreadedMotoServer

from bot.config import load_settings
from bot.db.integrity import integrity_check
from bot.services.backups import BackupService
from bot.services.offsite import S3Target
from tests.e2e import Person
from tests.reliability import harness as h
from tests.reliability.figures import FIGURES

ROOT = Path(__file__).resolve().parents[2]
BUCKET = "risk-bot-backups"


@pytest.fixture
def s3():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    Minio(f"{host}:{port}", access_key="test", secret_key="test", secure=False).make_bucket(BUCKET)
    yield endpoint
    server.stop()


def env_for(tmp_path: Path, endpoint: str, **extra: str) -> dict[str, str]:
    return {
        "DATABASE_PATH": str(tmp_path / "data" / "bot.sqlite3"),
        "BACKUP_DIR": str(tmp_path / "data" / "backups"),
        "ADMIN_IDS": str(h.ADMIN),
        "BACKUP_S3_ENDPOINT": endpoint,
        "BACKUP_S3_BUCKET": BUCKET,
        "BACKUP_S3_ACCESS_KEY": "test",
        "BACKUP_S3_SECRET_KEY": "test",
        "BACKUP_S3_PREFIX": "kz-agency",
        "RUNTIME_DIR": str(tmp_path / "run"),
        "LOG_LEVEL": "WARNING",
        **extra,
    }


async def run(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, out.decode(), err.decode()


async def test_after_the_disk_is_lost_the_readme_steps_bring_back_every_sheet_from_the_bucket(
    s3, emu, tmp_path, caplog
):
    env = env_for(tmp_path, s3)
    settings = load_settings(env, env_file=None)
    # A working bot's history: users, a finished check sheet, a draft (played through the real dispatcher).
    (tmp_path / "data").mkdir()
    seeded = await h.seed(tmp_path / "data")
    backups = BackupService(seeded.services.db, settings.backup_dir, settings.backup_keep, S3Target(settings.backup_s3))
    with caplog.at_level(logging.INFO, logger="bot.services.backups"):
        local = await backups.run()  # what the daily job does
    await seeded.services.db.close()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert f"backup written: {local.name} (integrity check: ok)" in logged
    assert f"uploaded to s3 {s3}/{BUCKET}/kz-agency/ as kz-agency/{local.name}" in logged

    # The disk is lost: the database and the local backups are gone.
    shutil.rmtree(tmp_path / "data")

    # README, "Restoring from a backup": step 2, see what the bucket holds.
    code, out, err = await run(["-m", "bot.restore", "list"], env, tmp_path)
    assert code == 0, err
    assert out.splitlines() == [f"off-host\tkz-agency/{local.name}"]
    # Step 3: restore the latest.
    code, out, err = await run(["-m", "bot.restore", "latest"], env, tmp_path)
    assert code == 0, err
    assert f"from off-host kz-agency/{local.name} (integrity check: ok)" in out
    assert integrity_check(settings.database_path) == "ok"

    # Step 4: start the bot: the inspector's finished sheet and the draft are there.
    bot_env = {**env, "BOT_TOKEN": emu.token, "TELEGRAM_API_URL": emu.base_url}
    polls = len(emu.calls_of("getUpdates"))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT), **bot_env},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await emu.wait_for(lambda: len(emu.calls_of("getUpdates")) > polls, timeout=60)
        inspector = Person(emu, h.INSPECTOR_A)
        await inspector.says("/mine")
        assert h.SUBJECT_NAME in inspector.text, inspector.text
        await inspector.says("/resume")
        assert "Шаг" in inspector.text or "/19" in inspector.text, inspector.text
        # Restoring while the bot runs is refused: it would pull the file from under it.
        code, _, err = await run(["-m", "bot.restore", "latest"], env, tmp_path)
        assert code == 3 and "refusing to restore" in err, err
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)
    FIGURES.add("backups restored from the bucket", 1)


async def test_a_damaged_copy_in_the_bucket_is_refused_and_the_database_is_left_as_it_was(s3, tmp_path):
    env = env_for(tmp_path, s3)
    settings = load_settings(env, env_file=None)
    (tmp_path / "data").mkdir()
    seeded = await h.seed(tmp_path / "data")
    await BackupService(seeded.services.db, settings.backup_dir, 3, S3Target(settings.backup_s3)).run()
    await seeded.services.db.close()
    damaged = b"SQLite format 3\x00" + b"\x00" * 4000  # a truncated file, as a broken upload leaves
    client = Minio(s3.removeprefix("http://"), access_key="test", secret_key="test", secure=False)
    client.put_object(BUCKET, "kz-agency/bot-99991231T000000000000Z.sqlite3", io.BytesIO(damaged), len(damaged))
    before = settings.database_path.read_bytes()

    code, _, err = await run(["-m", "bot.restore", "latest"], env, tmp_path)
    assert code == 1, err
    assert "failed its integrity check" in err and "the database was not touched" in err
    assert settings.database_path.read_bytes() == before
    assert not list(settings.database_path.parent.glob("*.restoring"))


def test_a_file_that_is_not_a_whole_database_fails_the_integrity_check(tmp_path):
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"SQLite format 3\x00" + b"\x01" * 5000)
    assert integrity_check(broken) != "ok"
    assert integrity_check(tmp_path / "missing.sqlite3") != "ok"
