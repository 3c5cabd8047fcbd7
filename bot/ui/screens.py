"""The screen a draft shows in its current state: its text and its buttons.

Pure functions of a :class:`~bot.services.inspections.DraftView` (read in the same unit of work as the
change before it): no query, no scoring here. Derived from the stored draft only, so the same screen
comes back after a restart, /resume or a refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from aiogram.types import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove
from aiogram.utils.keyboard import ReplyKeyboardBuilder

from bot.catalogue import Catalogue
from bot.db.inspections import (
    EXTRA_FIELDS,
    HEADER_FIELDS,
    STEP_DEADLINES,
    STEP_ITEM,
    STEP_LOCATION,
    STEP_OTHER_OFFICIALS,
    STEP_REVIEW,
    Inspection,
    StoredAnswer,
)
from bot.scoring import Answer
from bot.services.inspections import DraftView, previous_header_step
from bot.texts import Texts, local_date
from bot.ui.callbacks import ACT_BY_ANSWER, DraftAct, DraftAction, ItemAct, ItemAction
from bot.ui.keyboards import Buttons

MARKS = {"complies": "✅", "violated": "❌", "not_applicable": "➖"}  # an answer at a glance
REVIEW_ROW = 5


@dataclass(frozen=True, slots=True)
class Screen:
    text: str
    markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None  # a reply keyboard: sent anew, never edited


def header_screen(t: Texts, inspection: Inspection, suggestion: str | None, today: date | None = None) -> Screen:
    step = inspection.step
    # An extra step (other officials, a second visit's reason) carries the number of the step it follows.
    number = (
        HEADER_FIELDS.index(step) + 1
        if step in HEADER_FIELDS
        else HEADER_FIELDS.index("act_date" if step != STEP_OTHER_OFFICIALS else "inspector_position") + 1
    )
    header = inspection.header
    text = t.fixed(  # the same question for every sheet: rendered once per step, suggestion and year
        "ask_step",
        step=step,
        number=number,
        total=len(HEADER_FIELDS),
        suggestion=suggestion,
        act_year=(header["act_date"] or "")[-4:] or None,  # stored as shown: dd.mm.yyyy
        other_officials=header[STEP_OTHER_OFFICIALS],
    )
    draft = inspection.id
    keyboard, rows = Buttons(), []
    if suggestion:
        keyboard.button(
            text=t.plain("btn_keep", value=suggestion),
            callback_data=DraftAction.data(draft, DraftAct.KEEP, step),
        )
        rows.append(1)
    if today is not None and local_date(today) != suggestion:  # the act date: today by one tap
        keyboard.button(
            text=t.plain("btn_today", day=today),
            callback_data=DraftAction.data(draft, DraftAct.TODAY, step),
        )
        rows.append(1)
    # Back to the step before (a typo fixed before the review); none on step 1, none in a correction
    # from the review (there "keep" is the way back).
    if previous_header_step(step) is not None and not inspection.back_to_review:
        keyboard.button(text=t.plain("btn_back"), callback_data=DraftAction.data(draft, DraftAct.BACK, step))
    keyboard.button(text=t.plain("btn_cancel_draft"), callback_data=DraftAction.data(draft, DraftAct.CANCEL))
    return Screen(text, keyboard.adjust(*rows, 2).as_markup())  # the last row: back and cancel


def item_screen(t: Texts, catalogue: Catalogue, inspection: Inspection, answers: dict[int, StoredAnswer]) -> Screen:
    item = inspection.current_item
    requirement = catalogue.requirement(item)
    current = answers.get(item)
    text = t.render_fixed(  # the same item in the same state reads the same: rendered once
        "messages/item.html.j2",
        requirement=requirement,
        total=catalogue.checklist_size,
        severity=catalogue.severities[requirement.severity],
        answer=current.answer if current else None,
    )
    keyboard = Buttons()

    def answer_button(answer: Answer, label: str) -> None:
        mark = " •" if current and current.answer == answer else ""
        keyboard.button(
            text=t.plain(label) + mark,
            callback_data=ItemAction.data(inspection.id, item, ACT_BY_ANSWER[answer]),
        )

    answer_button(Answer.COMPLIES, "btn_complies")
    answer_button(Answer.VIOLATED, "btn_violated")
    rows = [2]
    if requirement.conditional:  # "not applicable" only where the duty is conditional (catalogue)
        answer_button(Answer.NOT_APPLICABLE, "btn_not_applicable")
        rows.append(1)
    if item > 1 and not inspection.back_to_review:
        keyboard.button(text=t.plain("btn_back"), callback_data=ItemAction.data(inspection.id, item, ItemAct.BACK))
    if len(answers) == catalogue.checklist_size:
        keyboard.button(
            text=t.plain("btn_review"),
            callback_data=ItemAction.data(inspection.id, item, ItemAct.TO_REVIEW),
        )
    return Screen(text, keyboard.adjust(*rows, 2).as_markup())  # the last row: back and to the review


def evidence_screen(
    t: Texts, catalogue: Catalogue, inspection: Inspection, answers: dict[int, StoredAnswer], files: int
) -> Screen:
    item = inspection.pending_evidence
    comment = answers[item].comment
    # Without a comment the screen reads the same for every sheet; a comment is one sheet's own: not kept.
    render = t.render_fixed if comment is None else t.render
    text = render(
        "messages/evidence.html.j2",
        requirement=catalogue.requirement(item),
        total=catalogue.checklist_size,
        comment=comment,
        files=files,
        answer=answers[item].answer,
    )
    keyboard = Buttons()
    keyboard.button(
        text=t.plain("btn_change_answer"),
        callback_data=ItemAction.data(inspection.id, item, ItemAct.BACK),
    )
    keyboard.button(
        text=t.plain("btn_next"),
        callback_data=ItemAction.data(inspection.id, item, ItemAct.EVIDENCE_DONE),
    )
    return Screen(text, keyboard.adjust(2).as_markup())


def review_screen(t: Texts, catalogue: Catalogue, view: DraftView) -> Screen:
    inspection, answers = view.inspection, view.answers
    lines = [
        {"number": n.number, "mark": MARKS[answers[n.number].answer] if n.number in answers else "…"}
        for n in catalogue.checklist
    ]
    rows_of_lines = [lines[i : i + REVIEW_ROW] for i in range(0, len(lines), REVIEW_ROW)]
    complete = len(answers) == catalogue.checklist_size
    text = t.render(
        "messages/review.html.j2",
        header=inspection.header,
        rows=rows_of_lines,
        result=view.preliminary if complete else None,
    )
    draft = inspection.id
    keyboard = Buttons()
    for line in lines:
        keyboard.button(
            text=f"{line['number']} {line['mark']}",
            callback_data=ItemAction.data(draft, line["number"], ItemAct.GO_TO),
        )
    keyboard.adjust(REVIEW_ROW)
    actions = Buttons()
    actions.button(text=t.plain("btn_header"), callback_data=DraftAction.data(draft, DraftAct.HEADER))
    actions.button(text=t.plain("btn_finish"), callback_data=DraftAction.data(draft, DraftAct.FINISH))
    finish_row = 1
    if complete and any(a.answer == Answer.VIOLATED for a in answers.values()):  # remedy deadlines (issue 14)
        actions.button(text=t.plain("btn_deadlines"), callback_data=DraftAction.data(draft, DraftAct.DEADLINES))
        finish_row = 2
    actions.button(text=t.plain("btn_cancel_draft"), callback_data=DraftAction.data(draft, DraftAct.CANCEL))
    return Screen(text, keyboard.attach(actions.adjust(1, finish_row, 1)).as_markup())


def header_menu_screen(t: Texts, inspection: Inspection) -> Screen:
    """The header's values with a button per field, reached from the review screen (same message)."""
    fields = (*HEADER_FIELDS, STEP_OTHER_OFFICIALS)  # several officials: "лауазымды адам(дар)"
    keyboard = Buttons()
    for field in fields:
        keyboard.button(
            text=t.plain("step_short", step=field),
            callback_data=DraftAction.data(inspection.id, DraftAct.EDIT, field),
        )
    keyboard.adjust(2)
    back = Buttons()  # the way back on a row of its own
    back.button(text=t.plain("btn_review"), callback_data=DraftAction.data(inspection.id, DraftAct.REVIEW))
    return Screen(t("header_summary", header=inspection.header), keyboard.attach(back).as_markup())


