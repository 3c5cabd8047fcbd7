"""Assembly: the dispatcher with its routers, middlewares and injected services; the Bot; the scheduler.

``prepare`` opens the catalogue and the database; ``serve`` runs polling or the webhook until a signal.
Used by ``bot.__main__`` (production), by the sandbox, by the tests and by the benchmarks, so they all
run the same bot.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.types import ErrorEvent
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import menus, scheduling
from bot.alerts import ErrorReporter
from bot.catalogue import Catalogue, load_catalogue
from bot.config import Settings
from bot.db import Database
from bot.handlers import (
    admin,
    assessment,
    common,
    fallback,
    follow_up,
    history,
    inline,
    inspection,
    lookup,
    planning,
    stats,
    tables,
    verify,
)
from bot.handlers.draft_screen import DraftPresenter
from bot.handlers.on_loop import keep_filters_on_the_loop
from bot.middlewares import AccessMiddleware
from bot.outbox import OutboxSender
from bot.polling import InboxPolling
from bot.runtime import Runtime
from bot.services.access import AccessService
from bot.services.assessment import AssessmentService
from bot.services.audit import AuditService
from bot.services.backups import BackupService
from bot.services.exports import ExportService
from bot.services.follow_up import FollowUpService
from bot.services.importing import ImportService
from bot.services.inspections import InspectionService
from bot.services.offsite import S3Target
from bot.services.outbox import OutboxService
from bot.services.planning import PlanningService
from bot.services.proof import ProofService
from bot.services.reports import ReportService
from bot.services.stats import StatsService
from bot.telegram_limits import RetryAfterMiddleware, TransientErrorRetryMiddleware, keep_response_models
from bot.texts import normalise_language, texts, use_timezone
from bot.workers import WorkerPool, chart_pool, pdf_pool

log = logging.getLogger(__name__)


async def on_error(event: ErrorEvent, reporter: ErrorReporter) -> bool:
    """Log the failure, tell the admins (once per kind and hour), tell the person that nothing stored was
    lost. The bot keeps running."""
    log.error("update %s failed", event.update.update_id, exc_info=event.exception)
    update = event.update
    await reporter.report(event.exception, update.event_type)
    sender = (update.message and update.message.from_user) or (
        update.callback_query and update.callback_query.from_user
    )
    if sender is None:
        return True
    t = texts(normalise_language(sender.language_code))
    try:
        if update.callback_query:
            await update.callback_query.answer(t.plain("error_generic"), show_alert=True)
        elif update.message:
            await update.message.answer(t("error_generic"))
    except Exception:  # the error report itself must never take the bot down
        log.warning("could not report the error to %s", sender.id, exc_info=True)
    return True


@dataclass
class Services:
    db: Database
    catalogue: Catalogue
    settings: Settings
    runtime: Runtime
    inspections: InspectionService
    reports: ReportService
    access: AccessService
    backups: BackupService
    planning: PlanningService
    assessment: AssessmentService
    outbox: OutboxService
    audit: AuditService
    reporter: ErrorReporter
    imports: ImportService
    exports: ExportService
    stats: StatsService
    charts: WorkerPool
    proof: ProofService
    follow_up: FollowUpService


def build_services(
    db: Database,
    catalogue: Catalogue,
    settings: Settings,
    runtime: Runtime | None = None,
    *,
    today: Callable[[], date] | None = None,
) -> Services:
    """``today``: the local date (the settings' timezone); a test may pass its own calendar."""

    def local_today() -> date:
        return datetime.now(settings.timezone).date()

    today = today or local_today

    use_timezone(settings.timezone)  # of the local_date / local_datetime filters of every template
    assessment = AssessmentService(db, catalogue, today=today)
    planning = PlanningService(db, catalogue, today=today, assessment=assessment)
    charts = chart_pool()
    runtime = runtime or Runtime()
    return Services(
        db=db,
        catalogue=catalogue,
        settings=settings,
        runtime=runtime,
        inspections=InspectionService(db, catalogue, today=today),
        planning=planning,
        assessment=assessment,
        reports=ReportService(db, catalogue, settings.timezone, pdf_pool(settings.pdf_workers)),
        access=AccessService(db),
        outbox=OutboxService(db),
        audit=AuditService(db),
        reporter=ErrorReporter(db, settings.timezone, wake=lambda: runtime.wake_outbox()),
        imports=ImportService(db, catalogue, today),
        exports=ExportService(db, catalogue, assessment, settings.timezone),
        stats=StatsService(db, catalogue, planning, settings.timezone, charts),
        charts=charts,
        backups=BackupService(
            db, settings.backup_dir, settings.backup_keep, S3Target(settings.backup_s3) if settings.backup_s3 else None
        ),
        proof=ProofService(db),
        follow_up=FollowUpService(db),
    )


def build_dispatcher(services: Services, *, isolate_senders: bool = False) -> Dispatcher:
    """The dispatcher with every router and the services its handlers take.

    One person's updates must be handled one at a time (a fast double tap cannot race). Polling, the default,
    gets that from the inbox (bot/polling.py: in order per sender, concurrent across senders), so aiogram's
    FSM middleware, whose storage the bot never uses (a conversation's state is its database row), is left
    out: a lock and a context per update fewer. A webhook has no inbox: ``isolate_senders`` keeps aiogram's
    per-sender lock (SimpleEventIsolation, part of the FSM middleware) for it.
    """
    dp = Dispatcher(events_isolation=SimpleEventIsolation()) if isolate_senders else Dispatcher(disable_fsm=True)
    dp.workflow_data.update(
        db=services.db,
        catalogue=services.catalogue,
        settings=services.settings,
        runtime=services.runtime,
        inspections=services.inspections,
        presenter=DraftPresenter(services.inspections),
        reports=services.reports,
        access=services.access,
        audit=services.audit,
        backups=services.backups,
        planning=services.planning,
        assessment=services.assessment,
        outbox=services.outbox,
        reporter=services.reporter,
        imports=services.imports,
        exports=services.exports,
        stats=services.stats,
        proof=services.proof,
        follow_up=services.follow_up,
    )
    dp.update.outer_middleware(AccessMiddleware(services.access, services.settings.default_language))
    errors = Router(name="errors")
    errors.errors.register(on_error)
    # The check sheet's router first: nearly every update is an inspector's answer, text or tap, and aiogram
    # walks the routers in order (each one passed costs a copy of every handler argument). It takes no file.
    # Then /verify (a PDF with that caption, or sent after the command alone) and the tables (a spreadsheet
    # sent for /import) before the evidence router: neither file is evidence. Errors last: only errors reach it.
    dp.include_routers(
        inspection.build_router(),
        verify.build_router(),
        tables.build_router(),
        inspection.build_evidence_router(),
        common.build_router(),
        planning.build_router(),
        stats.build_router(),
        assessment.build_router(),
        history.build_router(),
        follow_up.build_router(),
        admin.build_router(),
        lookup.build_router(),
        inline.build_router(),
        fallback.build_router(),
        errors,
    )
    keep_filters_on_the_loop(dp)  # no thread switch per magic filter (bot/handlers/on_loop.py)
    return dp


def retry_requests(session: BaseSession) -> None:
    """Every request of the bot's session waits out a 429 and retries a 5xx or a dropped connection
    (bot/telegram_limits.py)."""
    session.middleware(RetryAfterMiddleware())
    session.middleware(TransientErrorRetryMiddleware())


def create_bot(token: str, api_url: str | None) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url)) if api_url else AiohttpSession()
    retry_requests(session)
    bot = Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    bot.response_models = keep_response_models()  # held as long as the bot lives
    return bot


