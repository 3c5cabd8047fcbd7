"""Tables in and out: /import (a CSV or XLSX file, a preview, apply or cancel; empty templates) and /export
(a year's check sheets, the registry, the audit log; XLSX, or CSV when asked: ``/export 2026 csv``).

Admins, supervisors and the head import and export (TABLES in bot/roles.py; the audit log: ADMINS only); the
routers are filtered by role and a refusal router after them tells the others why not. A file is taken as a
table when its caption is /import, or when its sender asked /import within the hour (that wish is a database
row, so it survives a restart).
"""

from __future__ import annotations

import asyncio
import io
import logging
from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.chat_action import ChatActionSender

from bot.db.users import User
from bot.handlers.busy import sending_file
from bot.handlers.filters import refuse_button, refuse_message, restricted
from bot.roles import ADMINS, TABLES
from bot.services.audit import AuditService
from bot.services.exports import ExportService
from bot.services.importing import ImportService
from bot.services.reports import ReportService
from bot.tables.kinds import COLUMNS, TableKind
from bot.tables.reader import TableError
from bot.tables.writer import Sheet as XlsxSheet
from bot.tables.writer import workbook_bytes
from bot.texts import Texts
from bot.ui import keyboards
from bot.ui.callbacks import ImportAct, ImportAction

log = logging.getLogger(__name__)
REJECTIONS_SHOWN = 10  # in the message; the attached XLSX has them all
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TABLE_SUFFIXES = (".csv", ".xlsx", ".txt", ".tsv")
TABLE_TYPES = (XLSX_MIME, "text/csv", "text/plain", "application/vnd.ms-excel")


async def _is_table_for_import(message: Message, user: User, imports: ImportService) -> bool:
    if message.document is None:
        return False
    caption = (message.caption or "").strip().lower()
    if caption.startswith("/import"):
        return True  # whatever it is: a file that is no table is told so
    # After /import, a file that looks like a table; another document (a PDF, a photo as a file) may be an
    # inspector's evidence and goes on to the check sheet's handlers.
    name = (message.document.file_name or "").lower()
    looks_like_table = name.endswith(TABLE_SUFFIXES) or message.document.mime_type in TABLE_TYPES
    return looks_like_table and await imports.expects_file(user)