def cancel_confirm_screen(t: Texts, inspection: Inspection) -> Screen:
    keyboard = Buttons()
    keyboard.button(text=t.plain("btn_discard"), callback_data=DraftAction.data(inspection.id, DraftAct.DISCARD))
    keyboard.button(text=t.plain("btn_keep_draft"), callback_data=DraftAction.data(inspection.id, DraftAct.RESUME))
    return Screen(t("cancel_confirm", name=inspection.header["subject_name"]), keyboard.adjust(2).as_markup())


def location_screen(t: Texts) -> Screen:
    """The visit's location: a reply-keyboard button that asks the phone for it (request_location), and
    "skip" (a missing location never blocks the inspector)."""
    keyboard = ReplyKeyboardBuilder()
    keyboard.button(text=t.plain("btn_send_location"), request_location=True)
    keyboard.button(text=t.plain("btn_skip_location"))
    return Screen(
        t("ask_location"),
        keyboard.adjust(1).as_markup(resize_keyboard=True, one_time_keyboard=True, is_persistent=False),
    )


def remove_reply_keyboard() -> ReplyKeyboardRemove:
    return ReplyKeyboardRemove(remove_keyboard=True)


def deadlines_screen(t: Texts, catalogue: Catalogue, view: DraftView) -> Screen:
    """The violated items with their remedy deadlines; the inspector types "item dd.mm.yyyy"."""
    inspection = view.inspection
    items = [
        {
            "number": a.item,
            "text": catalogue.requirement(a.item).text(t.lang),
            "due": ".".join(reversed(a.remedy_due.split("-"))) if a.remedy_due else None,
        }
        for a in view.answers.values()
        if a.answer == Answer.VIOLATED
    ]
    example = next((i["number"] for i in items), 1)
    keyboard = Buttons()
    keyboard.button(
        text=t.plain("btn_deadlines_back"),
        callback_data=DraftAction.data(inspection.id, DraftAct.DEADLINES_BACK),
    )
    return Screen(t("deadlines_screen", items=items, example=example), keyboard.as_markup())


def draft_screen(t: Texts, catalogue: Catalogue, view: DraftView) -> Screen:
    """The screen of the draft's current step."""
    inspection, answers = view.inspection, view.answers
    if inspection.step == STEP_DEADLINES:
        return deadlines_screen(t, catalogue, view)
    if inspection.step == STEP_LOCATION:
        return location_screen(t)
    if inspection.step in HEADER_FIELDS or inspection.step in EXTRA_FIELDS:
        return header_screen(t, inspection, view.suggestion, view.today)
    if inspection.step == STEP_ITEM and inspection.pending_evidence is not None:
        return evidence_screen(t, catalogue, inspection, answers, view.files)
    if inspection.step == STEP_ITEM:
        return item_screen(t, catalogue, inspection, answers)
    if inspection.step == STEP_REVIEW:
        return review_screen(t, catalogue, view)
    raise ValueError(f"no screen for step {inspection.step!r}")
