"""Start-up only: settings, database, scheduler, dispatcher, polling or webhook, clean shutdown.

    python -m bot            polling (or webhook with WEBHOOK_URL); without BOT_TOKEN: the sandbox
    python -m bot sandbox    the offline sandbox: the real bot against a local Bot API emulator
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sys

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.app import Services, build_dispatcher, build_scheduler, build_services, create_bot, set_commands
from bot.catalogue import CatalogueError, load_catalogue
from bot.config import ConfigError, Settings, load_settings
from bot.db import Database
from bot.db.users import UserRepository
from bot.logs import setup_logging
from bot.pdf.check_sheet import warm_up

log = logging.getLogger("bot")
WEBHOOK_PATH = "/telegram/webhook"


async def prepare(settings: Settings) -> Services:
    catalogue = load_catalogue()
    db = await Database.open(settings.database_path)
    await UserRepository(db).ensure_admins(settings.admin_ids, settings.default_language)
    return build_services(db, catalogue, settings)


async def serve(settings: Settings, bot: Bot, services: Services, *, polling_timeout: int = 30,
                stop: asyncio.Event | None = None) -> None:
    """Run until a signal (or ``stop``); then let updates in flight finish, stop the scheduler, close the database."""
    dp = build_dispatcher(services)
    if stop is not None:
        async def stop_when_asked() -> None:
            await stop.wait()
            await dp.stop_polling()

        stopper = asyncio.create_task(stop_when_asked())
    scheduler = build_scheduler(bot, services)
    scheduler.start()
    warming = asyncio.create_task(asyncio.to_thread(warm_up))  # in the background: polling starts at once
    try:
        await set_commands(bot)
        if settings.webhook_url:
            await _serve_webhook(settings, bot, dp)
        else:
            await bot.delete_webhook(drop_pending_updates=False)
            # handle_as_tasks=False: an update is confirmed to Telegram only after its handler finished,
            # so a crash or kill -9 mid-update gets the update again (handlers are idempotent).
            await dp.start_polling(bot, handle_as_tasks=False, polling_timeout=polling_timeout,
                                   allowed_updates=dp.resolve_used_update_types(), close_bot_session=False,
                                   handle_signals=stop is None)
    finally:
        await warming
        if stop is not None:
            stopper.cancel()
        scheduler.shutdown(wait=False)
        await services.db.close()
        await bot.session.close()
        log.info("stopped cleanly")


def build_webhook_app(settings: Settings, bot: Bot, dp: Dispatcher) -> web.Application:
    app = web.Application()
    # The secret token header is checked on every request; a wrong or missing one gets 401.
    # handle_in_background=False: Telegram gets its 200 only after the update was handled (and stored).
    SimpleRequestHandler(dispatcher=dp, bot=bot, secret_token=settings.webhook_secret.get(),
                         handle_in_background=False).register(app, path=WEBHOOK_PATH)
    app.router.add_get("/health", _health)
    setup_application(app, dp, bot=bot)
    return app


async def _health(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


async def _serve_webhook(settings: Settings, bot: Bot, dp: Dispatcher) -> None:
    app = build_webhook_app(settings, bot, dp)
    await bot.set_webhook(settings.webhook_url.rstrip("/") + WEBHOOK_PATH, secret_token=settings.webhook_secret.get(),
                          allowed_updates=dp.resolve_used_update_types())
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
    await site.start()
    log.info("webhook listening on %s:%s", settings.webhook_host, settings.webhook_port)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()  # stops accepting, lets requests in flight finish


async def run(settings: Settings) -> None:
    services = await prepare(settings)
    bot = create_bot(settings.bot_token.get(), settings.telegram_api_url)
    # What start-up built (aiogram, pydantic models, WeasyPrint, the catalogue) lives as long as the
    # process: freezing it keeps later full garbage collections short.
    gc.freeze()
    await serve(settings, bot, services)


def main(argv: list[str]) -> int:
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    secrets = [s.get() for s in (settings.bot_token, settings.webhook_secret) if s]
    sandbox = argv[:1] == ["sandbox"] or settings.bot_token is None
    # The sandbox's terminal is the chat: only warnings go to it unless LOG_LEVEL asks for more.
    quiet = sandbox and "LOG_LEVEL" not in os.environ
    setup_logging("WARNING" if quiet else settings.log_level, secrets)
    try:
        if sandbox:
            from bot.sandbox.terminal import run_sandbox

            asyncio.run(run_sandbox(settings))
        else:
            asyncio.run(run(settings))
    except CatalogueError as exc:
        print(f"catalogue error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