def build_scheduler(services: Services) -> AsyncIOScheduler:
    settings, runtime = services.settings, services.runtime
    scheduler = scheduling.build_scheduler(
        services.db,
        services.backups,
        services.planning,
        settings.timezone,
        settings.backup_time,
        runtime.backup_job_id,
        stale_draft_days=settings.stale_draft_days,
        wake=lambda: runtime.wake_outbox(),
        reporter=services.reporter,
    )
    runtime.scheduler = scheduler
    return scheduler


def start_outbox(bot: Bot, services: Services) -> tuple[OutboxSender, asyncio.Task]:
    """The outbox's sender as a background task of its own: handlers never wait for it."""
    sender = OutboxSender(bot, services.outbox, rate=services.settings.outbox_rate)
    services.runtime.wake_outbox = sender.wake
    return sender, asyncio.create_task(sender.run(), name="outbox-sender")


async def stop_outbox(sender: OutboxSender, task: asyncio.Task, wait: float = 10.0) -> None:
    """Stop taking messages; let the ones in flight be sent and marked."""
    sender.stop()
    try:
        await asyncio.wait_for(task, wait)
    except TimeoutError:
        log.warning("the outbox's sender did not stop in %s s", wait)


WEBHOOK_PATH = "/telegram/webhook"


async def prepare(settings: Settings, *, today: Callable[[], date] | None = None) -> Services:
    catalogue = load_catalogue()
    db = await Database.open(settings.database_path)
    services = build_services(db, catalogue, settings, today=today)
    await services.access.ensure_admins(settings.admin_ids, settings.default_language)
    return services


