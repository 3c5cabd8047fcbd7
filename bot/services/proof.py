"""Proof that a sheet is what it says: fingerprints of evidence files and the /verify of a PDF sent back.

A file's fingerprint is the SHA-256 of the bytes downloaded through the Bot API (getFile) when it
arrives, with their count: Telegram keeps the file, we keep what proves it was not changed. Bots may
download at most 20 MB (MAX_DOWNLOAD_BYTES): a larger file is refused before any download.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError

from bot.db.database import Database
from bot.db.proof import PdfMatch
from bot.limits import BOT_DOWNLOAD_LIMIT_BYTES

log = logging.getLogger(__name__)

MAX_DOWNLOAD_BYTES = BOT_DOWNLOAD_LIMIT_BYTES  # getFile's limit for bots
VERIFY_WAIT = timedelta(minutes=10)  # "/verify" alone: the next PDF within this time is checked


@dataclass(frozen=True, slots=True)
class Fingerprint:
    sha256: str
    size: int  # bytes hashed


async def fingerprint(bot: Bot, file_id: str) -> Fingerprint | None:
    """Download a file through the Bot API and hash it; None when it cannot be downloaded (logged)."""
    try:
        buffer = await bot.download(file_id, destination=io.BytesIO())
    except (TimeoutError, TelegramAPIError, OSError) as exc:
        log.warning("file %s not downloaded for its fingerprint: %s", file_id, exc)
        return None
    data = buffer.getvalue()
    return Fingerprint(hashlib.sha256(data).hexdigest(), len(data))


class VerifyOutcome:
    MATCH = "match"
    NO_MATCH = "no_match"
    NOT_PDF = "not_pdf"
    TOO_BIG = "too_big"
    UNREADABLE = "unreadable"


@dataclass(frozen=True, slots=True)
class Verified:
    outcome: str  # a VerifyOutcome
    sha256: str | None = None
    match: PdfMatch | None = None


class ProofService:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def expect_pdf(self, telegram_id: int) -> None:
        until = (datetime.now(UTC) + VERIFY_WAIT).isoformat(timespec="seconds")
        await self._db.run(lambda r: r.proof.wait_for_pdf(telegram_id, until))

    async def expects_pdf(self, telegram_id: int) -> bool:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        return await self._db.read(lambda r: r.proof.waits_for_pdf(telegram_id, now))

    async def verify(
        self,
        bot: Bot,
        telegram_id: int,
        file_id: str,
        file_size: int | None,
        file_name: str | None,
        mime_type: str | None,
    ) -> Verified:
        """Which finalized sheet these PDF bytes are, if any (their SHA-256 against the stored PDFs)."""
        await self._db.run(lambda r: r.proof.stop_waiting(telegram_id))
        if file_size is not None and file_size > MAX_DOWNLOAD_BYTES:
            return Verified(VerifyOutcome.TOO_BIG)
        is_pdf = mime_type == "application/pdf" or (file_name or "").lower().endswith(".pdf")
        if not is_pdf:
            return Verified(VerifyOutcome.NOT_PDF)
        print_ = await fingerprint(bot, file_id)
        if print_ is None:
            return Verified(VerifyOutcome.UNREADABLE)
        found = await self._db.call(lambda r: r.proof.match(print_.sha256))
        return Verified(VerifyOutcome.MATCH if found else VerifyOutcome.NO_MATCH, print_.sha256, found)
