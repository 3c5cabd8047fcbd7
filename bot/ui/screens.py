"""The screen a draft shows in its current state: its text and its buttons.

Pure functions of a :class:`~bot.services.inspections.DraftView` (read in the same unit of work as the
change before it): no query, no scoring here. Derived from the stored draft only, so the same screen
comes back after a restart, /resume or a refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

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
from bot.ui.callbacks import CODE_BY_ANSWER, DraftAction, ItemAction, ReportAction

MARKS = {"complies": "✅", "violated": "❌", "not_applicable": "➖"}  # an answer at a glance
REVIEW_ROW = 5


@dataclass(frozen=True, slots=True)
class Screen:
    text: str
    markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None  # a reply keyboard: sent anew, never edited


def _button(text: str, data: ItemAction | DraftAction) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def header_screen(t: Texts, inspection: Inspection, suggestion: str | None, today: date | None = None) -> Screen:
    step = inspection.step
    # An extra step (other officials, a second visit's reason) carries the number of the step it follows.
    number = HEADER_FIELDS.index(step) + 1 if step in HEADER_FIELDS else HEADER_FIELDS.index(
        "act_date" if step != STEP_OTHER_OFFICIALS else "inspector_position") + 1
    text = t("ask_step", step=step, number=number, total=len(HEADER_FIELDS), suggestion=suggestion,
             header=inspection.header)
    rows = []
    if suggestion:
        rows.append([_button(t.plain("btn_keep", value=suggestion),
                             DraftAction(inspection=inspection.id, action="keep", step=step))])
    if today is not None and local_date(today) != suggestion:  # the act date: today by one tap
        rows.append([_button(t.plain("btn_today", day=today),
                             DraftAction(inspection=inspection.id, action="today", step=step))])
    last = []
    # Back to the step before (a typo fixed before the review); none on step 1, none in a correction
    # from the review (there "keep" is the way back).
    if previous_header_step(step) is not None and not inspection.back_to_review:
        last.append(_button(t.plain("btn_back"), DraftAction(inspection=inspection.id, action="back", step=step)))
    last.append(_button(t.plain("btn_cancel_draft"), DraftAction(inspection=inspection.id, action="cancel")))
    rows.append(last)
    return Screen(text, InlineKeyboardMarkup(inline_keyboard=rows))


def item_screen(t: Texts, catalogue: Catalogue, inspection: Inspection, answers: dict[int, StoredAnswer]) -> Screen:
    item = inspection.current_item
    requirement = catalogue.requirement(item)
    current = answers.get(item)
    text = t.render(
        "messages/item.html.j2",
        requirement=requirement,
        total=catalogue.checklist_size,
        severity=catalogue.severities[requirement.severity],
        answer=current.answer if current else None,
    )

    def answer_button(answer: Answer, label: str) -> InlineKeyboardButton:
        mark = " •" if current and current.answer == answer else ""
        return _button(t.plain(label) + mark,
                       ItemAction(inspection=inspection.id, item=item, action=CODE_BY_ANSWER[answer]))

    rows = [[answer_button(Answer.COMPLIES, "btn_complies"), answer_button(Answer.VIOLATED, "btn_violated")]]
    if requirement.conditional:  # "not applicable" only where the duty is conditional (catalogue)
        rows.append([answer_button(Answer.NOT_APPLICABLE, "btn_not_applicable")])
    nav = []
    if item > 1 and not inspection.back_to_review:
        nav.append(_button(t.plain("btn_back"), ItemAction(inspection=inspection.id, item=item, action="b")))
    if len(answers) == catalogue.checklist_size:
        nav.append(_button(t.plain("btn_review"), ItemAction(inspection=inspection.id, item=item, action="r")))
    if nav:
        rows.append(nav)
    return Screen(text, InlineKeyboardMarkup(inline_keyboard=rows))


def evidence_screen(
    t: Texts, catalogue: Catalogue, inspection: Inspection, answers: dict[int, StoredAnswer], files: int
) -> Screen:
    item = inspection.pending_evidence
    text = t.render(
        "messages/evidence.html.j2",
        requirement=catalogue.requirement(item),
        total=catalogue.checklist_size,
        comment=answers[item].comment,
        files=files,
        answer=answers[item].answer,
    )
    rows = [[
        _button(t.plain("btn_change_answer"), ItemAction(inspection=inspection.id, item=item, action="b")),
        _button(t.plain("btn_next"), ItemAction(inspection=inspection.id, item=item, action="e")),
    ]]
    return Screen(text, InlineKeyboardMarkup(inline_keyboard=rows))


def review_screen(t: Texts, catalogue: Catalogue, view: DraftView) -> Screen:
    inspection, answers = view.inspection, view.answers
    lines = [{"number": n.number, "mark": MARKS[answers[n.number].answer] if n.number in answers else "…"}
             for n in catalogue.checklist]
    rows_of_lines = [lines[i:i + REVIEW_ROW] for i in range(0, len(lines), REVIEW_ROW)]
    complete = len(answers) == catalogue.checklist_size
    text = t.render(
        "messages/review.html.j2",
        header=inspection.header,
        rows=rows_of_lines,
        result=view.preliminary if complete else None,
    )
    keyboard = [
        [_button(f"{line['number']} {line['mark']}",
                 ItemAction(inspection=inspection.id, item=line["number"], action="g")) for line in row]
        for row in rows_of_lines
    ]
    keyboard.append([_button(t.plain("btn_header"), DraftAction(inspection=inspection.id, action="header"))])
    last_row = [_button(t.plain("btn_finish"), DraftAction(inspection=inspection.id, action="finish"))]
    if complete and any(a.answer == Answer.VIOLATED for a in answers.values()):  # remedy deadlines (issue 14)
        last_row.append(_button(t.plain("btn_deadlines"), DraftAction(inspection=inspection.id, action="deadlines")))
    keyboard.append(last_row)
    keyboard.append([_button(t.plain("btn_cancel_draft"), DraftAction(inspection=inspection.id, action="cancel"))])
    return Screen(text, InlineKeyboardMarkup(inline_keyboard=keyboard))


def header_menu_screen(t: Texts, inspection: Inspection) -> Screen:
    """The header's values with a button per field, reached from the review screen (same message)."""
    fields = (*HEADER_FIELDS, STEP_OTHER_OFFICIALS)  # several officials: "лауазымды адам(дар)"
    keyboard = [
        [_button(t.plain("step_short", step=field), DraftAction(inspection=inspection.id, action="edit", step=field))
         for field in fields[i:i + 2]]
        for i in range(0, len(fields), 2)
    ]
    keyboard.append([_button(t.plain("btn_review"), DraftAction(inspection=inspection.id, action="review"))])
    return Screen(t("header_summary", header=inspection.header), InlineKeyboardMarkup(inline_keyboard=keyboard))


