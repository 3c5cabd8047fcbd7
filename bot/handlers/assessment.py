"""Other sources of the risk assessment: the six objective conditions and criteria 20-35.

/subject <BIN> <name> registers a subject not visited yet; /objective <BIN> shows the six conditions for the
nearest list's approval date and records a dated fact (/objective <BIN> <condition> <date> [count] [source]);
/findings <BIN> shows criteria 20-35 group by group and records a finding dated by its event
(/findings <BIN> <criterion> <result> <date> [source]), each kept and audited.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.db.users import User
from bot.scoring import Answer
from bot.services.assessment import AssessmentService, SubjectAssessment
from bot.services.import_rows import result_of
from bot.texts import Texts
from bot.ui import keyboards
from bot.ui.callbacks import FindingAction, ObjectiveAction
from bot.validation import Invalid, kind_of, parse_bin_iin, parse_date, parse_text

FINDING_GROUPS = (2, 3, 4, 5)  # the appendix's groups of criteria 20-35
NAME_LIMIT = 500


def _objective_screen(t: Texts, a: SubjectAssessment, assessment: AssessmentService) -> str:
    """The six conditions for the nearest list's approval date, each with the fact that decides it."""
    return t(
        "objective_screen",
        subject=a.subject,
        conditions=assessment.catalogue.objective,
        states=a.conditions,
        on=a.objective_date,
    )


NOT_MET_WORDS = {"no", "нет", "жоқ", "-"}
NOTE_LIMIT = 300


def parse_objective(args: list[str], today: date) -> tuple[int, date, bool, int | None, str | None] | str:
    """``<condition> <dd.mm.yyyy> [count | нет] [source ...]`` -> (condition, date, met, count, source), or the
    reason it is not that (a text name)."""
    if len(args) < 2 or not args[0].isdigit():
        return "objective_usage"
    occurred_on = parse_date(args[1], today=today)
    if isinstance(occurred_on, Invalid):
        return occurred_on.reason.value
    rest, met, value = args[2:], True, None
    if rest and rest[0].isdigit():
        value, rest = int(rest[0]), rest[1:]
    elif rest and rest[0].lower() in NOT_MET_WORDS:
        met, rest = False, rest[1:]
    note = parse_text(" ".join(rest), limit=NOTE_LIMIT) if rest else None
    if isinstance(note, Invalid):
        return note.reason.value
    return int(args[0]), occurred_on, met, value, note


RESULT_WORDS_MAX = 3  # the longest result phrase: "не соответствует", "сәйкес келмейді" are two words


def parse_finding(args: list[str], today: date) -> tuple[int, Answer, date, str | None] | str:
    """``<criterion> <result> <dd.mm.yyyy> [source ...]`` -> (criterion, answer, date, source), or the reason it
    is not that (a text name). The result is a word of the import's vocabulary (violated / complies, in
    Kazakh or Russian, one to three words)."""
    if len(args) < 3 or not args[0].isdigit():
        return "findings_usage"
    for width in range(min(RESULT_WORDS_MAX, len(args) - 2), 0, -1):
        code = result_of(" ".join(args[1 : 1 + width]))
        if code is not None:
            break
    else:
        return "unknown_result"
    found_on = parse_date(args[1 + width], today=today)
    if isinstance(found_on, Invalid):
        return found_on.reason.value
    rest = args[2 + width :]
    note = parse_text(" ".join(rest), limit=NOTE_LIMIT) if rest else None
    if isinstance(note, Invalid):
        return note.reason.value
    return int(args[0]), Answer(code), found_on, note


def _findings_screen(
    t: Texts,
    a: SubjectAssessment,
    group: int,
    assessment: AssessmentService,
) -> tuple[str, InlineKeyboardMarkup]:
    """A group of criteria 20-35 with each one's latest finding (result, date, source); buttons switch groups,
    a finding is recorded by the command (its date and source are part of it)."""
    catalogue = assessment.catalogue
    criteria = [c for c in catalogue.criteria.values() if c.group == group]
    severities = {s: text(t.lang) for s, text in catalogue.severities.items()}
    text = t(
        "findings_screen",
        subject=a.subject,
        group=catalogue.groups[group - 1],
        criteria=criteria,
        findings=a.findings,
        severities=severities,
    )
    return text, keyboards.finding_groups(t, a.subject.bin, FINDING_GROUPS, group)


async def _assessment_for(
    message: Message, command: CommandObject, t: Texts, assessment: AssessmentService
) -> SubjectAssessment | None:
    number = parse_bin_iin(command.args or "")
    if isinstance(number, Invalid):
        await message.answer(f"{t('invalid', reason=number.reason)}\n{t('subject_usage', command=command.command)}")
        return None
    found = await assessment.of_bin(number)
    if found is None:
        await message.answer(t("subject_unknown_register", bin=number))
    return found


