"""Settings: a missing or malformed setting stops start-up with one line naming it."""

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings, read_env_file

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_without_a_token_mean_the_sandbox():
    settings = load_settings({}, env_file=None)
    assert settings.bot_token is None
    assert settings.default_language == "ru" and str(settings.timezone) == "Asia/Almaty"
    assert settings.database_path == Path("data/bot.sqlite3")
    assert settings.backup_time == (2, 30) and settings.backup_keep == 14


def test_values_are_read_and_the_token_is_kept_secret():
    settings = load_settings(
        {
            "BOT_TOKEN": "123456:ABC-def",
            "ADMIN_IDS": "1, 2;3",
            "DEFAULT_LANGUAGE": "KK",
            "TIMEZONE": "Asia/Aqtobe",
            "TELEGRAM_API_URL": "http://127.0.0.1:8081/",
        },
        env_file=None,
    )
    assert settings.admin_ids == (1, 2, 3) and settings.default_language == "kk"
    assert settings.telegram_api_url == "http://127.0.0.1:8081"
    assert settings.bot_token.get() == "123456:ABC-def"
    assert "ABC-def" not in repr(settings) and "ABC-def" not in str(settings.bot_token)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"BOT_TOKEN": "not-a-token"}, "BOT_TOKEN"),
        ({"ADMIN_IDS": "12, abc"}, "ADMIN_IDS"),
        ({"DEFAULT_LANGUAGE": "en"}, "DEFAULT_LANGUAGE"),
        ({"TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
        ({"TELEGRAM_API_URL": "ftp://x"}, "TELEGRAM_API_URL"),
        ({"WEBHOOK_URL": "http://insecure"}, "WEBHOOK_URL"),
        ({"WEBHOOK_URL": "https://bot.example.kz"}, "WEBHOOK_SECRET"),
        ({"WEBHOOK_URL": "https://bot.example.kz", "WEBHOOK_SECRET": "has space"}, "WEBHOOK_SECRET"),
        ({"WEBHOOK_PORT": "70000"}, "WEBHOOK_PORT"),
        ({"BACKUP_TIME": "25:00"}, "BACKUP_TIME"),
        ({"BACKUP_KEEP": "many"}, "BACKUP_KEEP"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
    ],
)
def test_a_bad_setting_is_named(env, named):
    with pytest.raises(ConfigError, match=f"^{named}:"):
        load_settings(env, env_file=None)


def test_env_file_with_comments_quotes_and_export(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("# comment\nexport BOT_TOKEN=\"1:abc\"\nADMIN_IDS = 5\n\nTIMEZONE='Asia/Almaty'\n")
    assert read_env_file(env_file) == {"BOT_TOKEN": "1:abc", "ADMIN_IDS": "5", "TIMEZONE": "Asia/Almaty"}
    env_file.write_text("JUST_A_WORD\n")
    with pytest.raises(ConfigError, match=":1: expected KEY=VALUE"):
        read_env_file(env_file)


def test_start_up_stops_with_one_line_naming_the_setting(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "ADMIN_IDS": "x"},
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "configuration error: ADMIN_IDS: 'x' is not a Telegram user id (digits, comma-separated)"
    ]


def test_healthcheck_passes_on_a_database_and_fails_without_one(tmp_path):
    import sqlite3

    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DATABASE_PATH": str(tmp_path / "bot.sqlite3")}
    missing = subprocess.run(
        [sys.executable, "-m", "bot.healthcheck"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60
    )
    assert missing.returncode == 1 and "unhealthy" in missing.stderr
    connection = sqlite3.connect(tmp_path / "bot.sqlite3")
    connection.execute("CREATE TABLE users (telegram_id INTEGER)")
    connection.close()
    healthy = subprocess.run(
        [sys.executable, "-m", "bot.healthcheck"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60
    )
    assert healthy.returncode == 0, healthy.stderr


def test_first_language_comes_from_telegram_else_the_configured_default():
    from bot.texts import normalise_language

    assert normalise_language("kk") == "kk" and normalise_language("kk-KZ", "ru") == "kk"
    assert normalise_language("ru-RU", "kk") == "ru"
    assert normalise_language("en", "kk") == "kk" and normalise_language(None, "ru") == "ru"
