"""The check sheet: /new, /resume, /cancel, the header's text steps, the 19 items, evidence, review, finish.

Thin: parse the update, call :class:`InspectionService` (one unit of work), show the draft's screen from
the view it returned, or the refusal.

Routed by filters on the draft read with the user (``draft``, see AccessMiddleware): text reaches the
check sheet's write path only while the draft waits at a text step; at a button step other text gets a
read-only hint and a bare 12-digit number goes on to the look-up.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from datetime import UTC, datetime

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from bot.db.inspections import (
    EXTRA_FIELDS,
    HEADER_FIELDS,
    STEP_DEADLINES,
    STEP_ITEM,
    STEP_LOCATION,
    STEP_REVIEW,
    Evidence,
    Inspection,
)
from bot.db.users import User
from bot.handlers.busy import sending_file
from bot.handlers.draft_screen import DraftPresenter
from bot.handlers.lookup import BARE_NUMBER
from bot.roles import may_act_on
from bot.services.assessment import AssessmentService, indicator_to_dict
from bot.services.inspections import Done, Finished, InspectionService, Refusal, Refused, Rejected
from bot.services.proof import MAX_DOWNLOAD_BYTES, fingerprint
from bot.services.reports import ReportService
from bot.statuses import InspectionStatus
from bot.texts import LANGUAGES, Texts, texts
from bot.ui.callbacks import ANSWER_BY_ACT, DraftAct, DraftAction, ItemAct, ItemAction, ReportAction
from bot.ui.keyboards import report_buttons
from bot.ui.screens import cancel_confirm_screen, header_menu_screen, remove_reply_keyboard

log = logging.getLogger(__name__)


async def new_inspection(
    message: Message,
    command: CommandObject,
    bot: Bot,
    user: User,
    t: Texts,
    inspections: InspectionService,
    presenter: DraftPresenter,
) -> None:
    outcome = await inspections.start(user, (command.args or "").strip() or None)
    if isinstance(outcome, Refused):  # a draft is open: back to it
        await presenter.show(bot, t, outcome.view, prefix=t("draft_exists"))
        return
    prefix = (
        t("invalid", reason=outcome.invalid.reason, limit=outcome.invalid.limit)
        if isinstance(outcome, Rejected)
        else None
    )
    await presenter.show(bot, t, outcome.view, prefix=prefix)


async def resume(
    message: Message, bot: Bot, user: User, t: Texts, inspections: InspectionService, presenter: DraftPresenter
) -> None:
    view = await inspections.current(user)
    if view is None:
        await message.answer(t("refusal", reason=Refusal.NO_DRAFT))
        return
    await presenter.show(bot, t, view)


async def cancel(message: Message, t: Texts, draft: Inspection | None = None) -> None:
    if draft is None:
        await message.answer(t("refusal", reason=Refusal.NO_DRAFT))
        return
    screen = cancel_confirm_screen(t, draft)
    await message.answer(screen.text, reply_markup=screen.markup)


async def text_input(
    message: Message, bot: Bot, user: User, t: Texts, inspections: InspectionService, presenter: DraftPresenter
) -> None:
    outcome = await inspections.submit_text(user, message.text, message.message_id)
    await _after_input(bot, t, user, outcome, presenter)


async def use_buttons(
    message: Message, bot: Bot, user: User, t: Texts, inspections: InspectionService, presenter: DraftPresenter
) -> None:
    """Text while the draft waits for a button: the screen again under a hint; nothing is written."""
    view = await inspections.current(user)
    if view is None:
        raise SkipHandler  # the draft was finished or cancelled meanwhile
    await presenter.show(bot, t, view, prefix=t("refusal", reason=Refusal.USE_BUTTONS))


async def location_input(
    message: Message, bot: Bot, user: User, t: Texts, inspections: InspectionService, presenter: DraftPresenter
) -> None:
    """The phone's location (the request_location button, or 📎 → Location at any point of the draft)."""
    if message.forward_origin is not None or message.venue is not None:
        # Someone else's point, or a place picked from a list, proves nothing about where the visit is.
        await message.answer(t("location_forwarded"))
        return
    where = message.location
    outcome = await inspections.share_location(
        user, where.latitude, where.longitude, where.horizontal_accuracy, message.message_id
    )
    if isinstance(outcome, Done):
        accuracy = round(where.horizontal_accuracy) if where.horizontal_accuracy is not None else None
        await message.answer(t("location_saved", accuracy=accuracy), reply_markup=remove_reply_keyboard())
        await presenter.show(bot, t, outcome.view)
        return
    await _after_input(bot, t, user, outcome, presenter)