def cancel_confirm_screen(t: Texts, inspection: Inspection) -> Screen:
    markup = InlineKeyboardMarkup(inline_keyboard=[[
        _button(t.plain("btn_discard"), DraftAction(inspection=inspection.id, action="discard")),
        _button(t.plain("btn_keep_draft"), DraftAction(inspection=inspection.id, action="resume")),
    ]])
    return Screen(t("cancel_confirm", name=inspection.header["subject_name"]), markup)


def location_screen(t: Texts) -> Screen:
    """The visit's location: a reply-keyboard button that asks the phone for it (request_location), and
    "skip" (a missing location never blocks the inspector)."""
    keyboard = ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=t.plain("btn_send_location"), request_location=True)],
                  [KeyboardButton(text=t.plain("btn_skip_location"))]],
        resize_keyboard=True, one_time_keyboard=True, is_persistent=False,
    )
    return Screen(t("ask_location"), keyboard)


def remove_reply_keyboard() -> ReplyKeyboardRemove:
    return ReplyKeyboardRemove(remove_keyboard=True)


def deadlines_screen(t: Texts, catalogue: Catalogue, view: DraftView) -> Screen:
    """The violated items with their remedy deadlines; the inspector types "item dd.mm.yyyy"."""
    inspection = view.inspection
    items = [{"number": a.item, "text": catalogue.requirement(a.item).text(t.lang),
              "due": ".".join(reversed(a.remedy_due.split("-"))) if a.remedy_due else None}
             for a in view.answers.values() if a.answer == Answer.VIOLATED]
    example = next((i["number"] for i in items), 1)
    markup = InlineKeyboardMarkup(inline_keyboard=[[
        _button(t.plain("btn_deadlines_back"), DraftAction(inspection=inspection.id, action="deadlines_back"))]])
    return Screen(t("deadlines_screen", items=items, example=example), markup)


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


def report_buttons(t: Texts, inspection_id: int) -> InlineKeyboardMarkup:
    """The check sheet of a finalized inspection as PDF, in Kazakh or in Russian."""
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=t.plain("btn_pdf", lang=lang),
                             callback_data=ReportAction(inspection=inspection_id, lang=lang).pack())
        for lang in ("kk", "ru")
    ]])
