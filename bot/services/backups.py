"""Online backups of the SQLite file (SQLite's backup API: consistent while the bot writes), with rotation."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from bot.db.database import Database

log = logging.getLogger(__name__)
PREFIX = "bot-"
SUFFIX = ".sqlite3"


class BackupService:
    def __init__(self, db: Database, folder: Path, keep: int) -> None:
        self._db = db
        self.folder = folder
        self._keep = keep

    async def run(self) -> Path:
        """Take a backup now and delete the oldest beyond ``keep``."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = self.folder / f"{PREFIX}{stamp}{SUFFIX}"
        partial = target.with_suffix(".partial")
        await self._db.backup_to(partial)
        partial.replace(target)  # a half-written file never carries the final name
        for old in self.existing()[self._keep:]:
            old.unlink(missing_ok=True)
        log.info("backup written: %s", target.name)
        return target

    def existing(self) -> list[Path]:
        """Backups, newest first."""
        if not self.folder.is_dir():
            return []
        return sorted(self.folder.glob(f"{PREFIX}*{SUFFIX}"), reverse=True)

    def latest(self) -> Path | None:
        found = self.existing()
        return found[0] if found else None
