"""The check-sheet conversation as rules on the stored draft.

The draft in the database is the truth: every method reads it inside one transaction, checks that the
action fits its current state (whose inspection, which item, which message) and changes it atomically.
A double tap, a redelivered update, a button on an old message or another user's button therefore
changes nothing and comes back as a :class:`Refused` with the reason.

One unit of work per update: each public method is ONE synchronous ``_..._work`` method below, given the
repositories of one connection (``r: Repos``, bot/db/repos.py) and run in
one transaction by :meth:`Database.run` (or :meth:`Database.read` for reads; see there where it runs).
It does every read and write of the update and returns, with its outcome, a :class:`DraftView`: all the
screen needs (the draft, its answers, the evidence count, the suggestion, the preliminary result), so
``bot/ui`` renders it without another query or any scoring.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from bot.catalogue import Catalogue
from bot.db.database import Database
from bot.db.inspections import (
    EXTRA_FIELDS,
    HEADER_FIELDS,
    STEP_DEADLINES,
    STEP_ITEM,
    STEP_LOCATION,
    STEP_OTHER_OFFICIALS,
    STEP_REPEAT_REASON,
    STEP_REVIEW,
    AnswerChange,
    Evidence,
    Inspection,
    StoredAnswer,
)
from bot.db.remedies import Remedy
from bot.db.repos import Repos
from bot.db.users import User
from bot.geo import valid_point
from bot.limits import BOT_DOWNLOAD_LIMIT_BYTES, EVIDENCE_PER_ITEM
from bot.scoring import Answer, RiskResult, assess
from bot.scoring.engine import display
from bot.statuses import InspectionStatus
from bot.texts import local_date
from bot.validation import (
    Invalid,
    Rejection,
    kind_of,
    parse_bin_iin,
    parse_date,
    parse_remedy_deadline,
    parse_text,
)

# Limits of the header fields (characters). Telegram allows 4096 per message; a printed form does not.
FIELD_LIMITS = {
    "subject_name": 500,
    "subject_address": 500,
    "state_body": 500,
    "appointing_body": 500,
    "act_number": 50,
    "inspector_name": 200,
    "inspector_position": 200,
    "repeat_visit_reason": 500,
}
COMMENT_LIMIT = 2000
# A remedy deadline is a date after today and within a year of it (our reading: the order sets no term for
# remedying a violation found by preventive control; a year keeps a typo such as 2072 out).
REMEDY_WITHIN_DAYS = 366


class Refusal(StrEnum):
    NO_DRAFT = "no_draft"  # no draft in progress (never started, finished or cancelled)
    NOT_YOURS = "not_yours"  # another user's inspection
    STALE = "stale"  # a button of an older message or of another step
    ALREADY = "already"  # the same action arrived twice: done once
    FINALIZED = "finalized"  # a finalized inspection never changes
    USE_BUTTONS = "use_buttons"  # text where a button is expected
    NOT_NOW = "not_now"  # evidence outside the evidence step
    TOO_BIG = "too_big"  # a file over 20 MB
    TOO_MANY = "too_many"  # too many files for one item
    INCOMPLETE = "incomplete"  # finish before all items are answered
    DRAFT_EXISTS = "draft_exists"  # /new while a draft is open
    NOT_FINALIZED = "not_finalized"  # the PDF of a sheet not finished yet
    NOT_CONDITIONAL = "not_conditional"  # "not applicable" for a duty that binds every subject
    REASON_REQUIRED = "reason_required"  # "not applicable" needs a short reason first


@dataclass(frozen=True, slots=True)
class DraftView:
    """Everything a draft's screen shows, read in the same unit of work as the change before it."""

    inspection: Inspection
    answers: dict[int, StoredAnswer]
    files: int  # evidence files of the item waiting for evidence (0 when none waits)
    suggestion: str | None  # what the current header step can be filled with by one tap
    preliminary: dict[str, Any] | None  # the result if finished now (every item answered), as stored
    today: date | None = None  # the local date, offered by one tap at the act date's step


@dataclass(frozen=True, slots=True)
class Refused:
    reason: Refusal
    inspection: Inspection | None = None
    view: DraftView | None = None  # the draft's screen, to show again under the refusal


@dataclass(frozen=True, slots=True)
class Rejected:
    """Input that does not fit the step: the same step is asked again."""

    invalid: Invalid
    inspection: Inspection
    view: DraftView | None = None


@dataclass(frozen=True, slots=True)
class Done:
    inspection: Inspection
    notice: str | None = None  # e.g. 'evidence_saved', 'comment_saved'
    view: DraftView | None = None


@dataclass(frozen=True, slots=True)
class Finished:
    inspection: Inspection
    result: RiskResult


Outcome = Refused | Rejected | Done