async def location_text(
    message: Message, bot: Bot, user: User, t: Texts, inspections: InspectionService, presenter: DraftPresenter
) -> None:
    """Text at the location step: the "skip" button (its label in either language), else a hint."""
    if message.text.strip() in {texts(lang).plain("btn_skip_location") for lang in LANGUAGES}:
        outcome = await inspections.skip_location(user, message.message_id)
        if isinstance(outcome, Done):
            await message.answer(t("location_skipped"), reply_markup=remove_reply_keyboard())
            await presenter.show(bot, t, outcome.view)
            return
        await _after_input(bot, t, user, outcome, presenter)
        return
    view = await inspections.current(user)
    if view is None:
        raise SkipHandler
    await presenter.show(bot, t, view, prefix=t("location_use_buttons"))


def at_location_step(_: Message, draft: Inspection | None = None) -> bool:
    return draft is not None and draft.step == STEP_LOCATION


def at_text_step(draft: Inspection | None) -> bool:
    """The draft waits for typed text: a header field, or a comment on a violated item (or the reason of
    a "not applicable")."""
    return draft is not None and (
        draft.step in HEADER_FIELDS
        or draft.step in EXTRA_FIELDS
        or draft.step == STEP_DEADLINES
        or (draft.step == STEP_ITEM and draft.pending_evidence is not None)
    )


def at_button_step(message: Message, draft: Inspection | None = None) -> bool:
    """The draft waits for a button, and the text is not a bare BIN/IIN (that one goes to the look-up)."""
    return draft is not None and not at_text_step(draft) and not BARE_NUMBER.match(message.text or "")


def waits_for_text(_: Message, draft: Inspection | None = None) -> bool:
    return at_text_step(draft)


async def evidence_input(
    message: Message,
    bot: Bot,
    user: User,
    t: Texts,
    inspections: InspectionService,
    presenter: DraftPresenter,
    draft: Inspection | None = None,
) -> None:
    received_at = datetime.now(UTC).isoformat(timespec="seconds")
    file = (
        message.photo[-1]
        if message.photo
        # the largest size of a photo
        # a document, or a video or voice recording from the field: kept as a file with its type
        else (message.document or message.video or message.audio or message.voice or message.video_note)
    )
    # Fingerprinted on arrival (SHA-256 of the bytes getFile gives), only when it will be kept: a draft
    # waits for evidence and the file is within the Bot API's download limit (else the service refuses).
    print_ = None
    if draft is not None and draft.pending_evidence is not None and (file.file_size or 0) <= MAX_DOWNLOAD_BYTES:
        print_ = await fingerprint(bot, file.file_id)
    size = print_.size if print_ else file.file_size
    sha256 = print_.sha256 if print_ else None
    if message.photo:
        ev = Evidence(
            0,
            "photo",
            file.file_id,
            file.file_unique_id,
            size,
            None,
            "image/jpeg",
            message.media_group_id,
            received_at,
            sha256,
        )
    else:
        name = getattr(file, "file_name", None) or f"{message.content_type}-{message.message_id}"
        ev = Evidence(
            0,
            "document",
            file.file_id,
            file.file_unique_id,
            size,
            name,
            getattr(file, "mime_type", None),
            message.media_group_id,
            received_at,
            sha256,
        )
    outcome = await inspections.add_evidence(user, ev, message.message_id, caption=message.caption)
    if isinstance(outcome, Done) and outcome.notice == "album_more":
        return  # one screen per album, not one per photo
    await _after_input(bot, t, user, outcome, presenter)


