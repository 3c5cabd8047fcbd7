"""The offline sandbox: a newcomer walks a whole inspection in the terminal chat and reads the score."""

import io
import os
import subprocess
import sys
from pathlib import Path

from bot.config import load_settings
from sandbox.terminal import run_sandbox

HEADER = [
    "990340001230",
    "ТОО «Ақ жол»",
    "Астана, Мәңгілік Ел 8",
    "Акимат г. Астаны",
    "Агентство по делам госслужбы",
    "5",
    "03.11.2026",
    "Иванов Иван",
    "Эксперт",
]
# Buttons of an item screen: #1 complies, #2 does not comply, #3 not applicable, #4 back.


async def lines(items):
    for item in items:
        yield item


def inspection_lines():
    typed = ["/new", *HEADER, "Пропустить"]  # the location step skipped
    for item in range(1, 20):
        if item == 1:
            typed += ["#2", "Нет отчёта", "photo", "#2"]  # violated, a comment, a photo, then "Next"
        else:
            typed.append("#1")
    typed += ["#21", "quit"]  # the review screen: 19 item buttons, the header, then "Finish"
    return typed


async def test_terminal_chat_walks_an_inspection_and_shows_the_score(tmp_path):
    out = io.StringIO()
    await run_sandbox(load_settings({}, env_file=None), lines(inspection_lines()), out, folder=tmp_path)
    transcript = out.getvalue()
    assert "Шаг 1/9" in transcript and "19/19" in transcript
    assert "  [#1] ✅ Соответствует" in transcript  # buttons are numbered
    # Item 1 (significant) violated, everything else complies: 1·100/8·0.7 = 8.75.
    assert "SP = SPз + SPн = 8.75" in transcript
    assert "Показатель степени риска: 8.75" in transcript
    saved = [line for line in transcript.splitlines() if line.startswith("[document saved: ")]
    assert len(saved) == 1
    pdf = Path(saved[0].removeprefix("[document saved: ").rstrip("]"))
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")
    assert (tmp_path / "sandbox.sqlite3").is_file()


def test_run_command_without_token_brings_up_the_sandbox(tmp_path):
    """`make run`'s command with no BOT_TOKEN starts the sandbox (here fed by a pipe, then EOF)."""
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "LOG_LEVEL")}
    root = Path(__file__).resolve().parent.parent
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "catalogue.toml").write_bytes((root / "data" / "catalogue.toml").read_bytes())
    env["PYTHONPATH"] = str(root)
    result = subprocess.run(
        [sys.executable, "-m", "sandbox", "--unless-token"],
        input="/new\nhelp\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Sandbox: you are chatting with the real bot" in result.stdout
    assert "Шаг 1/9" in result.stdout
    assert (tmp_path / "data" / "sandbox" / "sandbox.sqlite3").is_file()


def test_the_product_without_a_token_refuses_to_start_with_a_configuration_error(tmp_path):
    """`python -m bot` in production with a forgotten BOT_TOKEN fails at once instead of opening a sandbox."""
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "LOG_LEVEL")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    result = subprocess.run(
        [sys.executable, "-m", "bot"], input="/new\n", capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60
    )
    assert result.returncode == 2
    assert "configuration error: BOT_TOKEN is not set" in result.stderr
    assert "Sandbox" not in result.stdout
    assert not (tmp_path / "data" / "sandbox").exists()
