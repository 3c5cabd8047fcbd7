"""/plan: the half-year visit lists for supervisors and admins (chapter 4 of Annex 1).

Only PLANNERS reach these handlers, and only APPROVERS the approval (bot/roles.py, chapter 4 item 11); the
routers are filtered, and a refusal router after them tells the others why not.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message

from bot.db.users import User
from bot.db.visit_lists import VisitList
from bot.handlers.busy import sending_file
from bot.handlers.filters import refuse_button, refuse_message, restricted
from bot.limits import MAX_MESSAGE_TEXT
from bot.planning import Candidate, ListPeriod
from bot.roles import APPROVERS, PLANNERS
from bot.services.exports import ExportService
from bot.services.planning import PlanningService
from bot.services.reports import ReportService
from bot.texts import Texts
from bot.ui import keyboards
from bot.ui.callbacks import PlanAct, PlanAction

SHOWN_ENTRIES = 30  # a message holds 4096 characters; the CSV has them all
SHOWN_LEFT_OUT = 20


def _screen(
    t: Texts,
    user: User,
    visit_list: VisitList,
    lacking: list[Candidate],
    periods: list[ListPeriod],
    planning: PlanningService,
    reports: ReportService,
) -> tuple[str, InlineKeyboardMarkup]:
    shown, shown_out = SHOWN_ENTRIES, SHOWN_LEFT_OUT
    while True:  # a message holds 4096 characters: fewer lines until it fits (the CSV has them all)
        text = t(
            "visit_list",
            l=visit_list,
            days_left=(visit_list.deadline - planning.today()).days,
            shown=visit_list.entries[:shown],
            approved_at=visit_list.approved_at,
        )
        if visit_list.left_out:
            text = f"{text}\n\n{t('left_out', items=visit_list.left_out, shown=shown_out)}"
        # The subjects lacking an objective condition are among those left out, each with the hint.
        if len(text) <= MAX_MESSAGE_TEXT or (shown <= 1 and shown_out <= 1):
            break
        shown, shown_out = max(1, shown - 5), max(1, shown_out - 3)
    year, half = visit_list.year, visit_list.half
    others = [p for p in periods if (p.year, p.half) != (year, half)]
    return text, keyboards.visit_list(
        t, year, half, may_approve=not visit_list.approved and user.role in APPROVERS, others=others
    )


async def show_plan(message: Message, user: User, t: Texts, planning: PlanningService, reports: ReportService) -> None:
    periods = await planning.open_periods()
    visit_list, lacking = await planning.current_with_gaps(periods[0], user)
    text, markup = _screen(t, user, visit_list, lacking, periods, planning, reports)
    await message.answer(text, reply_markup=markup)


async def plan_action(
    callback: CallbackQuery,
    callback_data: PlanAction,
    user: User,
    t: Texts,
    planning: PlanningService,
    reports: ReportService,
    exports: ExportService,
) -> None:
    periods = await planning.open_periods()
    period = next((p for p in periods if (p.year, p.half) == (callback_data.year, callback_data.half)), None)
    if callback_data.action in (PlanAct.CSV, PlanAct.XLSX):
        await callback.answer()
        visit_list = await planning.stored(callback_data.year, callback_data.half)
        if visit_list is None:
            return
        # The XLSX is the layout a head signs (bot/services/exports.py); the CSV stays for who asks for it.
        async with sending_file(callback.bot, callback.from_user.id):
            data = await exports.visit_list(t, visit_list, as_csv=callback_data.action is PlanAct.CSV)
            name = f"visit-list-{visit_list.year}-H{visit_list.half}.{callback_data.action.value}"
            await callback.message.answer_document(
                BufferedInputFile(data, filename=name),
                caption=t("list_csv_caption", year=visit_list.year, half=visit_list.half),
            )
        return
    else:  # PlanAct.SHOW
        if period is None:
            await callback.answer(t.plain("refusal", reason="unknown_button"))
            return
        await callback.answer()
        visit_list, lacking = await planning.current_with_gaps(period, user)
    await _redraw(callback, t, user, visit_list, lacking, periods, planning, reports)


async def approve(
    callback: CallbackQuery,
    callback_data: PlanAction,
    user: User,
    t: Texts,
    planning: PlanningService,
    reports: ReportService,
) -> None:
    """The head (or whoever acts for them) approves the list (item 11); a second tap is told it is done."""
    approved = await planning.approve(user, callback_data.year, callback_data.half)
    if approved is None:
        await callback.answer(t.plain("list_not_draft"), show_alert=True)
        return
    await callback.answer(t.plain("list_approved"))
    await _redraw(callback, t, user, approved, [], await planning.open_periods(), planning, reports)


async def _redraw(
    callback: CallbackQuery,
    t: Texts,
    user: User,
    visit_list: VisitList,
    lacking: list[Candidate],
    periods: list[ListPeriod],
    planning: PlanningService,
    reports: ReportService,
) -> None:
    text, markup = _screen(t, user, visit_list, lacking, periods, planning, reports)
    try:
        await callback.message.edit_text(text, reply_markup=markup)
    except TelegramBadRequest as exc:
        if "not modified" not in exc.message:
            raise


async def show_deadlines(message: Message, user: User, t: Texts, planning: PlanningService) -> None:
    """The next two deadlines and where their lists stand."""
    states = await planning.deadlines()
    await message.answer(
        t("deadlines", states=states, muted=await planning.is_muted(user), dates=[s.period.deadline for s in states])
    )


async def toggle_mute(message: Message, user: User, t: Texts, planning: PlanningService) -> None:
    """/mute: reminders off; /mute again: on."""
    muted = not await planning.is_muted(user)
    await planning.mute(user, muted)
    await message.answer(t("reminders_muted" if muted else "reminders_unmuted"))


PLAN_COMMANDS = ("plan", "deadlines", "mute")


def build_router() -> Router:
    """Planners' handlers, the approvers' among them, then the refusals for everyone else."""
    approvers = restricted("planning.approvers", APPROVERS)
    approvers.callback_query.register(approve, PlanAction.filter(F.action == PlanAct.APPROVE))
    not_approvers = Router(name="planning.not_approvers")
    not_approvers.callback_query.register(
        refuse_button("refusal", reason="forbidden_approval"), PlanAction.filter(F.action == PlanAct.APPROVE)
    )
    planners = restricted("planning.planners", PLANNERS)
    planners.message.register(show_plan, Command("plan"))
    planners.message.register(show_deadlines, Command("deadlines"))
    planners.message.register(toggle_mute, Command("mute"))
    planners.callback_query.register(plan_action, PlanAction.filter(F.action != PlanAct.APPROVE))
    planners.include_routers(approvers, not_approvers)
    refused = Router(name="planning.refused")
    refused.message.register(refuse_message("refusal", reason="forbidden_planning"), Command(*PLAN_COMMANDS))
    refused.callback_query.register(refuse_button("refusal", reason="forbidden_planning"), PlanAction.filter())
    router = Router(name="planning")
    router.include_routers(planners, refused)
    return router