def result_to_dict(result: RiskResult) -> dict[str, Any]:
    """The stored form of a result: decimals as strings, shown exactly as computed."""

    def tally(t: Any) -> dict[str, Any]:
        return {"required": t.required, "found": t.found, "indicator": str(display(t.indicator))}

    return {
        "indicator": str(display(result.indicator)),
        "risk_class": result.risk_class.value,
        "gross_rule_fired": result.gross_rule_fired,
        "significant": tally(result.significant),
        "minor": tally(result.minor),
        "gross_violations": list(result.gross_violations),
        "significant_violations": list(result.significant_violations),
        "minor_violations": list(result.minor_violations),
    }


class InspectionService:
    def __init__(self, db: Database, catalogue: Catalogue, today: Callable[[], date]) -> None:
        self._db = db
        self._catalogue = catalogue
        self._today = today

    @property
    def catalogue(self) -> Catalogue:
        return self._catalogue

    # --- reading -------------------------------------------------------------------------------------

    async def draft(self, user: User) -> Inspection | None:
        return await self._db.read(lambda r: r.inspections.draft_of(user.telegram_id))

    async def get(self, inspection_id: int) -> Inspection | None:
        return await self._db.read(lambda r: r.inspections.get(inspection_id))

    async def answers(self, inspection_id: int) -> dict[int, StoredAnswer]:
        return await self._db.read(lambda r: r.inspections.answers(inspection_id))

    async def evidence(self, inspection_id: int, item: int | None = None) -> list[Evidence]:
        return await self._db.read(lambda r: r.inspections.evidence(inspection_id, item))

    async def changes(self, inspection_id: int) -> list[AnswerChange]:
        return await self._db.read(lambda r: r.inspections.changes(inspection_id))

    async def counts(self) -> dict[InspectionStatus, int]:
        """Inspections by status (the admins' /status)."""
        return await self._db.call(lambda r: r.inspections.count_by_status())

    async def current(self, user: User) -> DraftView | None:
        """The screen of the user's draft, or None without one (one read, no write lock)."""
        return await self._db.read(self._current_work, user)

    def _current_work(self, r: Repos, user: User) -> DraftView | None:
        inspection = r.inspections.draft_of(user.telegram_id)
        return self._view(r, user, inspection) if inspection else None

    async def suggestion(self, user: User, inspection: Inspection) -> str | None:
        """What the current header step can be filled with by one tap: what we already know."""
        return await self._db.read(self._suggestion, user, inspection)

    def _suggestion(self, r: Repos, user: User, inspection: Inspection) -> str | None:
        if inspection.step in (*HEADER_FIELDS, STEP_REPEAT_REASON) and inspection.header.get(inspection.step):
            # A correction from the review, or a step reached again by Back: the value typed before comes
            # first (keeping it changes nothing), even over the registry's name for a BIN changed since.
            return inspection.header[inspection.step]
        if inspection.step in ("subject_name", "subject_address") and inspection.header["subject_bin"]:
            subject = r.subjects.by_bin(inspection.header["subject_bin"])
            if subject:
                return subject.name if inspection.step == "subject_name" else subject.address
        if inspection.step == "inspector_name":
            return user.full_name
        if inspection.step == "inspector_position":
            return user.position
        return None

    def _view(
        self, r: Repos, user: User, inspection: Inspection, answers: dict[int, StoredAnswer] | None = None
    ) -> DraftView:
        """The screen's data of a draft, inside the caller's unit of work. ``answers``: the sheet's answers
        as the unit left them, when it holds them already (read otherwise)."""
        if answers is None:
            answers = r.inspections.answers(inspection.id)
        files = (
            r.inspections.count_evidence(inspection.id, inspection.pending_evidence)
            if inspection.pending_evidence is not None
            else 0
        )
        suggestion = (
            self._suggestion(r, user, inspection)
            if inspection.step in HEADER_FIELDS or inspection.step in EXTRA_FIELDS
            else None
        )
        preliminary = None
        if len(answers) == self._catalogue.checklist_size:
            preliminary = result_to_dict(assess((a.evaluation for a in answers.values()), self._catalogue.constants))
        today = self._today() if inspection.step == "act_date" else None
        return DraftView(inspection, answers, files, suggestion, preliminary, today)

    def _done(
        self,
        r: Repos,
        user: User,
        inspection: Inspection,
        notice: str | None = None,
        answers: dict[int, StoredAnswer] | None = None,
    ) -> Done:
        """The outcome of a change: ``inspection`` as the change left it (``update_draft`` returns it), with
        its screen."""
        return Done(inspection, notice, self._view(r, user, inspection, answers))

    def _refused(self, r: Repos, user: User, reason: Refusal, inspection: Inspection | None) -> Refused:
        view = self._view(r, user, inspection) if inspection is not None and inspection.is_draft else None
        return Refused(reason, inspection, view)

    def _rejected(self, r: Repos, user: User, invalid: Invalid, inspection_id: int) -> Rejected:
        inspection = r.inspections.get(inspection_id)
        return Rejected(invalid, inspection, self._view(r, user, inspection))

    def _button(
        self, r: Repos, user: User, inspection_id: int, message_id: int
    ) -> tuple[Inspection | None, Refused | None]:
        """A button of a draft's screen, with the refusal when it is not this user's draft or not the
        message that shows its current screen."""
        inspection = r.inspections.get(inspection_id)
        return inspection, _ownership(inspection, user) or _on_screen(inspection, message_id)

    # --- starting and stopping -----------------------------------------------------------------------

    async def start(self, user: User, bin_argument: str | None = None) -> Outcome:
        """Open a new draft; with a BIN argument the first step is already answered."""
        return await self._db.run(self._start_work, user, bin_argument)

    def _start_work(self, r: Repos, user: User, bin_argument: str | None) -> Outcome:
        existing = r.inspections.draft_of(user.telegram_id)
        if existing:
            return self._refused(r, user, Refusal.DRAFT_EXISTS, existing)
        inspection_id = r.inspections.create_draft(
            user.telegram_id, self._catalogue.version, user.language, HEADER_FIELDS[0]
        )
        if bin_argument is None:
            return self._done(r, user, r.inspections.get(inspection_id))
        return self._apply_field(r, user, r.inspections.get(inspection_id), bin_argument)

    async def cancel(self, user: User, inspection_id: int) -> Outcome:
        return await self._db.run(self._cancel_work, user, inspection_id)

    def _cancel_work(self, r: Repos, user: User, inspection_id: int) -> Outcome:
        inspection = r.inspections.get(inspection_id)
        refusal = _ownership(inspection, user)
        if refusal:
            return refusal
        r.inspections.cancel(inspection_id)
        r.audit.add(user.telegram_id, "inspection.cancel", "inspection", inspection_id, {})
        return Done(r.inspections.get(inspection_id))

    async def set_message(self, inspection_id: int, message_id: int | None) -> None:
        """Remember the message that shows the draft's current screen (the one edited in place): one
        statement, its own transaction."""
        await self._db.run_one(self._set_message_work, inspection_id, message_id)

    @staticmethod
    def _set_message_work(r: Repos, inspection_id: int, message_id: int | None) -> None:
        r.inspections.set_screen_message(inspection_id, message_id)

    # --- the header ----------------------------------------------------------------------------------

    async def submit_text(self, user: User, text: str, message_id: int) -> Outcome:
        """A text message: a header field, a comment on a violation, or a hint to use the buttons."""
        return await self._db.run(self._submit_text_work, user, text, message_id)

    def _submit_text_work(self, r: Repos, user: User, text: str, message_id: int) -> Outcome:
        inspection = r.inspections.draft_of(user.telegram_id)
        if inspection is None:
            return Refused(Refusal.NO_DRAFT)
        if message_id <= inspection.last_input_id:
            return Refused(Refusal.ALREADY, inspection)  # a redelivered update
        inspection = r.inspections.update_draft(inspection.id, last_input_id=message_id)
        if inspection.step in HEADER_FIELDS or inspection.step in EXTRA_FIELDS:
            return self._apply_field(r, user, inspection, text)
        if inspection.step == STEP_ITEM and inspection.pending_evidence is not None:
            return self._add_comment(r, user, inspection, text)
        if inspection.step == STEP_DEADLINES:
            return self._apply_deadlines(r, user, inspection, text)
        return self._refused(r, user, Refusal.USE_BUTTONS, inspection)

    async def keep_suggestion(self, user: User, inspection_id: int, step: str) -> Outcome:
        """The 'keep' button of a prefilled header step."""
        return await self._db.run(self._keep_suggestion_work, user, inspection_id, step)

    def _keep_suggestion_work(self, r: Repos, user: User, inspection_id: int, step: str) -> Outcome:
        inspection = r.inspections.get(inspection_id)
        refusal = _ownership(inspection, user)
        if refusal:
            return refusal
        if inspection.step != step:
            return Refused(
                Refusal.ALREADY if _step_index(inspection.step) > _step_index(step) else Refusal.STALE, inspection
            )
        suggestion = self._suggestion(r, user, inspection)
        if not suggestion:
            return Refused(Refusal.STALE, inspection)
        return self._apply_field(r, user, inspection, suggestion)

    async def back_header(self, user: User, inspection_id: int, step: str, message_id: int) -> Outcome:
        """'Back' on a header step: the step before it again, its stored value offered by one tap."""
        return await self._db.run(self._back_header_work, user, inspection_id, step, message_id)

    def _back_header_work(self, r: Repos, user: User, inspection_id: int, step: str, message_id: int) -> Outcome:
        inspection, refusal = self._button(r, user, inspection_id, message_id)
        if refusal:
            return refusal
        if inspection.step != step:
            # A second tap finds the step before already shown; anything else is a button left behind.
            return Refused(
                Refusal.ALREADY if _step_index(inspection.step) < _step_index(step) else Refusal.STALE, inspection
            )
        previous = previous_header_step(step)
        if previous is None or inspection.back_to_review:  # step 1, or a correction from the review
            return Refused(Refusal.STALE, inspection)
        return self._done(r, user, r.inspections.update_draft(inspection_id, step=previous))

    async def act_date_today(self, user: User, inspection_id: int, message_id: int) -> Outcome:
        """The 'today' button of the act date's step: the local date (settings' timezone)."""
        return await self._db.run(self._act_date_today_work, user, inspection_id, message_id)

    def _act_date_today_work(self, r: Repos, user: User, inspection_id: int, message_id: int) -> Outcome:
        inspection, refusal = self._button(r, user, inspection_id, message_id)
        if refusal:
            return refusal
        if inspection.step != "act_date":
            return Refused(
                Refusal.ALREADY if _step_index(inspection.step) > _step_index("act_date") else Refusal.STALE, inspection
            )
        return self._apply_field(r, user, inspection, self._today().strftime("%d.%m.%Y"))

    def _apply_field(self, r: Repos, user: User, inspection: Inspection, text: str) -> Outcome:
        step = inspection.step
        value: str | Invalid
        if step == "subject_bin":
            value = parse_bin_iin(text)
        elif step == "act_date":
            parsed = parse_date(text, today=self._today())
            value = parsed if isinstance(parsed, Invalid) else local_date(parsed)  # stored as shown
        elif step == STEP_OTHER_OFFICIALS:
            value = parse_officials(text, limit=FIELD_LIMITS["inspector_name"])
        else:
            value = parse_text(text, limit=FIELD_LIMITS[step])
        if isinstance(value, Invalid):
            return self._rejected(r, user, value, inspection.id)
        changes: dict[str, Any] = {step: value}
        if step == "act_date" and self._visited_in_year(r, inspection, value):
            # Item 10: at most one visit a year. Never blocks work in the field: the inspector gives a reason.
            changes["step"] = STEP_REPEAT_REASON
        elif inspection.back_to_review:  # a correction from the review screen goes back there
            changes.update(step=STEP_REVIEW, back_to_review=0)
        else:
            changes["step"] = _next_header_step("act_date" if step == STEP_REPEAT_REASON else step)
            if changes["step"] == STEP_ITEM and inspection.location is None:
                changes["step"] = STEP_LOCATION  # where the visit happens, before the items
            elif changes["step"] == STEP_ITEM:
                changes["current_item"] = 1
        updated = r.inspections.update_draft(inspection.id, **changes)
        if step == STEP_REPEAT_REASON:
            r.audit.add(
                inspection.inspector_id,
                "inspection.repeat_visit",
                "inspection",
                inspection.id,
                {"subject_bin": updated.header["subject_bin"], "act_date": updated.header["act_date"], "reason": value},
            )
        if step in ("inspector_name", "inspector_position") and updated.header["inspector_position"]:
            r.users.remember_identity(
                inspection.inspector_id, updated.header["inspector_name"], updated.header["inspector_position"]
            )
        return Done(updated, None, self._view(r, user, updated))

    async def edit_header(self, user: User, inspection_id: int, field: str, message_id: int) -> Outcome:
        """A header field chosen on the review screen: ask it again, then return to the review."""
        return await self._db.run(self._edit_header_work, user, inspection_id, field, message_id)

    def _edit_header_work(self, r: Repos, user: User, inspection_id: int, field: str, message_id: int) -> Outcome:
        inspection, refusal = self._button(r, user, inspection_id, message_id)
        if refusal:
            return refusal
        if inspection.step != STEP_REVIEW or field not in (*HEADER_FIELDS, STEP_OTHER_OFFICIALS):
            return Refused(Refusal.STALE, inspection)
        return self._done(r, user, r.inspections.update_draft(inspection_id, step=field, back_to_review=1))

    def _visited_in_year(self, r: Repos, inspection: Inspection, act_date: str) -> bool:
        """The subject had a finalized sheet whose act date falls in this act's calendar year (item 10; the
        act date is the visit's local date, never the UTC time of a finish)."""
        bin_ = inspection.header["subject_bin"]
        if not bin_:
            return False
        year = act_date[-4:]
        return any(d[-4:] == year for d in r.inspections.act_dates_of_subject(bin_, inspection.id))

    # --- the visit's location (issue 14 item 1) --------------------------------------------------------

    async def share_location(
        self, user: User, lat: float, lon: float, accuracy: float | None, message_id: int
    ) -> Outcome:
        """The phone's location, at the location step or at any later point of the draft (a later one replaces
        it); stored with the server time of receipt, audited. At the location step the items follow."""
        return await self._db.run(self._share_location_work, user, lat, lon, accuracy, message_id)

    def _share_location_work(
        self, r: Repos, user: User, lat: float, lon: float, accuracy: float | None, message_id: int
    ) -> Outcome:
        inspection = r.inspections.draft_of(user.telegram_id)
        if inspection is None:
            return Refused(Refusal.NO_DRAFT)
        if message_id <= inspection.last_input_id:
            return Refused(Refusal.ALREADY, inspection)  # a redelivered update
        if not valid_point(lat, lon) or (accuracy is not None and accuracy < 0):
            return self._rejected(r, user, Invalid(Rejection.BAD_LOCATION), inspection.id)
        inspection = r.inspections.update_draft(inspection.id, last_input_id=message_id)
        r.inspections.set_location(inspection.id, lat, lon, accuracy)
        r.audit.add(
            user.telegram_id,
            "inspection.location",
            "inspection",
            inspection.id,
            {"lat": lat, "lon": lon, "accuracy": accuracy},
        )
        if inspection.step == STEP_LOCATION:
            self._leave_location_step(r, inspection)
        return self._done(r, user, r.inspections.get(inspection.id), notice="location_saved")

    async def skip_location(self, user: User, message_id: int) -> Outcome:
        """'Skip' at the location step: the items follow; the PDF will say no location was shared."""
        return await self._db.run(self._skip_location_work, user, message_id)

    def _skip_location_work(self, r: Repos, user: User, message_id: int) -> Outcome:
        inspection = r.inspections.draft_of(user.telegram_id)
        if inspection is None:
            return Refused(Refusal.NO_DRAFT)
        if message_id <= inspection.last_input_id or inspection.step != STEP_LOCATION:
            return Refused(Refusal.ALREADY, inspection)
        r.inspections.update_draft(inspection.id, last_input_id=message_id)
        updated = self._leave_location_step(r, inspection)
        return self._done(r, user, updated, notice="location_skipped")

    def _leave_location_step(self, r: Repos, inspection: Inspection) -> Inspection:
        if inspection.back_to_review:
            return r.inspections.update_draft(inspection.id, step=STEP_REVIEW, back_to_review=0)
        return r.inspections.update_draft(inspection.id, step=STEP_ITEM, current_item=1)

    # --- remedy deadlines (issue 14 item 4) -------------------------------------------------------------

    async def deadlines(self, user: User, inspection_id: int, message_id: int, *, open_: bool) -> Outcome:
        """The review's "deadlines" button (open_) and the deadlines screen's "back to the review"."""
        return await self._db.run(self._deadlines_work, user, inspection_id, message_id, open_)

    def _deadlines_work(self, r: Repos, user: User, inspection_id: int, message_id: int, open_: bool) -> Outcome:
        inspection, refusal = self._button(r, user, inspection_id, message_id)
        if refusal:
            return refusal
        if open_:
            violated = [a for a in r.inspections.answers(inspection_id).values() if a.answer == Answer.VIOLATED]
            if inspection.step != STEP_REVIEW or not violated:
                return Refused(Refusal.STALE, inspection)
            return self._done(r, user, r.inspections.update_draft(inspection_id, step=STEP_DEADLINES))
        if inspection.step != STEP_DEADLINES:
            return Refused(Refusal.ALREADY, inspection)
        return self._done(r, user, r.inspections.update_draft(inspection_id, step=STEP_REVIEW))

    def _apply_deadlines(self, r: Repos, user: User, inspection: Inspection, text: str) -> Outcome:
        """Lines "item dd.mm.yyyy" ("item -" clears): all stored, or none when one is wrong (its reason)."""
        answers = r.inspections.answers(inspection.id)
        changes: dict[int, str | None] = {}
        for line in (line for line in text.strip().splitlines() if line.strip()):
            parsed = parse_remedy_deadline(line, today=self._today(), latest_days=REMEDY_WITHIN_DAYS)
            if isinstance(parsed, Invalid):
                return self._rejected(r, user, parsed, inspection.id)
            item, due = parsed
            if item not in answers or answers[item].answer != Answer.VIOLATED:
                return self._rejected(r, user, Invalid(Rejection.DEADLINE_NOT_VIOLATED, item), inspection.id)
            changes[item] = due.isoformat() if due else None
        if not changes:
            return self._rejected(r, user, Invalid(Rejection.BAD_DEADLINE), inspection.id)
        for item, due in changes.items():
            r.inspections.set_remedy_due(inspection.id, item, due)
        return self._done(r, user, inspection)  # the screen shows the dates

    # --- the 19 items --------------------------------------------------------------------------------

    async def answer(self, user: User, inspection_id: int, item: int, answer: Answer, message_id: int) -> Outcome:
        """Store the answer of the current item once, then move on."""
        return await self._db.run(self._answer_work, user, inspection_id, item, answer, message_id)

    def _answer_work(
        self, r: Repos, user: User, inspection_id: int, item: int, answer: Answer, message_id: int
    ) -> Outcome:
        inspection, refusal = self._button(r, user, inspection_id, message_id)
        if refusal:
            return refusal
        stored = r.inspections.answers(inspection_id)
        if inspection.step != STEP_ITEM or inspection.current_item != item or inspection.pending_evidence:
            previous = stored.get(item)
            same = previous is not None and previous.answer == answer
            return Refused(Refusal.ALREADY if same else Refusal.STALE, inspection)
        requirement = self._catalogue.requirement(item)
        # "Not applicable" is not on the form (Annex 2 has two columns): offered only where the duty is
        # conditional (catalogue: conditional), and only with a short reason that the PDF prints.
        if answer is Answer.NOT_APPLICABLE and not requirement.conditional:
            return Refused(Refusal.NOT_CONDITIONAL, inspection)
        previous = stored.get(item)
        # A comment explains a violation only; a violation's note is no N/A reason, nor the other way round.
        keep_comment = answer is not Answer.COMPLIES and (previous is None or previous.answer == answer.value)
        answers = {
            **stored,
            item: r.inspections.put_answer(
                inspection_id,
                item,
                requirement.criterion,
                requirement.severity.value,
                answer.value,
                user.telegram_id,
                previous.answer if previous else None,
                keep_comment=keep_comment,
            ),
        }
        if answer in (Answer.VIOLATED, Answer.NOT_APPLICABLE):
            updated = r.inspections.update_draft(inspection_id, pending_evidence=item)
        else:
            updated = self._advance(r, inspection, set(answers))
        return self._done(r, user, updated, answers=answers)

    async def evidence_done(self, user: User, inspection_id: int, item: int, message_id: int) -> Outcome:
        """'Next' on the evidence screen of a violated item."""
        return await self._db.run(self._evidence_done_work, user, inspection_id, item, message_id)

    def _evidence_done_work(self, r: Repos, user: User, inspection_id: int, item: int, message_id: int) -> Outcome:
        inspection, refusal = self._button(r, user, inspection_id, message_id)
        if refusal:
            return refusal
        if inspection.pending_evidence != item:
            return Refused(Refusal.ALREADY, inspection)
        answers = r.inspections.answers(inspection_id)
        pending = answers.get(item)
        if pending is not None and pending.answer == Answer.NOT_APPLICABLE and not pending.comment:
            return Refused(Refusal.REASON_REQUIRED, inspection)
        return self._done(r, user, self._advance(r, inspection, set(answers)), answers=answers)

    async def back(self, user: User, inspection_id: int, item: int, message_id: int) -> Outcome:
        """'Back': from the evidence screen to the item's answer; from an item to the one before."""
        return await self._db.run(self._back_work, user, inspection_id, item, message_id)

    def _back_work(self, r: Repos, user: User, inspection_id: int, item: int, message_id: int) -> Outcome:
        inspection, refusal = self._button(r, user, inspection_id, message_id)
        if refusal:
            return refusal
        if inspection.step != STEP_ITEM or inspection.current_item != item:
            return Refused(Refusal.ALREADY, inspection)
        if inspection.pending_evidence is not None:
            updated = r.inspections.update_draft(inspection_id, pending_evidence=None)
        elif item > 1:
            updated = r.inspections.update_draft(inspection_id, current_item=item - 1, back_to_review=0)
        else:
            return Refused(Refusal.STALE, inspection)
        return self._done(r, user, updated)

    async def go_to(self, user: User, inspection_id: int, item: int, message_id: int) -> Outcome:
        """An item button of the review screen: change that answer, then come back to the review."""
        return await self._db.run(self._go_to_work, user, inspection_id, item, message_id)

    def _go_to_work(self, r: Repos, user: User, inspection_id: int, item: int, message_id: int) -> Outcome:
        inspection, refusal = self._button(r, user, inspection_id, message_id)
        if refusal:
            return refusal
        if inspection.step != STEP_REVIEW:
            return Refused(Refusal.ALREADY, inspection)
        updated = r.inspections.update_draft(
            inspection_id, step=STEP_ITEM, current_item=item, back_to_review=1, pending_evidence=None
        )
        return self._done(r, user, updated)

    async def show_review(self, user: User, inspection_id: int, message_id: int) -> Outcome:
        """The review button on an item screen (shown once every item has an answer)."""
        return await self._db.run(self._show_review_work, user, inspection_id, message_id)

    def _show_review_work(self, r: Repos, user: User, inspection_id: int, message_id: int) -> Outcome:
        inspection, refusal = self._button(r, user, inspection_id, message_id)
        if refusal:
            return refusal
        stored = r.inspections.answers(inspection_id)
        if inspection.step != STEP_ITEM or len(stored) < self._catalogue.checklist_size:
            return Refused(Refusal.ALREADY if inspection.step == STEP_REVIEW else Refusal.STALE, inspection)
        updated = r.inspections.update_draft(
            inspection_id, step=STEP_REVIEW, current_item=None, back_to_review=0, pending_evidence=None
        )
        return self._done(r, user, updated, answers=stored)

    def _advance(self, r: Repos, inspection: Inspection, answered: set[int]) -> Inspection:
        """After an item: back to the review if we came from it, else the next unanswered item. Returns the
        draft as it then stands."""
        unanswered = [r.number for r in self._catalogue.checklist if r.number not in answered]
        if inspection.back_to_review or not unanswered:
            return r.inspections.update_draft(
                inspection.id, step=STEP_REVIEW, current_item=None, back_to_review=0, pending_evidence=None
            )
        later = [n for n in unanswered if n > (inspection.current_item or 0)]
        return r.inspections.update_draft(inspection.id, current_item=(later or unanswered)[0], pending_evidence=None)

    # --- comments and evidence -----------------------------------------------------------------------

    def _add_comment(self, r: Repos, user: User, inspection: Inspection, text: str) -> Outcome:
        invalid = self._append_comment(r, inspection, text)
        if invalid:
            return Rejected(invalid, inspection, self._view(r, user, inspection))
        return self._done(r, user, inspection, notice="comment_saved")

    def _append_comment(self, r: Repos, inspection: Inspection, text: str) -> Invalid | None:
        """Add text to the pending item's comment (line breaks kept), within COMMENT_LIMIT in all."""
        item = inspection.pending_evidence
        stored = r.inspections.answers(inspection.id)[item]
        lines = [" ".join(line.split()) for line in text.strip().splitlines()]
        addition = "\n".join(line for line in lines if line)
        if not addition:
            return Invalid(Rejection.EMPTY)
        comment = f"{stored.comment}\n{addition}" if stored.comment else addition
        if len(comment) > COMMENT_LIMIT:
            return Invalid(
                Rejection.TOO_LONG, COMMENT_LIMIT - len(stored.comment or "") - 1 if stored.comment else COMMENT_LIMIT
            )
        r.inspections.set_comment(inspection.id, item, comment)
        return None

    async def add_evidence(self, user: User, ev: Evidence, message_id: int, caption: str | None = None) -> Outcome:
        """A photo or a document sent after a violation (its caption joins the comment);
        notice 'album_more' for the later parts of an album."""
        return await self._db.run(self._add_evidence_work, user, ev, message_id, caption)

    def _add_evidence_work(self, r: Repos, user: User, ev: Evidence, message_id: int, caption: str | None) -> Outcome:
        inspection = r.inspections.draft_of(user.telegram_id)
        if inspection is None:
            return Refused(Refusal.NO_DRAFT)
        if inspection.pending_evidence is None:
            return self._refused(r, user, Refusal.NOT_NOW, inspection)
        pending = r.inspections.answers(inspection.id).get(inspection.pending_evidence)
        if pending is not None and pending.answer == Answer.NOT_APPLICABLE:
            return self._refused(r, user, Refusal.NOT_NOW, inspection)  # a reason is text; files prove violations
        if ev.file_size is not None and ev.file_size > BOT_DOWNLOAD_LIMIT_BYTES:
            return self._refused(r, user, Refusal.TOO_BIG, inspection)
        item = inspection.pending_evidence
        if r.inspections.count_evidence(inspection.id, item) >= EVIDENCE_PER_ITEM:
            return self._refused(r, user, Refusal.TOO_MANY, inspection)
        album_part = bool(ev.media_group_id) and r.inspections.media_group_in(inspection.id, ev.media_group_id)
        if not r.inspections.add_evidence(inspection.id, item, ev):
            return Refused(Refusal.ALREADY, inspection)
        if message_id > inspection.last_input_id:
            inspection = r.inspections.update_draft(inspection.id, last_input_id=message_id)
        if caption and caption.strip():
            invalid = self._append_comment(r, inspection, caption)
            if invalid:
                return self._rejected(r, user, invalid, inspection.id)
        return self._done(r, user, inspection, notice="album_more" if album_part else "evidence_saved")

    # --- finishing -----------------------------------------------------------------------------------

    async def finish(self, user: User, inspection_id: int, message_id: int) -> Finished | Refused:
        """Finalize: score from the stored answers (with the severities stored with them), freeze."""
        return await self._db.run(self._finish_work, user, inspection_id, message_id)

    def _finish_work(self, r: Repos, user: User, inspection_id: int, message_id: int) -> Finished | Refused:
        inspection = r.inspections.get(inspection_id)
        refusal = _ownership(inspection, user) or _on_screen(inspection, message_id)
        if refusal and refusal.reason is Refusal.FINALIZED:
            return Refused(Refusal.ALREADY, inspection)  # a second tap on "Finish"
        if refusal:
            return refusal
        stored = r.inspections.answers(inspection_id)
        if inspection.step != STEP_REVIEW or len(stored) < self._catalogue.checklist_size:
            return Refused(Refusal.INCOMPLETE, inspection)
        if any(a.answer == Answer.NOT_APPLICABLE and not a.comment for a in stored.values()):
            return Refused(Refusal.REASON_REQUIRED, inspection)
        result = assess((a.evaluation for a in stored.values()), self._catalogue.constants)
        header = inspection.header
        subject_id = r.subjects.upsert(
            header["subject_bin"], header["subject_name"], kind_of(header["subject_bin"]), header["subject_address"]
        )
        as_dict = result_to_dict(result)
        r.inspections.finalize(
            inspection_id, subject_id, as_dict["indicator"], result.risk_class.value, result.gross_rule_fired, as_dict
        )
        self._follow_up(r, user, inspection_id, subject_id, stored)
        r.audit.add(
            user.telegram_id,
            "inspection.finalize",
            "inspection",
            inspection_id,
            {
                "subject_bin": header["subject_bin"],
                "indicator": as_dict["indicator"],
                "risk_class": as_dict["risk_class"],
                "catalogue_version": inspection.catalogue_version,
            },
        )
        return Finished(r.inspections.get(inspection_id), result)

    def _follow_up(
        self, r: Repos, user: User, inspection_id: int, subject_id: int, stored: dict[int, StoredAnswer]
    ) -> None:
        """At finalization: the violations given a deadline become open items; the subject's open items of
        earlier sheets whose requirement this sheet finds complying are closed (audited)."""
        due = {a.item: a.remedy_due for a in stored.values() if a.answer == Answer.VIOLATED and a.remedy_due}
        r.remedies.add(inspection_id, subject_id, user.telegram_id, due)
        complying = {a.item for a in stored.values() if a.answer == Answer.COMPLIES}
        closed = r.remedies.close_by_sheet(subject_id, inspection_id, user.telegram_id, complying)
        _follow_up_entries(r, user, closed, inspection_id)


