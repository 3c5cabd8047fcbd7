"""Settings, read once from the environment (and an optional ``.env``) at start-up.

A missing or malformed setting stops start-up with one line naming it (:class:`ConfigError`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.texts import LANGUAGES

DEFAULT_DATABASE = Path("data") / "bot.sqlite3"


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names it."""


class Secret:
    """A value that never shows in logs, reprs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


@dataclass(frozen=True, slots=True)
class S3Settings:
    """The off-host backup target: an S3-compatible bucket (BACKUP_S3_*)."""

    endpoint: str  # https://host[:port] (http:// for a bucket on a private network)
    bucket: str
    access_key: str
    secret_key: Secret
    prefix: str = "risk-bot/"
    region: str | None = None


@dataclass(frozen=True, slots=True)
class Settings:
    bot_token: Secret | None  # None: the offline sandbox
    telegram_api_url: str | None
    database_path: Path
    admin_ids: tuple[int, ...]
    default_language: str
    timezone: ZoneInfo
    webhook_url: str | None
    webhook_secret: Secret | None
    webhook_host: str
    webhook_port: int
    backup_dir: Path
    backup_keep: int
    backup_time: tuple[int, int]  # (hour, minute), local time
    log_level: str
    stale_draft_days: int = 3  # an untouched draft older than this is nudged (at most once a day)
    outbox_rate: int = 25  # messages a second the outbox sends at most (Telegram allows about 30)
    pdf_workers: int = 2  # processes rendering PDFs (each holds WeasyPrint: about 60-100 MB)
    backup_s3: S3Settings | None = None  # None: backups stay on this host only


def _s3(env: Mapping[str, str]) -> S3Settings | None:
    endpoint = env.get("BACKUP_S3_ENDPOINT", "").strip().rstrip("/")
    if not endpoint:
        return None
    if not endpoint.startswith(("http://", "https://")):
        raise ConfigError("BACKUP_S3_ENDPOINT: must start with https:// (or http://)")
    values = {
        key: env.get(key, "").strip() for key in ("BACKUP_S3_BUCKET", "BACKUP_S3_ACCESS_KEY", "BACKUP_S3_SECRET_KEY")
    }
    for key, value in values.items():
        if not value:
            raise ConfigError(f"{key}: required with BACKUP_S3_ENDPOINT")
    prefix = env.get("BACKUP_S3_PREFIX", "risk-bot/").strip().lstrip("/")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    return S3Settings(
        endpoint,
        values["BACKUP_S3_BUCKET"],
        values["BACKUP_S3_ACCESS_KEY"],
        Secret(values["BACKUP_S3_SECRET_KEY"]),
        prefix,
        env.get("BACKUP_S3_REGION", "").strip() or None,
    )


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a ``.env`` file; '#' comments and surrounding quotes allowed."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise ConfigError(f"{path}:{number}: expected KEY=VALUE")
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip().removeprefix("export ").strip()] = value
    return values


def _int(env: Mapping[str, str], key: str, default: int, low: int, high: int) -> int:
    raw = env.get(key, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{key}: {raw!r} is not a whole number") from None
    if not low <= value <= high:
        raise ConfigError(f"{key}: {value} is outside {low}..{high}")
    return value


def _token(raw: str, key: str) -> Secret:
    head, _, tail = raw.partition(":")
    if not head.isdigit() or len(tail) < 1:
        raise ConfigError(f"{key}: not a bot token of the form 123456:ABC... (from @BotFather)")
    return Secret(raw)


def load_settings(env: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> Settings:
    """Settings from ``env`` (default: the process environment over the ``.env`` file)."""
    if env is None:
        merged = read_env_file(env_file) if env_file else {}
        merged.update(os.environ)
        env = merged

    token_raw = env.get("BOT_TOKEN", "").strip()
    token = _token(token_raw, "BOT_TOKEN") if token_raw else None

    api_url = env.get("TELEGRAM_API_URL", "").strip().rstrip("/") or None
    if api_url and not api_url.startswith(("http://", "https://")):
        raise ConfigError("TELEGRAM_API_URL: must start with http:// or https://")

    admin_ids: list[int] = []
    for part in env.get("ADMIN_IDS", "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit():
            raise ConfigError(f"ADMIN_IDS: {part!r} is not a Telegram user id (digits, comma-separated)")
        admin_ids.append(int(part))

    language = env.get("DEFAULT_LANGUAGE", "ru").strip().lower() or "ru"
    if language not in LANGUAGES:
        raise ConfigError(f"DEFAULT_LANGUAGE: {language!r} is not one of {', '.join(LANGUAGES)}")

    tz_name = env.get("TIMEZONE", "Asia/Almaty").strip() or "Asia/Almaty"
    try:
        timezone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"TIMEZONE: {tz_name!r} is not a known time zone (e.g. Asia/Almaty)") from None

    webhook_url = env.get("WEBHOOK_URL", "").strip() or None
    webhook_secret_raw = env.get("WEBHOOK_SECRET", "").strip()
    if webhook_url:
        if not webhook_url.startswith("https://"):
            raise ConfigError("WEBHOOK_URL: must be an https:// URL")
        if (
            not webhook_secret_raw
            or not all(c.isalnum() or c in "_-" for c in webhook_secret_raw)
            or len(webhook_secret_raw) > 256
        ):
            raise ConfigError("WEBHOOK_SECRET: required with WEBHOOK_URL; 1-256 characters A-Z a-z 0-9 _ -")

    backup_time_raw = env.get("BACKUP_TIME", "02:30").strip() or "02:30"
    try:
        hour, minute = (int(x) for x in backup_time_raw.split(":"))
        if not (0 <= hour < 24 and 0 <= minute < 60):
            raise ValueError
    except ValueError:
        raise ConfigError(f"BACKUP_TIME: {backup_time_raw!r} is not HH:MM") from None

    database_path = Path(env.get("DATABASE_PATH", "").strip() or DEFAULT_DATABASE)
    log_level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(f"LOG_LEVEL: {log_level!r} is not DEBUG, INFO, WARNING or ERROR")

    return Settings(
        bot_token=token,
        telegram_api_url=api_url,
        database_path=database_path,
        admin_ids=tuple(admin_ids),
        default_language=language,
        timezone=timezone,
        webhook_url=webhook_url,
        webhook_secret=Secret(webhook_secret_raw) if webhook_secret_raw else None,
        webhook_host=env.get("WEBHOOK_HOST", "0.0.0.0").strip() or "0.0.0.0",
        webhook_port=_int(env, "WEBHOOK_PORT", 8080, 1, 65535),
        backup_dir=Path(env.get("BACKUP_DIR", "").strip() or database_path.parent / "backups"),
        backup_keep=_int(env, "BACKUP_KEEP", 14, 1, 3650),
        backup_time=(hour, minute),
        log_level=log_level,
        stale_draft_days=_int(env, "STALE_DRAFT_DAYS", 3, 1, 365),
        outbox_rate=_int(env, "OUTBOX_RATE", 25, 1, 30),
        pdf_workers=_int(env, "PDF_WORKERS", 2, 1, 16),
        backup_s3=_s3(env),
    )
