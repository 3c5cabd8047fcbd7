"""Someone is told: an unhandled error in a handler or a job reaches the admins through the outbox.

One message per kind of error per hour and admin (the outbox key holds the kind and the hour), with the
time and the update type. The kind is the exception's class and the function of ours it came from; never
its message, the update's text or anything else that could carry the token or personal data.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo

from bot.db.database import Database
from bot.db.repos import Repos
from bot.roles import ADMINS
from bot.texts import texts

log = logging.getLogger(__name__)


def error_kind(exc: BaseException) -> str:
    """``ValueError in bot.services.inspections.finish``: the class and the innermost frame of ours."""
    place = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        if "/bot/" in frame.filename.replace("\\", "/"):
            module = frame.filename.replace("\\", "/").rsplit("/bot/", 1)[1].removesuffix(".py").replace("/", ".")
            place = f"bot.{module}.{frame.name}"
    name = type(exc).__name__
    return f"{name} in {place}" if place else name


class ErrorReporter:
    def __init__(self, db: Database, timezone: tzinfo, wake: Callable[[], None] = lambda: None) -> None:
        self._db = db
        self._timezone = timezone
        self.wake = wake

    async def report(self, exc: BaseException, source: str) -> None:
        """Record the error and queue a message to every active admin (at most one per kind and hour)."""
        kind = error_kind(exc)
        now = datetime.now(UTC)
        try:
            admins = [u for u in await self._db.read(lambda r: r.users.list_all()) if u.active and u.role in ADMINS]
            messages = [
                (
                    f"error:{kind}:{now.strftime('%Y-%m-%dT%H')}:{admin.telegram_id}",
                    admin.telegram_id,
                    texts(admin.language)("error_report", kind=kind, source=source, at=now),
                )
                for admin in admins
            ]

            def record(r: Repos) -> None:
                r.outbox.log_error(kind, source)
                for key, chat_id, text in messages:
                    r.outbox.enqueue(key, chat_id, "error", text)

            await self._db.run(record)
        except Exception:  # reporting must never take the bot down
            log.exception("could not record the error for the admins")
            return
        self.wake()
