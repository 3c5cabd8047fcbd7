"""Assembly: the dispatcher with its routers, middlewares and injected services; the Bot; the scheduler.

Used by ``__main__`` (polling, webhook, sandbox), by the tests and by the benchmarks, so they all run
the same bot.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.types import BotCommand, BotCommandScopeDefault, ErrorEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import scheduling
from bot.catalogue import Catalogue
from bot.config import Settings
from bot.db import Database
from bot.db.audit import AuditRepository
from bot.db.subjects import SubjectRepository
from bot.handlers import admin, assessment, common, fallback, history, inspection, lookup, planning
from bot.middlewares import AccessMiddleware
from bot.runtime import Runtime
from bot.services.access import AccessService
from bot.services.assessment import AssessmentService
from bot.services.backups import BackupService
from bot.services.inspections import InspectionService
from bot.services.planning import PlanningService
from bot.services.reports import ReportService
from bot.telegram_limits import RetryAfterMiddleware, keep_response_models
from bot.texts import LANGUAGES, normalise_language, texts
from bot.ui.presenter import DraftPresenter

log = logging.getLogger(__name__)
async def on_error(event: ErrorEvent) -> bool:
    """Log the failure; tell the person that nothing stored was lost. The bot keeps running."""
    log.error("update %s failed", event.update.update_id, exc_info=event.exception)
    update = event.update
    sender = (update.message and update.message.from_user) or (
        update.callback_query and update.callback_query.from_user)
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


def build_services(db: Database, catalogue: Catalogue, settings: Settings, runtime: Runtime | None = None) -> Services:
    def today() -> date:
        return datetime.now(settings.timezone).date()

    assessment = AssessmentService(db, catalogue, today=today)
    return Services(
        db=db,
        catalogue=catalogue,
        settings=settings,
        runtime=runtime or Runtime(),
        inspections=InspectionService(db, catalogue, today=today),
        planning=PlanningService(db, catalogue, today=today, assessment=assessment),
        assessment=assessment,
        reports=ReportService(db, catalogue, settings.timezone),
        access=AccessService(db),
        backups=BackupService(db, settings.backup_dir, settings.backup_keep),
    )


def build_dispatcher(services: Services) -> Dispatcher:
    # SimpleEventIsolation: one user's updates are handled one at a time (a fast double tap cannot race).
    dp = Dispatcher(events_isolation=SimpleEventIsolation())
    dp.workflow_data.update(
        db=services.db,
        catalogue=services.catalogue,
        settings=services.settings,
        runtime=services.runtime,
        inspections=services.inspections,
        presenter=DraftPresenter(services.inspections),
        reports=services.reports,
        access=services.access,
        users=services.access.users,
        subjects=SubjectRepository(services.db),
        audit=AuditRepository(services.db),
        backups=services.backups,
        planning=services.planning,
        assessment=services.assessment,
    )
    dp.update.outer_middleware(AccessMiddleware(services.access, services.settings.default_language))
    errors = Router(name="errors")
    errors.errors.register(on_error)
    # The check sheet's routers first: nearly every update is an inspector's answer or text.
    dp.include_routers(errors, inspection.build_router(), common.build_router(), planning.build_router(),
                       assessment.build_router(), history.build_router(), admin.build_router(),
                       lookup.build_router(), fallback.build_router())
    return dp


def create_bot(token: str, api_url: str | None) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url)) if api_url else AiohttpSession()
    session.middleware(RetryAfterMiddleware())
    bot = Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    bot.response_models = keep_response_models()  # held as long as the bot lives
    return bot


def build_scheduler(bot: Bot, services: Services) -> AsyncIOScheduler:
    settings = services.settings
    scheduler = scheduling.build_scheduler(bot, services.backups, services.planning, settings.timezone,
                                           settings.backup_time, services.runtime.backup_job_id)
    services.runtime.scheduler = scheduler
    return scheduler


async def set_commands(bot: Bot) -> None:
    """The command menu in both languages (Kazakh for Kazakh-language clients, Russian otherwise)."""
    for lang in LANGUAGES:
        t = texts(lang)
        commands = [BotCommand(command=name, description=t.plain("command_description", name=name))
                    for name in ("new", "resume", "mine", "cancel", "bin", "plan", "lang", "help")]
        await bot.set_my_commands(commands, scope=BotCommandScopeDefault(),
                                  language_code="kk" if lang == "kk" else None)
