"""The outbox's sender: a background task that drains the outbox at Telegram's pace.

Handlers never wait for it: they answer people directly, while this task sends what the bot says on its
own (reminders, nudges, error reports) with its own pacing:

- at most ``rate`` messages a second overall (aiolimiter's leaky bucket, a burst of 2 at most), and one a
  second per chat (a chat sent to less than ``per_chat_interval`` ago waits for the next round);
- a 429 pauses the sender for its ``retry_after`` and puts the message back; nothing else is held up;
- a 403 (the person blocked the bot) marks the chat unreachable: its messages are skipped until the person
  writes /start again; the others still get theirs;
- the row is claimed (pending -> sending) before the request and marked after it: a crash in between leaves
  'sending', which the next start reports as 'unknown' and never sends again (at most once). A request that
  provably never left (connection refused) or that Telegram answered 5xx is tried again later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardMarkup
from aiolimiter import AsyncLimiter

from bot.db.outbox import OutboxMessage
from bot.services.outbox import OutboxService
from bot.telegram_limits import no_retry

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5  # requests that never reached Telegram or got a 5xx; then the message is 'failed'


@dataclass
class SenderCounters:
    sent: int = 0
    flood_waits: int = 0
    unreachable: int = 0
    failed: int = 0
    unknown: int = 0
    recovered_unknown: int = 0


class OutboxSender:
    def __init__(
        self,
        bot: Bot,
        outbox: OutboxService,
        *,
        rate: float = 25.0,
        per_chat_interval: float = 1.0,
        workers: int = 8,
        idle_wait: float = 5.0,
        retry_base: float = 2.0,
    ) -> None:
        self._bot = bot
        self._outbox = outbox
        # capacity 2, refilled at ``rate`` a second: never more than rate + 2 in any one second
        self._limiter = AsyncLimiter(2, 2 / rate)
        self._per_chat_interval = per_chat_interval
        self._workers = asyncio.Semaphore(workers)
        self._worker_count = workers
        self._idle_wait = idle_wait
        self._retry_base = retry_base  # a retried request waits retry_base ** attempts seconds
        self._last_sent: dict[int, float] = {}  # chat -> monotonic time of its latest send
        self._busy: set[int] = set()
        self._paused_until = 0.0
        self._wake = asyncio.Event()
        self._stopping = False
        self._inflight: set[asyncio.Task] = set()
        self.counters = SenderCounters()

    def wake(self) -> None:
        """Something was enqueued: look now rather than after the idle wait."""
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        interrupted = await self._outbox.recover()
        for message in interrupted:
            log.warning(
                "outbox message %s (%s to %s) was interrupted between send and mark: not repeated",
                message.key,
                message.kind,
                message.chat_id,
            )
        self.counters.recovered_unknown = len(interrupted)
        try:
            while not self._stopping:
                now = time.monotonic()
                cooling = {chat for chat, at in self._last_sent.items() if now - at < self._per_chat_interval}
                self._prune(now)
                rows = await self._outbox.due(self._worker_count * 2, self._busy | cooling)
                if not rows:
                    await self._sleep(await self._outbox.next_due_in(), cooling, now)
                    continue
                seen: set[int] = set()
                for row in rows:
                    if row.chat_id in seen:
                        continue  # one message per chat per round: the per-chat interval
                    seen.add(row.chat_id)
                    await self._workers.acquire()
                    if self._stopping:
                        self._workers.release()
                        break
                    self._busy.add(row.chat_id)
                    task = asyncio.create_task(self._deliver(row))
                    self._inflight.add(task)
                    task.add_done_callback(lambda t, chat=row.chat_id: self._done(t, chat))
        finally:
            # a clean stop lets the requests in flight finish and be marked
            if self._inflight:
                await asyncio.gather(*self._inflight, return_exceptions=True)

    def _done(self, task: asyncio.Task, chat_id: int) -> None:
        self._inflight.discard(task)
        self._busy.discard(chat_id)
        self._workers.release()
        self._wake.set()
        if not task.cancelled() and task.exception() is not None:
            log.error("outbox delivery failed", exc_info=task.exception())

    def _prune(self, now: float) -> None:
        if len(self._last_sent) > 10_000:
            self._last_sent = {c: at for c, at in self._last_sent.items() if now - at < self._per_chat_interval}

    async def _sleep(self, due_in: float | None, cooling: set[int], now: float) -> None:
        waits = [self._idle_wait]
        if due_in is not None:
            waits.append(due_in)
        if cooling:
            waits.append(min(self._last_sent[c] + self._per_chat_interval - now for c in cooling))
        if self._busy:
            waits.append(self._idle_wait)  # a finishing delivery wakes us
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), max(0.01, min(waits)))

    async def _deliver(self, message: OutboxMessage) -> None:
        if await self._outbox.is_unreachable(message.chat_id):
            if await self._outbox.claim(message.id):
                await self._outbox.mark_unreachable(message.id, message.chat_id, "skipped: blocked earlier")
                self.counters.unreachable += 1
            return
        pause = self._paused_until - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)
        await self._limiter.acquire()
        if not await self._outbox.claim(message.id):
            return
        self._last_sent[message.chat_id] = time.monotonic()
        markup = InlineKeyboardMarkup.model_validate_json(message.markup) if message.markup else None
        try:
            with no_retry():
                sent = await self._bot.send_message(message.chat_id, message.text, reply_markup=markup)
        except TelegramRetryAfter as exc:
            self.counters.flood_waits += 1
            self._paused_until = max(self._paused_until, time.monotonic() + exc.retry_after)
            log.info("outbox flood-limited: pausing %s s", exc.retry_after)
            await self._outbox.retry_later(message.id, exc.retry_after, "429")
        except TelegramForbiddenError as exc:
            self.counters.unreachable += 1
            log.info("chat %s is unreachable: %s", message.chat_id, exc.message)
            await self._outbox.mark_unreachable(message.id, message.chat_id, exc.message)
        except TelegramBadRequest as exc:
            self.counters.failed += 1
            log.warning("outbox message %s rejected: %s", message.key, exc.message)
            if "chat not found" in exc.message:
                await self._outbox.mark_unreachable(message.id, message.chat_id, exc.message)
            else:
                await self._outbox.mark_failed(message.id, exc.message)
        except (TelegramServerError, TelegramNetworkError) as exc:
            never_left = isinstance(exc, TelegramNetworkError) and exc.message.startswith("ClientConnectorError")
            if isinstance(exc, TelegramServerError) or never_left:
                if message.attempts + 1 >= MAX_ATTEMPTS:
                    self.counters.failed += 1
                    await self._outbox.mark_failed(message.id, f"{type(exc).__name__} after {MAX_ATTEMPTS} attempts")
                else:
                    await self._outbox.retry_later(
                        message.id, self._retry_base ** (message.attempts + 1), type(exc).__name__
                    )
            else:  # a timeout or a dropped answer: it may have been delivered; at most once
                self.counters.unknown += 1
                log.warning("outbox message %s: delivery unknown (%s), not repeated", message.key, type(exc).__name__)
                await self._outbox.mark_unknown(message.id, type(exc).__name__)
        else:
            self.counters.sent += 1
            await self._outbox.mark_sent(message.id, sent.message_id)
