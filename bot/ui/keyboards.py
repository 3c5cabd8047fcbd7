"""The inline keyboards of every screen but the draft's (those are in bot/ui/screens.py).

Pure functions from what a screen shows and the person's texts to a markup, each built with aiogram's
``InlineKeyboardBuilder``: the buttons in the order they read, then ``adjust`` lays them out in rows. No
query, no service: the handler passes what it read. The outbox stores a markup as JSON
(:func:`as_json`), so the reminders the bot sends on its own use these builders too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.planning import ListPeriod
from bot.tables.kinds import TableKind
from bot.texts import LANGUAGES, Texts, texts
from bot.ui.callbacks import (
    DraftAct,
    DraftAction,
    FindingAction,
    ImportAct,
    ImportAction,
    LanguageAction,
    PlanAct,
    PlanAction,
    RemedyAction,
    ReportAction,
)

SHEETS_PER_ROW = 2  # /mine: the PDF buttons of the latest sheets, two a row


class Buttons(InlineKeyboardBuilder):
    """aiogram's ``InlineKeyboardBuilder`` without its deep copies.

    The builder's ``export`` deep-copies every button, and ``add``, ``row``, ``adjust`` and ``as_markup`` all
    call it: a four-button screen was deep-copied about ten times, a quarter of a tap's cost in
    ``python -m bench dispatcher --profile``. A keyboard here is built, exported once and dropped, and the
    buttons are frozen pydantic models, so the rows are copied and the buttons shared.
    """

    def export(self) -> list[list[InlineKeyboardButton]]:
        return [list(row) for row in self._markup]

    def button(self, *, text: str, callback_data: str | CallbackData | None = None, **kwargs: Any) -> Buttons:
        """A button with a label and callback data (every button of ours), made without pydantic's validation:
        aiogram's models give every new instance a deep copy of their private defaults, about half of a
        four-button keyboard's cost. The values are ours: a label string and data packed by ``CallbackData``
        or its ``data`` (both refuse more than Telegram's 64 bytes). Anything else goes through aiogram's
        builder."""
        if kwargs or callback_data is None:
            return super().button(text=text, callback_data=callback_data, **kwargs)  # type: ignore[return-value]
        data = callback_data.pack() if isinstance(callback_data, CallbackData) else callback_data
        self.add(_BUTTON.model_copy(update={"text": str(text), "callback_data": data}))
        return self

    def as_markup(self, **kwargs: Any) -> InlineKeyboardMarkup:
        if kwargs:
            return super().as_markup(**kwargs)
        return _MARKUP.model_copy(update={"inline_keyboard": self.export()})


_BUTTON = InlineKeyboardButton(text="-", callback_data="-")  # what Buttons.button copies: no other field set
_MARKUP = InlineKeyboardMarkup(inline_keyboard=[])


def as_json(markup: InlineKeyboardMarkup) -> str:
    """A markup as the outbox stores it (bot/outbox.py reads it back with ``model_validate_json``)."""
    return markup.model_dump_json(exclude_none=True)


def languages() -> InlineKeyboardMarkup:
    """/lang: each language named in itself, on one row."""
    keyboard = Buttons()
    for lang in LANGUAGES:
        keyboard.button(text=texts(lang).plain(f"btn_lang_{lang}"), callback_data=LanguageAction(lang=lang))
    return keyboard.adjust(len(LANGUAGES)).as_markup()


def report_buttons(t: Texts, inspection_id: int) -> InlineKeyboardMarkup:
    """The check sheet of a finalized inspection as PDF, in Kazakh or in Russian."""
    keyboard = Buttons()
    for lang in LANGUAGES:
        keyboard.button(
            text=t.plain("btn_pdf", lang=lang), callback_data=ReportAction(inspection=inspection_id, lang=lang)
        )
    return keyboard.adjust(len(LANGUAGES)).as_markup()


def sheet_pdfs(t: Texts, inspection_ids: Iterable[int]) -> InlineKeyboardMarkup:
    """/mine: a PDF button per finished sheet, in the person's language."""
    keyboard = Buttons()
    for inspection_id in inspection_ids:
        keyboard.button(
            text=t.plain("btn_sheet_pdf", number=inspection_id),
            callback_data=ReportAction(inspection=inspection_id, lang=t.lang),
        )
    return keyboard.adjust(SHEETS_PER_ROW).as_markup()


def import_templates(t: Texts, kinds: Iterable[TableKind] = TableKind) -> InlineKeyboardMarkup:
    """/import: the empty template of each kind of table, one a row."""
    keyboard = Buttons()
    for kind in kinds:
        keyboard.button(
            text=t.plain("btn_template", kind=kind.value),
            callback_data=ImportAction(action=ImportAct.TEMPLATE, kind=kind),
        )
    return keyboard.adjust(1).as_markup()


def import_preview(t: Texts, import_id: int) -> InlineKeyboardMarkup:
    """Under an import's preview: apply it, or cancel it."""
    keyboard = Buttons()
    keyboard.button(
        text=t.plain("btn_import_apply"), callback_data=ImportAction(action=ImportAct.APPLY, import_id=import_id)
    )
    keyboard.button(
        text=t.plain("btn_import_cancel"), callback_data=ImportAction(action=ImportAct.CANCEL, import_id=import_id)
    )
    return keyboard.adjust(2).as_markup()


def finding_groups(t: Texts, bin_: str, groups: Sequence[int], shown: int) -> InlineKeyboardMarkup:
    """/findings: a button per group of criteria 20-35, the one shown marked."""
    keyboard = Buttons()
    for group in groups:
        keyboard.button(
            text=("• " if group == shown else "") + t.plain("btn_group", number=group),
            callback_data=FindingAction(bin=bin_, group=group),
        )
    return keyboard.adjust(len(groups)).as_markup()


def visit_list(
    t: Texts, year: int, half: int, *, may_approve: bool, others: Iterable[ListPeriod]
) -> InlineKeyboardMarkup:
    """/plan: approve (a draft, for who may approve it), the list as XLSX and as CSV on one row; then a row
    per other open half-year's list."""
    keyboard = Buttons()
    first_row = 2
    if may_approve:
        keyboard.button(
            text=t.plain("btn_approve"), callback_data=PlanAction(year=year, half=half, action=PlanAct.APPROVE)
        )
        first_row = 3
    keyboard.button(text=t.plain("btn_xlsx"), callback_data=PlanAction(year=year, half=half, action=PlanAct.XLSX))
    keyboard.button(text=t.plain("btn_csv"), callback_data=PlanAction(year=year, half=half, action=PlanAct.CSV))
    for other in others:
        keyboard.button(
            text=t.plain("btn_other_list", year=other.year, half=other.half),
            callback_data=PlanAction(year=other.year, half=other.half, action=PlanAct.SHOW),
        )
    return keyboard.adjust(first_row, 1).as_markup()


def open_visit_list(t: Texts, period: ListPeriod) -> InlineKeyboardMarkup:
    """Under a deadline reminder: open the list of that half-year."""
    keyboard = Buttons()
    keyboard.button(
        text=t.plain("btn_open_list"), callback_data=PlanAction(year=period.year, half=period.half, action=PlanAct.SHOW)
    )
    return keyboard.as_markup()


def stale_draft(t: Texts, inspection_id: int) -> InlineKeyboardMarkup:
    """Under a stale-draft nudge: resume the draft, or discard it (which asks to confirm)."""
    keyboard = Buttons()
    keyboard.button(
        text=t.plain("btn_resume_draft"), callback_data=DraftAction(inspection=inspection_id, action=DraftAct.RESUME)
    )
    keyboard.button(
        text=t.plain("btn_discard_draft"), callback_data=DraftAction(inspection=inspection_id, action=DraftAct.CANCEL)
    )
    return keyboard.adjust(2).as_markup()


def remedied(t: Texts, remedy_id: int) -> InlineKeyboardMarkup:
    """Under a remedy-deadline reminder: the violation is remedied."""
    keyboard = Buttons()
    keyboard.button(text=t.plain("btn_remedied"), callback_data=RemedyAction(remedy=remedy_id))
    return keyboard.as_markup()
