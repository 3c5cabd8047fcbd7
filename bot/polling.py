"""Long polling through a durable inbox: several people at once, each person's updates in order.

aiogram's own polling either handles one update after another (``handle_as_tasks=False``: a PDF for one
inspector holds every other inspector's tap) or confirms an update before it was handled (tasks: a crash
loses it). Plain getUpdates offsets cannot do better: an offset confirms every update below it, so one
slow update would hold back the confirmation of all later ones, and Telegram would send them again and
again. So each batch is first stored in the ``inbox`` table (one transaction), and only then confirmed by
the next getUpdates. Updates are handled concurrently, chained per sender (a private chat: the sender is
the chat), and marked done when their handler has finished. At start, stored updates not marked done
(the bot was killed while handling them) are handled again, before anything new; a redelivered update is
stored once. Handlers are idempotent (the draft in the database is the truth), so handling an update
again after a crash changes nothing that was already done.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Sequence

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from aiogram.utils.backoff import Backoff, BackoffConfig

from bot.db.database import Database
from bot.db.inbox import Received
from bot.db.repos import Repos

log = logging.getLogger(__name__)
BACKOFF = BackoffConfig(min_delay=0.5, max_delay=5.0, factor=1.5, jitter=0.1)
PRUNE_EVERY = 10_000  # done updates between two clean-ups of the inbox


def sender_key(update: Update) -> int | None:
    """Whose updates must run in order: the sender (the bot speaks in private chats only), else the chat."""
    try:
        event = update.event
    except Exception:  # an update type this aiogram does not know
        return None
    user = getattr(event, "from_user", None)
    if user is not None:
        return user.id
    chat = getattr(event, "chat", None)
    return chat.id if chat is not None else None


class InboxPolling:
    """getUpdates -> inbox -> handlers (concurrent across senders, in order per sender) -> done."""

    def __init__(
        self,
        dp: Dispatcher,
        bot: Bot,
        db: Database,
        *,
        polling_timeout: int = 30,
        allowed_updates: Sequence[str] | None = None,
    ) -> None:
        self._dp, self._bot, self._db = dp, bot, db
        self._timeout = polling_timeout
        self._allowed = list(allowed_updates) if allowed_updates is not None else None
        self._chains: dict[int | None, asyncio.Task[None]] = {}  # the last task of each sender
        self._tasks: set[asyncio.Task[None]] = set()
        self._done: list[int] = []
        self._done_signal = asyncio.Event()
        self._done_since_prune = 0
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    async def run(self, *, handle_signals: bool = False) -> None:
        loop = asyncio.get_running_loop()
        if handle_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self.stop)
        await self._dp.emit_startup(bot=self._bot, bots=[self._bot], dispatcher=self._dp, **self._dp.workflow_data)
        flusher = asyncio.create_task(self._flush_done())
        try:
            for received in await self._db.read(lambda r: r.inbox.pending()):  # left unfinished by the last run
                self._start(self._parse(received.payload), received.chat_key)
            await self._fetch_until_stopped()
            if self._tasks:  # let the updates in hand finish (each was stored: nothing is lost either way)
                await asyncio.wait(set(self._tasks))
        finally:
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher
            await self._write_done()
            await self._dp.emit_shutdown(bot=self._bot, bots=[self._bot], dispatcher=self._dp, **self._dp.workflow_data)
            if handle_signals:
                for sig in (signal.SIGTERM, signal.SIGINT):
                    loop.remove_signal_handler(sig)

    async def _fetch_until_stopped(self) -> None:
        backoff = Backoff(config=BACKOFF)
        offset: int | None = None
        kwargs = {}
        if self._bot.session.timeout:
            kwargs["request_timeout"] = int(self._bot.session.timeout + self._timeout)
        stopping = asyncio.create_task(self._stop.wait())
        try:
            while not self._stop.is_set():
                fetch = asyncio.create_task(
                    self._bot.get_updates(offset=offset, timeout=self._timeout, allowed_updates=self._allowed, **kwargs)
                )
                await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if not fetch.done():  # stopping: the long poll is abandoned, nothing of it was confirmed
                    fetch.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await fetch
                    return
                try:
                    updates = fetch.result()
                except Exception as exc:  # Telegram unreachable: try again later, never give up
                    log.error(
                        "getUpdates failed (%s: %s); again in %.1f s", type(exc).__name__, exc, backoff.next_delay
                    )
                    await backoff.asleep()
                    continue
                backoff.reset()
                if not updates:
                    continue
                batch = [Received(u.update_id, sender_key(u), u.model_dump_json(exclude_unset=True)) for u in updates]
                new = set(await self._db.run(_store, batch))  # stored before the next call confirms it
                for update, received in zip(updates, batch, strict=True):
                    if update.update_id in new:
                        self._start(update, received.chat_key)
                offset = updates[-1].update_id + 1
        finally:
            stopping.cancel()

    def _parse(self, payload: str) -> Update:
        return Update.model_validate_json(payload, context={"bot": self._bot})

    def _start(self, update: Update, key: int | None) -> None:
        previous = self._chains.get(key) if key is not None else None
        task = asyncio.create_task(self._handle(update, previous))
        self._tasks.add(task)
        if key is not None:
            self._chains[key] = task

        def forget(finished: asyncio.Task[None]) -> None:
            self._tasks.discard(finished)
            if key is not None and self._chains.get(key) is finished:
                del self._chains[key]

        task.add_done_callback(forget)

    async def _handle(self, update: Update, previous: asyncio.Task[None] | None) -> None:
        if previous is not None:
            await asyncio.wait({previous})  # the same sender's earlier update first (its outcome aside)
        # No cap on how many senders run at once: a handler waiting for its PDF holds nothing but its
        # own coroutine, and a cap would let 64 people waiting for PDFs hold up everyone's taps.
        try:
            await self._dp.feed_update(self._bot, update)
        except Exception:  # the errors router reported it to the person; the update is not retried
            log.exception("update %s failed", update.update_id)
        self._done.append(update.update_id)
        self._done_signal.set()

    async def _flush_done(self) -> None:
        """Mark handled updates done, many in one transaction when many finish together."""
        while True:
            await self._done_signal.wait()
            self._done_signal.clear()
            await self._write_done()

    async def _write_done(self) -> None:
        if not self._done:
            return
        done, self._done = self._done, []
        await self._db.run(lambda r: r.inbox.mark_done(done))
        self._done_since_prune += len(done)
        if self._done_since_prune >= PRUNE_EVERY:
            self._done_since_prune = 0
            await self._db.run(lambda r: r.inbox.prune())


def _store(r: Repos, batch: list[Received]) -> list[int]:
    return r.inbox.store(batch)