async def register_subject(
    message: Message, command: CommandObject, user: User, t: Texts, assessment: AssessmentService
) -> None:
    parts = (command.args or "").split(maxsplit=1)
    number = parse_bin_iin(parts[0] if parts else "")
    name = parse_text(parts[1] if len(parts) == 2 else "", limit=NAME_LIMIT)
    problem = number if isinstance(number, Invalid) else name if isinstance(name, Invalid) else None
    if problem is not None:
        await message.answer(f"{t('invalid', reason=problem.reason, limit=problem.limit)}\n{t('subject_create_usage')}")
        return
    await assessment.register(user, number, name, kind_of(number))
    await message.answer(t("subject_created", bin=number, name=name))


async def _refuse(message: Message, t: Texts, command: str, reason: str, bin_: str) -> None:
    """A record of /objective or /findings refused: the reason, then the command's usage for this subject,
    in the person's language; nothing is written and they can send the record again."""
    problem = t(f"{command}_problem", reason=reason, limit=NOTE_LIMIT)
    await message.answer(f"{problem}\n{t(f'{command}_usage', bin=bin_)}")


async def show_objective(
    message: Message, command: CommandObject, user: User, t: Texts, assessment: AssessmentService
) -> None:
    """/objective <BIN> shows the conditions; /objective <BIN> <condition> <date> [count|нет] [source] records
    a dated fact (chapter 2 item 4) and shows them again."""
    parts = (command.args or "").split()
    found = await _assessment_for(
        message, CommandObject(command=command.command, args=parts[0] if parts else ""), t, assessment
    )
    if not found:
        return
    if len(parts) > 1:
        parsed = parse_objective(parts[1:], assessment.today())
        if isinstance(parsed, str):
            await _refuse(message, t, "objective", parsed, found.subject.bin)
            return
        condition, occurred_on, met, value, note = parsed
        problem = await assessment.set_objective(
            user, found.subject.bin, condition, met, occurred_on=occurred_on, value=value, source_note=note
        )
        if problem:
            await _refuse(message, t, "objective", problem.value, found.subject.bin)
            return
        found = await assessment.of_bin(found.subject.bin)
        await message.answer(t("recorded"))
    await message.answer(_objective_screen(t, found, assessment))


async def show_findings(
    message: Message, command: CommandObject, user: User, t: Texts, assessment: AssessmentService
) -> None:
    """/findings <BIN> shows criteria 20-35; /findings <BIN> <criterion> <result> <date> [source] records a finding
    dated by its event (chapter 3 item 7, sources 2-5) and shows the criterion's group."""
    parts = (command.args or "").split()
    found = await _assessment_for(
        message, CommandObject(command=command.command, args=parts[0] if parts else ""), t, assessment
    )
    if not found:
        return
    group = FINDING_GROUPS[0]
    if len(parts) > 1:
        parsed = parse_finding(parts[1:], assessment.today())
        if isinstance(parsed, str):
            await _refuse(message, t, "findings", parsed, found.subject.bin)
            return
        criterion, answer, found_on, note = parsed
        problem = await assessment.set_finding(
            user, found.subject.bin, criterion, answer, found_on=found_on, source_note=note
        )
        if problem:
            await _refuse(message, t, "findings", problem.value, found.subject.bin)
            return
        found = await assessment.of_bin(found.subject.bin)
        group = assessment.catalogue.criteria[criterion].group
        await message.answer(t("recorded"))
    text, markup = _findings_screen(t, found, group, assessment)
    await message.answer(text, reply_markup=markup)


async def objective_action(callback: CallbackQuery, callback_data: ObjectiveAction, t: Texts) -> None:
    """A toggle of an older screen: a fact now needs its date and source, typed as a command."""
    await callback.answer(t.plain("objective_usage", bin=callback_data.bin), show_alert=True)


async def finding_action(
    callback: CallbackQuery, callback_data: FindingAction, t: Texts, assessment: AssessmentService
) -> None:
    """A group button shows that group; a toggle of an older screen explains the command."""
    if callback_data.group not in FINDING_GROUPS:
        await callback.answer(t.plain("refusal", reason="unknown_button"))
        return
    if callback_data.criterion:  # a toggle of an older screen: a finding now needs its date and source
        await callback.answer(t.plain("findings_usage", bin=callback_data.bin), show_alert=True)
        return
    await callback.answer()
    found = await assessment.of_bin(callback_data.bin)
    if found is None:
        return
    text, markup = _findings_screen(t, found, callback_data.group, assessment)
    with suppress(TelegramBadRequest):
        await callback.message.edit_text(text, reply_markup=markup)


def build_router() -> Router:
    router = Router(name="assessment")
    router.message.register(register_subject, Command("subject"))
    router.message.register(show_objective, Command("objective"))
    router.message.register(show_findings, Command("findings"))
    router.callback_query.register(objective_action, ObjectiveAction.filter())
    router.callback_query.register(finding_action, FindingAction.filter())
    return router
