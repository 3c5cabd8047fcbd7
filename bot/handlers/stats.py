"""/stats [period]: charts of a period for supervisors, admins and the head (TABLES in bot/roles.py), with an
XLSX of their figures. Others are told who the statistics are for."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, InputMediaPhoto, Message
from aiogram.utils.chat_action import ChatActionSender

from bot.db.users import User
from bot.handlers.filters import refuse_message, restricted
from bot.roles import TABLES
from bot.services.audit import AuditService
from bot.services.stats import StatsService
from bot.stats import PeriodProblem
from bot.stats.figures import EARLIEST_YEAR, MAX_MONTHS
from bot.texts import Texts


async def stats(
    message: Message, command: CommandObject, bot: Bot, user: User, t: Texts, stats: StatsService, audit: AuditService
) -> None:
    period = stats.period(command.args)
    if isinstance(period, PeriodProblem):
        await message.answer(
            t(
                "stats_usage",
                problem=period.value,
                year=stats.today().year,
                earliest=EARLIEST_YEAR,
                max_months=MAX_MONTHS,
            )
        )
        return
    async with ChatActionSender.upload_photo(bot=bot, chat_id=message.chat.id):
        report = await stats.report(t, period)
    if report is None:
        await message.answer(t("stats_empty", p=period))
        return
    await audit.add(
        user.telegram_id, "stats.view", "period", f"{period.start}..{period.last}", {"charts": len(report.photos)}
    )
    files = [BufferedInputFile(png, filename=f"stats-{n}.png") for n, (png, _) in enumerate(report.photos, 1)]
    if len(files) == 1:
        await message.answer_photo(files[0], caption=report.photos[0][1])
    else:
        await message.answer_media_group(
            [
                InputMediaPhoto(media=file, caption=caption)
                for file, (_, caption) in zip(files, report.photos, strict=True)
            ]
        )
    await message.answer_document(
        BufferedInputFile(report.workbook, filename=report.file_name), caption=t("stats_document", p=period)
    )


def build_router() -> Router:
    allowed = restricted("stats.allowed", TABLES)
    allowed.message.register(stats, Command("stats"))
    refused = Router(name="stats.refused")
    refused.message.register(refuse_message("stats_forbidden"), Command("stats"))
    router = Router(name="stats")
    router.include_routers(allowed, refused)
    return router