def _follow_up_entries(r: Repos, user: User, closed: list[Remedy], inspection_id: int) -> None:
    for remedy in closed:
        r.audit.add(
            user.telegram_id,
            "remedy.close",
            "remedy",
            remedy.id,
            {"how": "later_sheet", "item": remedy.item, "sheet": remedy.inspection_id, "closing_sheet": inspection_id},
        )


def _ownership(inspection: Inspection | None, user: User) -> Refused | None:
    if inspection is None or inspection.status is InspectionStatus.CANCELLED:
        return Refused(Refusal.STALE)  # a button of a discarded (or never existing) sheet
    if inspection.inspector_id != user.telegram_id:
        return Refused(Refusal.NOT_YOURS)
    if inspection.status is InspectionStatus.FINALIZED:
        return Refused(Refusal.FINALIZED, inspection)
    return None


def _on_screen(inspection: Inspection, message_id: int) -> Refused | None:
    """A button counts only on the message that shows the draft's current screen."""
    if inspection.message_id is not None and inspection.message_id != message_id:
        return Refused(Refusal.STALE, inspection)
    return None


def parse_officials(text: str, *, limit: int) -> str | Invalid:
    """Other officials of the visit, one per line as "name; position"; "-" for none (stored as "")."""
    if text.strip() in ("-", "—"):
        return ""
    lines = []
    for raw in text.strip().splitlines():
        if not raw.strip():
            continue
        name, _, position = raw.partition(";")
        name, position = parse_text(name, limit=limit), parse_text(position, limit=limit)
        if isinstance(name, Invalid) or isinstance(position, Invalid):
            return Invalid(Rejection.BAD_OFFICIAL)
        lines.append(f"{name}; {position}")
    return "\n".join(lines) if lines else Invalid(Rejection.EMPTY)


def _step_index(step: str) -> int:
    order = (
        *HEADER_FIELDS[: HEADER_FIELDS.index("act_date") + 1],
        STEP_REPEAT_REASON,
        *HEADER_FIELDS[HEADER_FIELDS.index("act_date") + 1 :],
        STEP_OTHER_OFFICIALS,
        STEP_LOCATION,
        STEP_ITEM,
        STEP_REVIEW,
        STEP_DEADLINES,
    )
    return order.index(step) if step in order else len(order)


def previous_header_step(step: str) -> str | None:
    """The header step that Back leads to: none from the first; the act date from the reason of a second
    visit (the reason is asked again, with its stored text, when the date still falls in that year)."""
    if step == STEP_REPEAT_REASON:
        return "act_date"
    if step not in HEADER_FIELDS:
        return None  # the other officials are asked from the review only
    index = HEADER_FIELDS.index(step)
    return HEADER_FIELDS[index - 1] if index > 0 else None


def _next_header_step(step: str) -> str:
    index = HEADER_FIELDS.index(step)
    return HEADER_FIELDS[index + 1] if index + 1 < len(HEADER_FIELDS) else STEP_ITEM
