"""Finished check sheets: /mine (your latest, with their PDFs) and /export (a year's results as CSV)."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.db import inspections as repo
from bot.db.audit import AuditRepository
from bot.db.database import Database
from bot.db.users import User
from bot.services.planning import PLANNERS
from bot.services.reports import ReportService
from bot.texts import Texts
from bot.ui.callbacks import ReportAction

MINE_SHOWN = 10


async def my_sheets(message: Message, user: User, t: Texts, db: Database, reports: ReportService) -> None:
    rows = await repo.finalized_by(db, user.telegram_id, MINE_SHOWN)
    if not rows:
        await message.answer(t("mine_empty"))
        return
    lines = [{"id": r.id, "date": reports.local_time(r.finalized_at)[:10], "name": r.subject_name,
              "bin": r.subject_bin, "indicator": r.indicator} for r in rows]
    buttons = [InlineKeyboardButton(text=t.plain("btn_sheet_pdf", number=r.id),
                                    callback_data=ReportAction(inspection=r.id, lang=t.lang).pack()) for r in rows]
    markup = InlineKeyboardMarkup(inline_keyboard=[buttons[i:i + 2] for i in range(0, len(buttons), 2)])
    await message.answer(t("mine_list", lines=lines), reply_markup=markup)


async def export(message: Message, command: CommandObject, user: User, t: Texts, db: Database,
                 reports: ReportService, audit: AuditRepository) -> None:
    if user.role not in PLANNERS:
        await message.answer(t("refusal", reason="forbidden_planning"))
        return
    year_text = (command.args or "").strip()
    this_year = datetime.now(reports.timezone).year
    if year_text and not (year_text.isdigit() and 2000 <= int(year_text) <= this_year):
        await message.answer(t("export_usage", year=this_year))
        return
    year = int(year_text) if year_text else this_year
    start, end = reports.year_bounds_utc(year)
    rows = await repo.finalized_between(db, start, end)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["inspection", "finalized_local", "inspector_id", "inspector_name", "subject_bin", "subject_name",
                     "act_number", "act_date", "indicator", "risk_class", "gross_rule_fired", "catalogue_version"])
    for r in rows:
        writer.writerow([r.id, reports.local_time(r.finalized_at), r.inspector_id, r.inspector_name or "",
                         r.subject_bin, r.subject_name, r.act_number or "", r.act_date or "", r.indicator,
                         r.risk_class, int(r.gross_rule_fired), r.catalogue_version])
    await audit.add(user.telegram_id, "inspections.export", "year", year, {"rows": len(rows)})
    await message.answer_document(
        BufferedInputFile(buffer.getvalue().encode("utf-8-sig"), filename=f"check-sheets-{year}.csv"),
        caption=t("export_caption", year=year, count=len(rows)))


def build_router() -> Router:
    router = Router(name="history")
    router.message.register(my_sheets, Command("mine"))
    router.message.register(export, Command("export"))
    return router
