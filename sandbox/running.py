"""The real bot in this process, polling a Bot API emulator over HTTP as it polls Telegram in production.

For the end-to-end tests and the benchmarks: the shipped dispatcher, services and SQLite file, the shipped
polling through the durable inbox (``bot/polling.py``: updates of different people handled concurrently,
one person's in order), and the outbox's sender beside it. What ``bot.app.serve`` adds on top (signals,
the scheduler, the webhook, the command menus) is left out, so a test drives the scheduled jobs itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from aiogram import Bot, Dispatcher

from bot.app import Services, build_dispatcher, create_bot, prepare, start_outbox, stop_outbox
from bot.config import Settings
from bot.outbox import OutboxSender
from bot.polling import InboxPolling
from sandbox.emulator import BotAPIEmulator


@dataclass
class RunningBot:
    services: Services
    bot: Bot
    dp: Dispatcher
    polling: InboxPolling
    task: asyncio.Task
    sender: OutboxSender
    sending: asyncio.Task

    async def stop(self) -> None:
        """Stop polling (updates in hand finish), then the sender, the worker processes and the database."""
        self.polling.stop()
        await asyncio.wait_for(self.task, 30)
        await stop_outbox(self.sender, self.sending)
        await asyncio.to_thread(self.services.charts.shutdown)
        await self.services.db.close()
        await self.bot.session.close()
        await asyncio.to_thread(self.services.reports.pdf.shutdown)


async def start_bot(
    settings: Settings,
    *,
    services: Services | None = None,
    today: Callable[[], date] | None = None,
    polling_timeout: int = 1,
    emulator: BotAPIEmulator | None = None,
) -> RunningBot:
    """``settings`` name the emulator (``TELEGRAM_API_URL``, its token) and the database file. ``services``:
    already prepared (a benchmark that fills the database first); ``today``: a callable giving the bot's
    local date (a test's calendar), the real one by default. ``emulator``: the one polled, told when the bot
    still handles updates (``wait_idle`` then waits for them)."""
    services = services or await prepare(settings, today=today)
    bot = create_bot(settings.bot_token.get(), settings.telegram_api_url)
    dp = build_dispatcher(services)
    sender, sending = start_outbox(bot, services)
    polling = InboxPolling(
        dp, bot, services.db, polling_timeout=polling_timeout, allowed_updates=dp.resolve_used_update_types()
    )
    task = asyncio.create_task(polling.run(), name="polling")
    if emulator is not None:
        emulator.busy_probe = lambda: polling.in_flight > 0
    return RunningBot(services, bot, dp, polling, task, sender, sending)