async def serve(
    settings: Settings, bot: Bot, services: Services, *, polling_timeout: int = 30, stop: asyncio.Event | None = None
) -> None:
    """Run until a signal (or ``stop``); then let updates in flight finish, stop the scheduler, close the database."""
    dp = build_dispatcher(services, isolate_senders=bool(settings.webhook_url))
    polling = InboxPolling(
        dp, bot, services.db, polling_timeout=polling_timeout, allowed_updates=dp.resolve_used_update_types()
    )
    if stop is not None:

        async def stop_when_asked() -> None:
            await stop.wait()
            polling.stop()

        stopper = asyncio.create_task(stop_when_asked())
    scheduler = build_scheduler(services)
    sender, sending = start_outbox(bot, services)
    scheduler.start()
    services.reports.pdf.start()  # the PDF workers start and warm up in the background: polling starts at once
    menus_task = asyncio.create_task(menus.sync_menus(bot, services.db), name="menus")
    try:
        if settings.webhook_url:
            await _serve_webhook(settings, bot, dp)
        else:
            await bot.delete_webhook(drop_pending_updates=False)
            # Through the inbox (bot/polling.py): an update is stored before it is confirmed to Telegram,
            # handled concurrently with other people's and in order with the same person's, and handled
            # again after a crash or kill -9 (handlers are idempotent).
            await polling.run(handle_signals=stop is None)
    finally:
        if stop is not None:
            stopper.cancel()
        scheduler.shutdown(wait=False)
        menus_task.cancel()
        await stop_outbox(sender, sending)
        await asyncio.to_thread(services.charts.shutdown)
        await services.db.close()
        await bot.session.close()
        await asyncio.to_thread(services.reports.pdf.shutdown)
        log.info("stopped cleanly")


def build_webhook_app(settings: Settings, bot: Bot, dp: Dispatcher) -> web.Application:
    app = web.Application()
    # The secret token header is checked on every request; a wrong or missing one gets 401.
    # handle_in_background=False: Telegram gets its 200 only after the update was handled (and stored).
    SimpleRequestHandler(
        dispatcher=dp, bot=bot, secret_token=settings.webhook_secret.get(), handle_in_background=False
    ).register(app, path=WEBHOOK_PATH)
    app.router.add_get("/health", _health)
    setup_application(app, dp, bot=bot)
    return app


async def _health(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


async def _serve_webhook(settings: Settings, bot: Bot, dp: Dispatcher) -> None:
    app = build_webhook_app(settings, bot, dp)
    await bot.set_webhook(
        settings.webhook_url.rstrip("/") + WEBHOOK_PATH,
        secret_token=settings.webhook_secret.get(),
        allowed_updates=dp.resolve_used_update_types(),
    )
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
