"""Online backups of the SQLite file (SQLite's backup API: consistent while the bot writes), with rotation.

Each copy is checked after it is written (``PRAGMA integrity_check`` on the copy) and the result logged; a copy
that fails the check never takes the final name. With an off-host target (BACKUP_S3_*), a checked copy is
also uploaded there; a failed upload is logged and the local copy stays.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

from bot.db.database import Database
from bot.db.integrity import integrity_check
from bot.services.offsite import S3Target

log = logging.getLogger(__name__)
PREFIX = "bot-"
SUFFIX = ".sqlite3"


class BackupFailed(RuntimeError):
    """The copy did not pass the integrity check."""


class BackupService:
    def __init__(self, db: Database, folder: Path, keep: int, offsite: S3Target | None = None) -> None:
        self._db = db
        self.folder = folder
        self._keep = keep
        self.offsite = offsite

    async def run(self) -> Path:
        """Take a backup now, check it, upload it off-host when configured; delete the oldest beyond ``keep``."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = self.folder / f"{PREFIX}{stamp}{SUFFIX}"
        partial = target.with_suffix(".partial")
        await self._db.backup_to(partial)
        verdict = await asyncio.to_thread(integrity_check, partial)
        if verdict != "ok":
            log.error("backup %s failed its integrity check: %s", target.name, verdict)
            raise BackupFailed(verdict)
        partial.replace(target)  # a half-written or damaged file never carries the final name
        log.info("backup written: %s (integrity check: ok)", target.name)
        for old in self.existing()[self._keep :]:
            old.unlink(missing_ok=True)
        if self.offsite is not None:
            try:
                name = await asyncio.to_thread(self.offsite.upload, target)
            except Exception:  # the local copy is still there; the next run tries again
                log.exception("backup %s: upload to %s failed", target.name, self.offsite.describe())
            else:
                log.info("backup %s uploaded to %s as %s", target.name, self.offsite.describe(), name)
        return target

    def existing(self) -> list[Path]:
        """Backups, newest first."""
        if not self.folder.is_dir():
            return []
        return sorted(self.folder.glob(f"{PREFIX}*{SUFFIX}"), reverse=True)

    def latest(self) -> Path | None:
        found = self.existing()
        return found[0] if found else None