async def _after_input(bot: Bot, t: Texts, user: User, outcome: object, presenter: DraftPresenter) -> None:
    if isinstance(outcome, Refused):
        if outcome.reason is Refusal.NO_DRAFT:
            raise SkipHandler  # not about a check sheet: the look-up and fallback routers decide
        if outcome.reason is Refusal.ALREADY:
            return  # a redelivered update
        await presenter.show(bot, t, outcome.view, prefix=t("refusal", reason=outcome.reason))
    elif isinstance(outcome, Rejected):
        prefix = t("invalid", reason=outcome.invalid.reason, limit=outcome.invalid.limit)
        await presenter.show(bot, t, outcome.view, prefix=prefix)
    elif isinstance(outcome, Done):
        prefix = t("notice", name=outcome.notice) if outcome.notice else None
        await presenter.show(bot, t, outcome.view, prefix=prefix)


async def item_action(
    callback: CallbackQuery,
    callback_data: ItemAction,
    bot: Bot,
    user: User,
    t: Texts,
    inspections: InspectionService,
    presenter: DraftPresenter,
) -> None:
    message_id = callback.message.message_id if callback.message else 0
    inspection_id, item, action = callback_data.inspection, callback_data.item, callback_data.action
    if action in ANSWER_BY_ACT:
        outcome = await inspections.answer(user, inspection_id, item, ANSWER_BY_ACT[action], message_id)
    elif action is ItemAct.EVIDENCE_DONE:
        outcome = await inspections.evidence_done(user, inspection_id, item, message_id)
    elif action is ItemAct.BACK:
        outcome = await inspections.back(user, inspection_id, item, message_id)
    elif action is ItemAct.TO_REVIEW:
        outcome = await inspections.show_review(user, inspection_id, message_id)
    else:  # ItemAct.GO_TO: an unknown code never parses (bot/ui/callbacks.py)
        outcome = await inspections.go_to(user, inspection_id, item, message_id)
    await _after_button(callback, bot, t, user, outcome, presenter)


async def _after_button(
    callback: CallbackQuery, bot: Bot, t: Texts, user: User, outcome: object, presenter: DraftPresenter
) -> None:
    if isinstance(outcome, Refused):
        await callback.answer(
            t.plain("refusal", reason=outcome.reason),
            show_alert=outcome.reason in (Refusal.NOT_YOURS, Refusal.INCOMPLETE),
        )
        return
    await callback.answer()
    await presenter.show(bot, t, outcome.view, edit_message_id=callback.message.message_id)


