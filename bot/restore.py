"""Restore the database from a backup (README, "Restoring from a backup").

    python -m bot.restore list              the backups: this host's BACKUP_DIR and the off-host bucket
    python -m bot.restore latest            the newest off-host backup (or local, without BACKUP_S3_*)
    python -m bot.restore NAME              a backup by the name `list` shows (an object name or a file name)

Reads the same settings as the bot (environment and .env). Refuses while a bot runs on the database (the
instance lock of bot/instance_lock.py). The chosen copy is fetched next to the database, must pass
``PRAGMA integrity_check``, and then takes the database's place; the database it replaces, if any, is kept
beside it as ``<name>.before-restore-<UTC time>`` (with its -wal/-shm files).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings
from bot.db.integrity import integrity_check
from bot.instance_lock import AlreadyRunning, acquire
from bot.services.backups import PREFIX, SUFFIX
from bot.services.offsite import S3Target


def available(settings: Settings) -> list[tuple[str, str]]:
    """(where, name) of every backup, newest first within each place: off-host first."""
    found: list[tuple[str, str]] = []
    if settings.backup_s3 is not None:
        found += [("off-host", name) for name in S3Target(settings.backup_s3).names()]
    if settings.backup_dir.is_dir():
        found += [("local", p.name) for p in sorted(settings.backup_dir.glob(f"{PREFIX}*{SUFFIX}"), reverse=True)]
    return found


def fetch(settings: Settings, choice: str, target: Path) -> str:
    """Copy the chosen backup to ``target``; return where it came from."""
    backups = available(settings)
    if not backups:
        raise LookupError("no backups found")
    if choice == "latest":
        where, name = backups[0]
    else:
        matches = [b for b in backups if b[1] == choice or b[1].rsplit("/", 1)[-1] == choice]
        if not matches:
            raise LookupError(f"no backup named {choice!r} (see: python -m bot.restore list)")
        where, name = matches[0]
    if where == "off-host":
        S3Target(settings.backup_s3).download(name, target)
    else:
        target.write_bytes((settings.backup_dir / name).read_bytes())
    return f"{where} {name}"


def restore(settings: Settings, choice: str) -> str:
    database = settings.database_path
    database.parent.mkdir(parents=True, exist_ok=True)
    lock = acquire(database, None)
    try:
        incoming = database.with_name(database.name + ".restoring")
        source = fetch(settings, choice, incoming)
        verdict = integrity_check(incoming)
        if verdict != "ok":
            incoming.unlink(missing_ok=True)
            raise ValueError(f"{source} failed its integrity check: {verdict}; the database was not touched")
        kept = ""
        if database.exists():
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            for suffix in ("", "-wal", "-shm"):
                old = database.with_name(database.name + suffix)
                if old.exists():
                    old.replace(old.with_name(f"{old.name}.before-restore-{stamp}"))
            kept = f"; the previous database is kept as {database.name}.before-restore-{stamp}"
        incoming.replace(database)
        return f"restored {database} from {source} (integrity check: ok){kept}"
    finally:
        lock.release()


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] in ("-h", "--help"):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    try:
        if argv[0] == "list":
            for where, name in available(settings):
                print(f"{where}\t{name}")
            return 0
        print(restore(settings, argv[0]))
        return 0
    except AlreadyRunning as exc:
        print(f"refusing to restore: {exc}", file=sys.stderr)
        return 3
    except (LookupError, ValueError) as exc:
        print(f"restore failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
