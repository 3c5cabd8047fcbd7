"""Typed callback data: aiogram packs, parses and checks them against the 64-byte limit.

Every button's action is a member of a closed set (a ``StrEnum`` whose values are the short codes that
travel in the callback data, kept as they were so that buttons already on people's screens still parse).
A code that is not a member fails pydantic's validation while aiogram parses the data: the filter does not
match, no handler of that kind runs, and the press reaches the fallback's "this button is outdated"
(bot/handlers/fallback.py). Handlers filter with ``X.filter(F.action == XAct.MEMBER)`` or compare members.
"""

from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import MAX_CALLBACK_LENGTH, CallbackData
from pydantic import AfterValidator, Field

from bot.scoring import Answer
from bot.tables.kinds import TableKind
from bot.texts import LANGUAGES

# A number in callback data fits SQLite's INTEGER and is never negative: a forged "i:99999999999999999999:1:g"
# fails to parse (the button is then unknown) instead of failing in the database.
NUMBER_MAX = 2**63 - 1
Number = Annotated[int, Field(ge=0, le=NUMBER_MAX)]


def _known_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"no language {lang!r}")
    return lang


# A language of the bot's texts ("kk", "ru"): another code is an unknown button.
Language = Annotated[str, AfterValidator(_known_language)]


class ItemAct(StrEnum):
    """A button of an item screen, evidence screen or review screen (one letter: 64 bytes are tight)."""

    COMPLIES = "c"  # answer the item: complies
    VIOLATED = "v"  # answer the item: violated
    NOT_APPLICABLE = "n"  # answer the item: not applicable (conditional duties only)
    BACK = "b"  # to the item before, or from the evidence screen back to the answer
    EVIDENCE_DONE = "e"  # the evidence of a violated item is complete: next item
    TO_REVIEW = "r"  # to the review screen
    GO_TO = "g"  # from the review: to this item


# An answer in one letter inside callback data.
ANSWER_BY_ACT = {
    ItemAct.COMPLIES: Answer.COMPLIES,
    ItemAct.VIOLATED: Answer.VIOLATED,
    ItemAct.NOT_APPLICABLE: Answer.NOT_APPLICABLE,
}
ACT_BY_ANSWER = {answer: act for act, answer in ANSWER_BY_ACT.items()}


class ItemAction(CallbackData, prefix="i"):
    inspection: Number
    item: Number
    action: ItemAct

    @classmethod
    def data(cls, inspection: int, item: int, action: ItemAct) -> str:
        """``ItemAction(inspection=..., item=..., action=...).pack()``, the same string, without making and
        dumping the model: every screen of the check sheet packs three to five of them at every tap."""
        return _packed(cls, _number(inspection), _number(item), action.value)


class DraftAct(StrEnum):
    """A button about the whole draft."""

    KEEP = "keep"  # keep the prefilled value of the header step ``step``
    BACK = "back"  # to the header step before ``step``
    TODAY = "today"  # today as the act date
    EDIT = "edit"  # from the header menu: correct the header step ``step``
    HEADER = "header"  # the review message shows the header's fields
    REVIEW = "review"  # the review message shows the answers again
    DEADLINES = "deadlines"  # to the remedy deadlines of the violated items
    DEADLINES_BACK = "deadlines_back"  # from the remedy deadlines back to the review
    FINISH = "finish"
    CANCEL = "cancel"  # asks to confirm
    DISCARD = "discard"  # the confirmation: delete the draft
    RESUME = "resume"  # keep the draft and show its step


class DraftAction(CallbackData, prefix="d"):
    inspection: Number
    action: DraftAct
    step: str = ""

    @classmethod
    def data(cls, inspection: int, action: DraftAct, step: str = "") -> str:
        """``DraftAction(...).pack()``, the same string, without the model (see :meth:`ItemAction.data`)."""
        return _packed(cls, _number(inspection), action.value, step)


def _number(value: int) -> str:
    """A ``Number`` as aiogram packs it, refused as its validation would refuse it."""
    if type(value) is not int or not 0 <= value <= NUMBER_MAX:
        raise ValueError(f"not a number of callback data: {value!r}")
    return str(value)


def _packed(kind: type[CallbackData], *values: str) -> str:
    """The fields joined as ``CallbackData.pack`` joins them (the class's prefix and separator), with its two
    refusals: the separator inside a value, and more than Telegram's 64 bytes."""
    separator = kind.__separator__
    if any(separator in value for value in values):
        raise ValueError(f"the separator {separator!r} in callback data values {values!r}")
    packed = separator.join((kind.__prefix__, *values))
    if len(packed.encode()) > MAX_CALLBACK_LENGTH:
        raise ValueError(f"callback data over {MAX_CALLBACK_LENGTH} bytes: {packed!r}")
    return packed


class ReportAction(CallbackData, prefix="p"):
    """Send the check sheet of a finalized inspection as PDF in a language."""

    inspection: Number
    lang: Language


class LanguageAction(CallbackData, prefix="l"):
    lang: Language


class PlanAct(StrEnum):
    """A visit list's button."""

    SHOW = "show"  # show the list of this half-year
    APPROVE = "approve"  # the head approves the list
    XLSX = "xlsx"  # the list as XLSX, the layout a head signs
    CSV = "csv"  # the list as CSV


class PlanAction(CallbackData, prefix="v"):
    year: Number
    half: Number
    action: PlanAct


class ObjectiveAction(CallbackData, prefix="o"):
    """Mark an objective condition met (1) or not met (0) for the subject with this IIN/BIN (older screens:
    a fact now needs its date and source, and the button explains the command)."""

    bin: str
    condition: Number
    met: Number


class FindingAnswer(StrEnum):
    """A finding's result on an older screen's toggle of criteria 20-35."""

    COMPLIES = "c"
    VIOLATED = "v"
    NOT_APPLICABLE = "n"


class FindingAction(CallbackData, prefix="f"):
    """Show a group of criteria 20-35 (criterion 0, no answer); an older screen's toggle recorded ``answer``
    for ``criterion`` and now explains the command."""

    bin: str
    group: Number
    criterion: Number = 0
    answer: FindingAnswer | None = None  # packed as "" when absent


class RemedyAction(CallbackData, prefix="r"):
    """ "Remedied" on a remedy-deadline reminder (issue 14 item 4)."""

    remedy: Number


class ImportAct(StrEnum):
    """A button of /import."""

    TEMPLATE = "template"  # send the empty template of ``kind``
    APPLY = "apply"  # apply the pending import ``import_id``
    CANCEL = "cancel"  # drop the pending import ``import_id``


class ImportAction(CallbackData, prefix="im"):
    action: ImportAct
    import_id: Number = 0  # 0..2^63-1: a forged id too big for SQLite is an unknown button
    kind: TableKind | None = None  # packed as "" when absent