async def draft_action(
    callback: CallbackQuery,
    callback_data: DraftAction,
    bot: Bot,
    user: User,
    t: Texts,
    inspections: InspectionService,
    presenter: DraftPresenter,
    reports: ReportService,
    assessment: AssessmentService,
) -> None:
    action, inspection_id = callback_data.action, callback_data.inspection
    message_id = callback.message.message_id if callback.message else 0
    if action is DraftAct.KEEP:
        outcome = await inspections.keep_suggestion(user, inspection_id, callback_data.step)
        await _after_button(callback, bot, t, user, outcome, presenter)
    elif action is DraftAct.BACK:
        outcome = await inspections.back_header(user, inspection_id, callback_data.step, message_id)
        await _after_button(callback, bot, t, user, outcome, presenter)
    elif action is DraftAct.TODAY:
        outcome = await inspections.act_date_today(user, inspection_id, message_id)
        await _after_button(callback, bot, t, user, outcome, presenter)
    elif action is DraftAct.EDIT:
        outcome = await inspections.edit_header(user, inspection_id, callback_data.step, message_id)
        await _after_button(callback, bot, t, user, outcome, presenter)
    elif action in (DraftAct.DEADLINES, DraftAct.DEADLINES_BACK):
        outcome = await inspections.deadlines(user, inspection_id, message_id, open_=action is DraftAct.DEADLINES)
        await _after_button(callback, bot, t, user, outcome, presenter)
    elif action in (DraftAct.HEADER, DraftAct.REVIEW):
        await _header_menu(callback, bot, t, user, inspection_id, action, inspections, presenter)
    elif action is DraftAct.CANCEL:
        inspection = await inspections.get(inspection_id)
        if inspection is None or inspection.inspector_id != user.telegram_id or not inspection.is_draft:
            reason = (
                Refusal.NOT_YOURS if inspection and inspection.inspector_id != user.telegram_id else Refusal.NO_DRAFT
            )
            await callback.answer(t.plain("refusal", reason=reason), show_alert=True)
            return
        await callback.answer()
        screen = cancel_confirm_screen(t, inspection)
        await callback.message.answer(screen.text, reply_markup=screen.markup)
    elif action is DraftAct.DISCARD:
        outcome = await inspections.cancel(user, inspection_id)
        if isinstance(outcome, Refused):
            await callback.answer(t.plain("refusal", reason=outcome.reason), show_alert=True)
            return
        await callback.answer()
        if outcome.inspection.step == STEP_LOCATION:
            # The location step's request_location keyboard stays under the text field until a new message
            # takes it away (an edit cannot): the outcome comes as a new message, the question loses its buttons.
            with suppress(TelegramBadRequest):
                await callback.message.edit_reply_markup(reply_markup=None)
            await bot.send_message(user.telegram_id, t("cancelled"), reply_markup=remove_reply_keyboard())
        else:
            await _retire(callback, t("cancelled"))
        if outcome.inspection.message_id:
            with suppress(TelegramBadRequest):
                await bot.edit_message_reply_markup(
                    chat_id=user.telegram_id, message_id=outcome.inspection.message_id, reply_markup=None
                )
    elif action is DraftAct.RESUME:
        await callback.answer()
        view = await inspections.current(user)
        await _retire(callback, t("kept") if view else t("refusal", reason=Refusal.NO_DRAFT))
        if view:
            await presenter.show(bot, t, view)
    else:  # DraftAct.FINISH: an unknown code never parses (bot/ui/callbacks.py)
        outcome = await inspections.finish(user, inspection_id, message_id)
        if isinstance(outcome, Refused):
            await callback.answer(
                t.plain("refusal", reason=outcome.reason), show_alert=outcome.reason is not Refusal.ALREADY
            )
            return
        await callback.answer()
        await _finished(callback, bot, t, user, outcome, reports, assessment)


async def _header_menu(
    callback: CallbackQuery,
    bot: Bot,
    t: Texts,
    user: User,
    inspection_id: int,
    action: DraftAct,
    inspections: InspectionService,
    presenter: DraftPresenter,
) -> None:
    """Switch the review message between the answers and the header's fields (no state is stored)."""
    view = await inspections.current(user)  # one read: a button's update comes without the draft (AccessMiddleware)
    draft = view.inspection if view is not None else None
    on_screen = draft is not None and draft.id == inspection_id and draft.message_id == callback.message.message_id
    if not on_screen or draft.step != STEP_REVIEW:
        await callback.answer(t.plain("refusal", reason=Refusal.STALE))
        return
    await callback.answer()
    if action is DraftAct.REVIEW:
        await presenter.show(bot, t, view, edit_message_id=callback.message.message_id)
        return
    screen = header_menu_screen(t, draft)
    with suppress(TelegramBadRequest):
        await callback.message.edit_text(screen.text, reply_markup=screen.markup)


async def _retire(callback: CallbackQuery, text: str) -> None:
    """Replace a one-off question (e.g. the cancel confirmation) with its outcome, buttons gone."""
    if isinstance(callback.message, Message):
        try:
            await callback.message.edit_text(text, reply_markup=None)
        except TelegramBadRequest:
            await callback.message.answer(text)


