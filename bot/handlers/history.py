"""Finished check sheets: /mine (your latest, with their PDFs). /export lives in bot/handlers/tables.py."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.db.users import User
from bot.services.reports import ReportService
from bot.texts import Texts
from bot.ui import keyboards

MINE_SHOWN = 10


async def my_sheets(message: Message, user: User, t: Texts, reports: ReportService) -> None:
    rows = await reports.finalized_by(user.telegram_id, MINE_SHOWN)
    if not rows:
        await message.answer(t("mine_empty"))
        return
    lines = [
        {"id": r.id, "date": r.finalized_at, "name": r.subject_name, "bin": r.subject_bin, "indicator": r.indicator}
        for r in rows
    ]
    await message.answer(t("mine_list", lines=lines), reply_markup=keyboards.sheet_pdfs(t, [r.id for r in rows]))


def build_router() -> Router:
    router = Router(name="history")
    router.message.register(my_sheets, Command("mine"))
    return router