async def import_command(message: Message, user: User, t: Texts, imports: ImportService) -> None:
    await imports.expect_file(user)
    columns = {kind.value: [c.header(t.lang) for c in COLUMNS[kind]] for kind in TableKind}
    await message.answer(
        t("import_prompt", columns=columns, max_rows=imports.max_rows, max_mb=imports.max_file_bytes // (1024 * 1024)),
        reply_markup=keyboards.import_templates(t),
    )


async def import_file(message: Message, bot: Bot, user: User, t: Texts, imports: ImportService) -> None:
    document = message.document
    file_name = document.file_name or "table"
    limit_mb = imports.max_file_bytes // (1024 * 1024)
    if (document.file_size or 0) > imports.max_file_bytes:
        await message.answer(t("import_refused", reason="too_big", max_mb=limit_mb, max_rows=imports.max_rows))
        return
    async with ChatActionSender.typing(bot=bot, chat_id=message.chat.id):
        try:
            buffer = await bot.download(document.file_id, destination=io.BytesIO())
        except (TelegramAPIError, TimeoutError, OSError) as exc:
            log.warning("import file %s not downloaded: %s", document.file_unique_id, exc)
            await message.answer(t("import_refused", reason="too_big", max_mb=limit_mb, max_rows=imports.max_rows))
            return
        try:
            preview = await imports.preview(user, file_name, buffer.getvalue())
        except TableError as error:
            await message.answer(
                t("import_refused", reason=error.problem.value, max_mb=limit_mb, max_rows=imports.max_rows)
            )
            return
    labels = {c.field: c.header(t.lang) for c in COLUMNS[preview.kind]}
    shown = [
        {"row": r.row, "column": labels.get(r.field, r.field), "reason": r.reason.value}
        for r in preview.rejected[:REJECTIONS_SHOWN]
    ]
    await message.answer(
        t("import_preview", kind=preview.kind.value, file_name=file_name, counts=preview.counts, shown=shown),
        reply_markup=keyboards.import_preview(t, preview.import_id),
    )
    if preview.rejected:
        async with ChatActionSender.upload_document(bot=bot, chat_id=message.chat.id):
            reasons = {
                reason: t.plain("import_reason", reason=reason.value) for reason in {r.reason for r in preview.rejected}
            }
            rows = [
                (r.row, labels.get(r.field, r.field), reasons[r.reason], *("" if v is None else v for v in r.raw))
                for r in preview.rejected
            ]
            header = [
                t.plain("xlsx_col", name="row"),
                t.plain("xlsx_col", name="column"),
                t.plain("xlsx_col", name="reason"),
                *preview.header,
            ]
            sheet = XlsxSheet(t.plain("xlsx_sheet", name="rejected"), header, rows)
            data = await asyncio.to_thread(workbook_bytes, [sheet])  # up to 100,000 rows: off the event loop
            stem = file_name.rsplit(".", 1)[0]
            await message.answer_document(
                BufferedInputFile(data, filename=f"{stem}-rejected.xlsx"),
                caption=t("import_rejected_caption", count=len(preview.rejected)),
            )


async def import_action(
    callback: CallbackQuery,
    callback_data: ImportAction,
    user: User,
    t: Texts,
    imports: ImportService,
    exports: ExportService,
) -> None:
    if callback_data.action is ImportAct.TEMPLATE:
        kind = callback_data.kind  # an unknown kind never parses (bot/ui/callbacks.py)
        if kind is None:
            await callback.answer(t.plain("refusal", reason="unknown_button"))
            return
        await callback.answer()
        await callback.message.answer_document(
            BufferedInputFile(exports.template(t, kind), filename=f"template-{kind.value}-{t.lang}.xlsx"),
            caption=t("template_caption", kind=kind.value),
        )
        return
    if callback_data.action is ImportAct.APPLY:
        outcome = await imports.apply(user, callback_data.import_id)
        if outcome is None:
            await callback.answer(t.plain("refusal", reason="unknown_button"), show_alert=True)
            return
        await callback.answer()
        text = (
            t("import_applied", file_name=outcome.file_name, counts=outcome.counts)
            if outcome.applied
            else t("import_already_decided")
        )
    else:  # ImportAct.CANCEL
        cancelled = await imports.cancel(user, callback_data.import_id)
        await callback.answer()
        text = t("import_cancelled") if cancelled else t("import_already_decided")
    await callback.message.edit_reply_markup(reply_markup=None)
    await callback.message.answer(text)


def _export_words(args: str | None) -> tuple[list[str], bool]:
    """What /export asks for, without the format words; and whether as CSV."""
    words = (args or "").lower().split()
    return [w for w in words if w not in ("csv", "xlsx")], "csv" in words


def _asks_for_audit(_: Message, command: CommandObject) -> bool:
    """After Command("export"): /export audit (csv or xlsx)."""
    return _export_words(command.args)[0] == ["audit"]


async def export_audit(message: Message, t: Texts, exports: ExportService, bot: Bot) -> None:
    """/export audit: the audit log as XLSX, for admins (the other exporters are refused)."""
    async with sending_file(bot, message.chat.id):
        data, count = await exports.audit_log(t)
        await message.answer_document(
            BufferedInputFile(data, filename="audit-log.xlsx"), caption=t("audit_caption", count=count)
        )


async def export(
    message: Message,
    command: CommandObject,
    user: User,
    t: Texts,
    reports: ReportService,
    exports: ExportService,
    audit: AuditService,
    bot: Bot,
) -> None:
    """A table of a year's sheets or the registry: 'sending a file…' shows while it is built (the registry of
    100,000 subjects takes seconds)."""
    words, as_csv = _export_words(command.args)
    this_year = datetime.now(reports.timezone).year
    what = words[0] if words else str(this_year)
    extension = "csv" if as_csv else "xlsx"
    if what == "registry" and len(words) == 1:
        async with sending_file(bot, message.chat.id):
            data, count = await exports.registry(t, as_csv=as_csv)
            await audit.add(user.telegram_id, "registry.export", "registry", "-", {"rows": count})
            await message.answer_document(
                BufferedInputFile(data, filename=f"registry.{extension}"), caption=t("registry_caption", count=count)
            )
        return
    if len(words) > 1 or not (what.isdigit() and 2000 <= int(what) <= this_year):
        await message.answer(t("export_usage", year=this_year))
        return
    year = int(what)
    async with sending_file(bot, message.chat.id):
        data, count = await exports.check_sheets(t, year, as_csv=as_csv)
        await audit.add(user.telegram_id, "inspections.export", "year", year, {"rows": count, "format": extension})
        await message.answer_document(
            BufferedInputFile(data, filename=f"check-sheets-{year}.{extension}"),
            caption=t("export_caption", year=year, count=count),
        )


def build_router() -> Router:
    """Before the check sheet's router: a table sent for import is no evidence file. An inspector's document
    goes on to it, unless its caption is /import (then they are told who loads tables)."""
    audit_log = restricted("tables.audit", ADMINS)
    audit_log.message.register(export_audit, Command("export"), _asks_for_audit)
    keepers = restricted("tables.keepers", TABLES)
    keepers.message.register(refuse_message("refusal", reason="forbidden"), Command("export"), _asks_for_audit)
    keepers.message.register(import_command, Command("import"), F.document.is_(None))
    keepers.message.register(import_file, F.document, _is_table_for_import)
    keepers.message.register(export, Command("export"))
    keepers.callback_query.register(import_action, ImportAction.filter())
    refused = Router(name="tables.refused")
    refused.message.register(refuse_message("refusal", reason="forbidden_import"), Command("import"))
    refused.message.register(refuse_message("refusal", reason="forbidden_export"), Command("export"))
    refused.callback_query.register(refuse_button("refusal", reason="forbidden_import"), ImportAction.filter())
    router = Router(name="tables")
    router.include_routers(audit_log, keepers, refused)
    return router