async def _finished(
    callback: CallbackQuery,
    bot: Bot,
    t: Texts,
    user: User,
    finished: Finished,
    reports: ReportService,
    assessment: AssessmentService,
) -> None:
    inspection = finished.inspection
    await _retire(callback, t("finished_short", indicator=inspection.indicator))
    # This sheet's result over its 19 items, then the subject's indicator over all 35 criteria after it.
    after = await assessment.of_bin(inspection.header["subject_bin"])
    summary = reports.summary(t, inspection)
    if after is not None:
        severities = {s.value: text(t.lang) for s, text in assessment.catalogue.severities.items()}
        subject_text = t(
            "card_risk",
            objective_met=after.objective_met,
            objective_known=bool(after.objective),
            objective_date=after.objective_date,
            ind=indicator_to_dict(after.indicator, assessment.catalogue),
            severities=severities,
        )
        summary = f"{summary}\n\n{t('subject_after')}\n{subject_text}"
    await bot.send_message(user.telegram_id, summary, reply_markup=report_buttons(t, inspection.id))
    await _send_pdf(bot, t, user, inspection.id, t.lang, reports)


async def _send_pdf(bot: Bot, t: Texts, user: User, inspection_id: int, lang: str, reports: ReportService) -> None:
    # "Sending a file…" shows while the photos download and a worker process renders (never silent for
    # more than a second); repeated every 4 s, as Telegram shows one for 5 s at most.
    async with sending_file(bot, user.telegram_id):
        try:
            document = await reports.check_sheet(bot, inspection_id, lang)
        except Exception:  # a worker died twice, a broken template...: the person is told, the bot goes on
            log.exception("the check sheet PDF of inspection %s failed", inspection_id)
            await bot.send_message(user.telegram_id, t("pdf_failed"))
            return
        await bot.send_document(
            user.telegram_id,
            BufferedInputFile(document.data, filename=document.file_name),
            caption=texts(lang)("pdf_caption", name=document.subject_name),
        )


async def report_again(
    callback: CallbackQuery,
    callback_data: ReportAction,
    bot: Bot,
    user: User,
    t: Texts,
    inspections: InspectionService,
    reports: ReportService,
) -> None:
    inspection = await inspections.get(callback_data.inspection)
    if inspection is None or not may_act_on(user.role, user.telegram_id, inspection.inspector_id):
        await callback.answer(t.plain("refusal", reason=Refusal.NOT_YOURS), show_alert=True)
        return
    if inspection.status is not InspectionStatus.FINALIZED:
        await callback.answer(t.plain("refusal", reason=Refusal.NOT_FINALIZED), show_alert=True)
        return
    await callback.answer()
    await _send_pdf(bot, t, user, inspection.id, callback_data.lang, reports)


def build_router() -> Router:
    """A fresh router (a router joins one dispatcher only): handlers in the order they are tried.

    Nearly every update is an inspector's answer, text or tap, so the dispatcher tries this router first.
    Nothing here takes a file: evidence has a router of its own (:func:`build_evidence_router`), tried after
    the routers that take a spreadsheet for /import or a PDF for /verify.
    """
    router = Router(name="inspection")
    router.message.register(new_inspection, Command("new"))
    router.message.register(resume, Command("resume"))
    router.message.register(cancel, Command("cancel"))
    router.message.register(location_text, F.text & ~F.text.startswith("/"), at_location_step)
    router.message.register(text_input, F.text & ~F.text.startswith("/"), waits_for_text)
    router.message.register(use_buttons, F.text & ~F.text.startswith("/"), at_button_step)
    router.message.register(location_input, F.location)
    router.callback_query.register(item_action, ItemAction.filter())
    router.callback_query.register(draft_action, DraftAction.filter())
    router.callback_query.register(report_again, ReportAction.filter())
    return router


def build_evidence_router() -> Router:
    """Photos and files for the item whose evidence screen is open: after /verify's and /import's routers,
    since a PDF sent to /verify or a spreadsheet sent to /import is no evidence."""
    router = Router(name="inspection.evidence")
    router.message.register(evidence_input, F.photo | F.document | F.video | F.audio | F.voice | F.video_note)
    return router
