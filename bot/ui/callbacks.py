"""Typed callback data: aiogram packs, parses and checks them against the 64-byte limit."""

from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from bot.scoring import Answer

# An answer in one letter inside callback data (which Telegram limits to 64 bytes).
ANSWER_BY_CODE = {"c": Answer.COMPLIES, "v": Answer.VIOLATED, "n": Answer.NOT_APPLICABLE}
CODE_BY_ANSWER = {answer: code for code, answer in ANSWER_BY_CODE.items()}

# A number in callback data fits SQLite's INTEGER and is never negative: a forged "i:99999999999999999999:1:g"
# fails to parse (the button is then unknown) instead of failing in the database.
Number = Annotated[int, Field(ge=0, le=2**63 - 1)]


class ItemAction(CallbackData, prefix="i"):
    """A button of an item screen, evidence screen or review screen.

    action: c / v / n (answer complies / violated / not applicable), b (back), e (evidence done),
    r (to the review), g (go to this item from the review).
    """

    inspection: Number
    item: Number
    action: str


class DraftAction(CallbackData, prefix="d"):
    """A button about the whole draft. action: keep (a prefilled header value), back (to the header step
    before ``step``), today (the act date), finish, cancel, discard, resume."""

    inspection: Number
    action: str
    step: str = ""


class ReportAction(CallbackData, prefix="p"):
    """Send the check sheet of a finalized inspection as PDF in a language."""

    inspection: Number
    lang: str


class LanguageAction(CallbackData, prefix="l"):
    lang: str


class PlanAction(CallbackData, prefix="v"):
    """A visit list's button. action: show, approve, csv."""

    year: Number
    half: Number
    action: str


class ObjectiveAction(CallbackData, prefix="o"):
    """Mark an objective condition met (1) or not met (0) for the subject with this IIN/BIN."""

    bin: str
    condition: Number
    met: Number


class FindingAction(CallbackData, prefix="f"):
    """Record a criterion 20-35 as c / v / n for the subject; criterion 0 only shows the group."""

    bin: str
    group: Number
    criterion: Number = 0
    answer: str = ""


class RemedyAction(CallbackData, prefix="r"):
    """"Remedied" on a remedy-deadline reminder (issue 14 item 4)."""

    remedy: int
