"""A subject's score in seconds from its IIN/BIN: /bin <number>, or the 12 digits alone."""

from __future__ import annotations

import re
from collections.abc import Sequence

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.db.imports import ImportSource
from bot.limits import MAX_MESSAGE_TEXT
from bot.services.assessment import AssessmentService, SubjectAssessment
from bot.services.follow_up import FollowUpService
from bot.services.importing import ImportService
from bot.services.reports import ReportService
from bot.texts import Texts
from bot.ui.keyboards import report_buttons
from bot.validation import Invalid, parse_bin_iin

# A bare BIN/IIN typed alone (spaces and dashes allowed): the look-up, unless a draft waits for a text.
BARE_NUMBER = re.compile(r"^\s*\d[\d\s-]{10,16}\s*$")


async def _show_card(
    message: Message,
    raw: str,
    t: Texts,
    assessment: AssessmentService,
    reports: ReportService,
    imports: ImportService,
    follow_up: FollowUpService,
) -> None:
    number = parse_bin_iin(raw)
    if isinstance(number, Invalid):
        await message.answer(f"{t('invalid', reason=number.reason)}\n{t('lookup_usage')}")
        return
    found = await assessment.of_bin(number)
    if found is None:
        await message.answer(t("subject_unknown", bin=number))
        return
    # The latest check sheet's PDF, for its inspector and for supervisors and admins (the handler checks).
    markup = report_buttons(t, found.history[0].id) if found.history else None
    sources = await imports.sources(number) if found.findings or found.objective else []
    remedies = await follow_up.open_items(number)
    tail = None
    if remedies:  # the open items of the follow-up on violations (issue 14 item 4)
        items = [
            {
                "id": r.id,
                "item": r.item,
                "sheet": r.inspection_id,
                "due": ".".join(reversed(r.due_on.split("-"))),
                "overdue": r.due_on < assessment.today().isoformat(),
            }
            for r in remedies
        ]
        tail = t("card_open_remedies", items=items)
    await message.answer(fitted_card(t, found, reports, sources, tail), reply_markup=markup)


def fitted_card(
    t: Texts,
    found: SubjectAssessment,
    reports: ReportService,
    sources: Sequence[ImportSource] = (),
    tail: str | None = None,
) -> str:
    """The card (with ``tail`` below it) within one message: when it is too long, the PDFs' SHA-256 lines
    of the oldest history entries are left out first (/verify still finds those sheets by their files)."""
    text = ""
    for hashed in range(len(found.history), -1, -1):
        text = card_text(t, found, reports, sources, hashed=hashed)
        if tail:
            text = t("joined", first=text, second=tail)
        if len(text) <= MAX_MESSAGE_TEXT:
            break
    return text


def card_text(
    t: Texts,
    found: SubjectAssessment,
    reports: ReportService,
    sources: Sequence[ImportSource] = (),
    hashed: int | None = None,
) -> str:
    """The subject's card (the look-up's and the inline look-up's message); ``hashed``: how many of the
    newest history entries show their PDFs' SHA-256 (all when None)."""
    history = [
        {
            "date": p.finalized_at,
            "indicator": p.indicator,
            "risk_class": p.risk_class,
            "gross_rule_fired": p.gross_rule_fired,
            "act_number": p.act_number,
            "pdfs": p.pdfs if hashed is None or index < hashed else (),
        }
        for index, p in enumerate(found.history)
    ]
    card = t("subject_card", subject=found.subject, history=history, latest=history[0] if history else None)
    severities = {key: text(t.lang) for key, text in found.view["severity_names"].items()}
    risk = t(
        "card_risk",
        objective_met=found.objective_met,
        objective_known=bool(found.objective),
        objective_date=found.objective_date,
        ind=found.view,
        severities=severities,
    )
    if sources:  # the spreadsheets and rows its imported records came from
        risk = t("card_import_sources", risk=risk, sources=sources)
    return t("joined", first=card, second=risk)


async def lookup_command(
    message: Message,
    command: CommandObject,
    t: Texts,
    assessment: AssessmentService,
    reports: ReportService,
    imports: ImportService,
    follow_up: FollowUpService,
) -> None:
    if not command.args:
        await message.answer(t("lookup_usage"))
        return
    await _show_card(message, command.args, t, assessment, reports, imports, follow_up)


async def lookup_digits(
    message: Message,
    t: Texts,
    assessment: AssessmentService,
    reports: ReportService,
    imports: ImportService,
    follow_up: FollowUpService,
) -> None:
    await _show_card(message, message.text, t, assessment, reports, imports, follow_up)


def build_router() -> Router:
    """A fresh router (a router joins one dispatcher only): handlers in the order they are tried."""
    router = Router(name="lookup")
    router.message.register(lookup_command, Command("bin"))
    router.message.register(lookup_digits, F.text.regexp(BARE_NUMBER))
    return router
