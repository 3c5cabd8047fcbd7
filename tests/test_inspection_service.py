"""The check-sheet rules on the stored draft, as an inspector lives them (real SQLite file)."""

from datetime import UTC, datetime

import pytest

from bot.db.inspections import Evidence
from bot.scoring import Answer
from bot.services.inspections import (
    Done,
    Finished,
    InspectionService,
    Refusal,
    Refused,
    Rejected,
)
from bot.validation import Rejection
from tests.conftest import BIN_A, TODAY, add_user

HEADER = [
    BIN_A,
    "ТОО «Ақ жол»",
    "Астана, Мәңгілік Ел 8",
    "Акимат г. Астаны",
    "Агентство РК по делам госслужбы",
    "17",
    "03.11.2026",
    "Сейтқали Айгерім Болатқызы",
    "Главный эксперт",
]


@pytest.fixture
async def service(db, catalogue):
    return InspectionService(db, catalogue, today=lambda: TODAY)


@pytest.fixture
async def inspector(db):
    return await add_user(db, 101)


class Walk:
    """Drives the service like the handlers do, keeping the message id of the screen."""

    def __init__(self, service, user):
        self.service, self.user, self.message_id, self.inspection = service, user, 1000, None

    async def start(self):
        outcome = await self.service.start(self.user)
        self.inspection = outcome.inspection
        await self.service.set_message(self.inspection.id, self.message_id)
        return outcome

    async def type(self, text):
        self.message_id += 1
        outcome = await self.service.submit_text(self.user, text, self.message_id)
        self.inspection = outcome.inspection or self.inspection
        self.message_id += 1  # the bot answers with a fresh screen below the user's message
        await self.service.set_message(self.inspection.id, self.message_id)
        return outcome

    async def header(self):
        await self.start()
        for value in HEADER:
            outcome = await self.type(value)
            assert isinstance(outcome, Done), outcome
        self.message_id += 1
        outcome = await self.service.skip_location(self.user, self.message_id)  # the location step
        assert isinstance(outcome, Done), outcome
        self.inspection = outcome.inspection
        self.message_id += 1
        await self.service.set_message(self.inspection.id, self.message_id)
        return outcome

    async def answer(self, item, answer):
        outcome = await self.service.answer(self.user, self.inspection.id, item, answer, self.message_id)
        if isinstance(outcome, Done):
            self.inspection = outcome.inspection
        return outcome

    async def answer_all(self, violated=(), not_applicable=()):
        for item in range(1, 20):
            answer = (
                Answer.VIOLATED
                if item in violated
                else (Answer.NOT_APPLICABLE if item in not_applicable else Answer.COMPLIES)
            )
            assert isinstance(await self.answer(item, answer), Done)
            if answer is Answer.NOT_APPLICABLE:
                assert isinstance(await self.type("Не государственный орган"), Done)
            if answer in (Answer.VIOLATED, Answer.NOT_APPLICABLE):
                assert isinstance(
                    await self.service.evidence_done(self.user, self.inspection.id, item, self.message_id), Done
                )


async def test_header_steps_in_order_and_items_start_at_1(service, inspector):
    walk = Walk(service, inspector)
    outcome = await walk.header()
    inspection = outcome.inspection
    assert inspection.step == "item" and inspection.current_item == 1
    assert inspection.header["subject_name"] == "ТОО «Ақ жол»"
    assert inspection.header["act_date"] == "03.11.2026"
    assert inspection.catalogue_version == service.catalogue.version
    # The inspector's name and position are remembered for next time.
    remembered = await service._db.read(lambda r: r.users.get(inspector.telegram_id))
    assert (remembered.full_name, remembered.position) == (HEADER[7], HEADER[8])


async def test_invalid_bin_and_date_ask_the_same_step_again(service, inspector):
    walk = Walk(service, inspector)
    await walk.start()
    outcome = await walk.type("990340001231")
    assert isinstance(outcome, Rejected) and outcome.invalid.reason is Rejection.CHECKSUM_MISMATCH
    assert outcome.inspection.step == "subject_bin"
    outcome = await walk.type("12345")
    assert outcome.invalid.reason is Rejection.NOT_12_DIGITS
    for value in HEADER[:6]:
        await walk.type(value)
    outcome = await walk.type("31.04.2026")
    assert isinstance(outcome, Rejected) and outcome.invalid.reason is Rejection.NO_SUCH_DATE
    outcome = await walk.type("01.01.2027")
    assert outcome.invalid.reason is Rejection.DATE_IN_FUTURE
    assert outcome.inspection.step == "act_date"
    assert outcome.inspection.header["act_number"] == "17"  # nothing stored is lost


async def test_over_long_and_empty_input_is_refused_with_the_limit(service, inspector):
    walk = Walk(service, inspector)
    await walk.start()
    await walk.type(BIN_A)
    outcome = await walk.type("Я" * 501)
    assert outcome.invalid.reason is Rejection.TOO_LONG and outcome.invalid.limit == 500
    outcome = await walk.type("   ")
    assert outcome.invalid.reason is Rejection.EMPTY


async def test_new_with_bin_argument_skips_the_first_step(service, inspector):
    outcome = await service.start(inspector, BIN_A)
    assert isinstance(outcome, Done) and outcome.inspection.step == "subject_name"
    assert outcome.inspection.header["subject_bin"] == BIN_A


async def test_second_new_returns_the_open_draft(service, inspector):
    first = await service.start(inspector)
    second = await service.start(inspector)
    assert isinstance(second, Refused) and second.reason is Refusal.DRAFT_EXISTS
    assert second.inspection.id == first.inspection.id


async def test_redelivered_text_is_applied_once(service, inspector):
    walk = Walk(service, inspector)
    await walk.start()
    assert isinstance(await service.submit_text(inspector, BIN_A, 5000), Done)
    again = await service.submit_text(inspector, BIN_A, 5000)
    assert isinstance(again, Refused) and again.reason is Refusal.ALREADY
    assert (await service.draft(inspector)).step == "subject_name"


async def test_double_tap_stores_the_answer_once_and_moves_once(service, inspector):
    walk = Walk(service, inspector)
    await walk.header()
    assert isinstance(await walk.answer(1, Answer.COMPLIES), Done)
    again = await walk.answer(1, Answer.COMPLIES)
    assert isinstance(again, Refused) and again.reason is Refusal.ALREADY
    assert walk.inspection.current_item == 2
    assert len(await service.changes(walk.inspection.id)) == 1


async def test_button_of_an_old_message_changes_nothing(service, inspector):
    walk = Walk(service, inspector)
    await walk.header()
    outcome = await service.answer(inspector, walk.inspection.id, 1, Answer.VIOLATED, walk.message_id - 3)
    assert isinstance(outcome, Refused) and outcome.reason is Refusal.STALE
    assert await service.answers(walk.inspection.id) == {}


async def test_button_of_another_users_inspection_changes_nothing(service, inspector, db):
    other = await add_user(db, 202)
    walk = Walk(service, inspector)
    await walk.header()
    outcome = await service.answer(other, walk.inspection.id, 1, Answer.VIOLATED, walk.message_id)
    assert isinstance(outcome, Refused) and outcome.reason is Refusal.NOT_YOURS
    assert await service.answers(walk.inspection.id) == {}


async def test_an_answer_for_another_item_than_the_current_is_refused(service, inspector):
    walk = Walk(service, inspector)
    await walk.header()
    outcome = await walk.answer(5, Answer.COMPLIES)
    assert isinstance(outcome, Refused) and outcome.reason is Refusal.STALE


async def test_back_changes_an_answer_and_the_change_is_kept(service, inspector):
    walk = Walk(service, inspector)
    await walk.header()
    await walk.answer(1, Answer.COMPLIES)
    await walk.answer(2, Answer.COMPLIES)
    outcome = await service.back(inspector, walk.inspection.id, 3, walk.message_id)
    assert outcome.inspection.current_item == 2
    walk.inspection = outcome.inspection
    await walk.answer(2, Answer.NOT_APPLICABLE)  # item 2 binds only a central state body: may not apply
    refused = await service.evidence_done(inspector, walk.inspection.id, 2, walk.message_id)
    assert isinstance(refused, Refused) and refused.reason is Refusal.REASON_REQUIRED  # a reason first
    await walk.type("Не центральный государственный орган")
    walk.inspection = (await service.evidence_done(inspector, walk.inspection.id, 2, walk.message_id)).inspection
    assert walk.inspection.current_item == 3  # the next unanswered item
    changes = [(c.item, c.from_answer, c.to_answer) for c in await service.changes(walk.inspection.id)]
    assert changes == [(1, None, "complies"), (2, None, "complies"), (2, "complies", "not_applicable")]


async def assert_screen_is_the_stored_sheet(service, outcome):
    """What a unit of work hands to the screen is what a fresh read of the file says (the units build it
    from what their statements returned, not from a second read)."""
    assert isinstance(outcome, Done), outcome
    stored = await service.get(outcome.inspection.id)
    assert outcome.inspection == stored and outcome.view.inspection == stored
    assert outcome.view.answers == await service.answers(stored.id)


async def type_checked(service, walk, text):
    """``walk.type``, with the screen checked before the bot's new screen message is stored."""
    walk.message_id += 1
    outcome = await service.submit_text(walk.user, text, walk.message_id)
    await assert_screen_is_the_stored_sheet(service, outcome)
    walk.inspection = outcome.inspection
    walk.message_id += 1
    await service.set_message(walk.inspection.id, walk.message_id)


async def test_a_changed_answer_keeps_or_clears_its_comment_and_the_screen_shows_what_is_stored(service, inspector):
    walk = Walk(service, inspector)
    await walk.header()
    await assert_screen_is_the_stored_sheet(service, await walk.answer(1, Answer.VIOLATED))
    await type_checked(service, walk, "Отчёт не размещён")
    await assert_screen_is_the_stored_sheet(
        service, await service.evidence_done(inspector, walk.inspection.id, 1, walk.message_id)
    )
    back = await service.back(inspector, walk.inspection.id, 2, walk.message_id)
    await assert_screen_is_the_stored_sheet(service, back)
    walk.inspection = back.inspection
    again = await walk.answer(1, Answer.VIOLATED)  # the same answer again: the note stays
    await assert_screen_is_the_stored_sheet(service, again)
    assert again.view.answers[1].comment == "Отчёт не размещён"
    back = await service.back(inspector, walk.inspection.id, 1, walk.message_id)  # the evidence screen: back
    walk.inspection = back.inspection
    complies = await walk.answer(1, Answer.COMPLIES)  # a comment explains a violation only
    await assert_screen_is_the_stored_sheet(service, complies)
    assert complies.view.answers[1].comment is None and complies.inspection.current_item == 2
    for item in range(2, 4):
        await assert_screen_is_the_stored_sheet(service, await walk.answer(item, Answer.COMPLIES))
    await assert_screen_is_the_stored_sheet(service, await walk.answer(4, Answer.NOT_APPLICABLE))
    await type_checked(service, walk, "Не государственный орган")
    back = await service.back(inspector, walk.inspection.id, 4, walk.message_id)
    walk.inspection = back.inspection
    violated = await walk.answer(4, Answer.VIOLATED)  # an N/A reason is no violation's note
    await assert_screen_is_the_stored_sheet(service, violated)
    assert violated.view.answers[4].comment is None and violated.inspection.pending_evidence == 4
    changes = [(c.item, c.from_answer, c.to_answer) for c in await service.changes(walk.inspection.id)]
    assert changes == [
        (1, None, "violated"),
        (1, "violated", "complies"),
        (2, None, "complies"),
        (3, None, "complies"),
        (4, None, "not_applicable"),
        (4, "not_applicable", "violated"),
    ]


async def test_violation_collects_comment_and_evidence_then_moves_on(service, inspector):
    walk = Walk(service, inspector)
    await walk.header()
    outcome = await walk.answer(1, Answer.VIOLATED)
    assert outcome.inspection.pending_evidence == 1 and outcome.inspection.current_item == 1
    assert (await walk.type("Отчёт не соответствует")).notice == "comment_saved"
    assert (await walk.type("второй абзац\nтретья строка")).notice == "comment_saved"
    now = datetime.now(UTC).isoformat()
    photo = Evidence(0, "photo", "F1", "U1", 2_000_000, None, "image/jpeg", "G1", now)
    assert (await service.add_evidence(inspector, photo, 3000)).notice == "evidence_saved"
    second = Evidence(0, "photo", "F2", "U2", 2_000_000, None, "image/jpeg", "G1", now)
    assert (await service.add_evidence(inspector, second, 3001)).notice == "album_more"
    assert isinstance(await service.add_evidence(inspector, second, 3001), Refused)  # redelivery
    too_big = Evidence(0, "document", "F3", "U3", 21 * 1024 * 1024, "scan.pdf", "application/pdf", None, now)
    refused = await service.add_evidence(inspector, too_big, 3002)
    assert isinstance(refused, Refused) and refused.reason is Refusal.TOO_BIG
    stored = await service.answers(walk.inspection.id)
    assert stored[1].comment == "Отчёт не соответствует\nвторой абзац\nтретья строка"
    assert [e.file_unique_id for e in await service.evidence(walk.inspection.id)] == ["U1", "U2"]
    done = await service.evidence_done(inspector, walk.inspection.id, 1, walk.message_id)
    assert done.inspection.current_item == 2 and done.inspection.pending_evidence is None
    late = Evidence(0, "photo", "F4", "U4", 1000, None, "image/jpeg", None, now)
    assert (await service.add_evidence(inspector, late, 3003)).reason is Refusal.NOT_NOW


async def test_text_where_a_button_is_expected_gets_a_hint(service, inspector):
    walk = Walk(service, inspector)
    await walk.header()
    outcome = await walk.type("соответствует")
    assert isinstance(outcome, Refused) and outcome.reason is Refusal.USE_BUTTONS
    assert await service.answers(walk.inspection.id) == {}


async def test_full_inspection_score_and_freeze(service, inspector, db):
    walk = Walk(service, inspector)
    await walk.header()
    await walk.answer_all(violated=(1, 6), not_applicable=(4,))
    assert walk.inspection.step == "review"
    finished = await service.finish(inspector, walk.inspection.id, walk.message_id)
    assert isinstance(finished, Finished)
    # 1 of 8 significant: 8.75; 1 of 1 minor (item 4 not applicable): 30 -> 38.75, not high.
    assert finished.inspection.indicator == "38.75" and finished.inspection.risk_class == "not_high"
    assert finished.inspection.result["significant"] == {"required": 8, "found": 1, "indicator": "8.75"}
    assert finished.inspection.result["minor"] == {"required": 1, "found": 1, "indicator": "30.00"}
    again = await service.finish(inspector, walk.inspection.id, walk.message_id)
    assert isinstance(again, Refused) and again.reason is Refusal.ALREADY
    late = await service.answer(inspector, walk.inspection.id, 19, Answer.VIOLATED, walk.message_id)
    assert isinstance(late, Refused) and late.reason is Refusal.FINALIZED
    audit = await db.fetch_all("SELECT action FROM audit_log WHERE action = 'inspection.finalize'")
    assert len(audit) == 1


async def test_review_edit_returns_to_review(service, inspector):
    walk = Walk(service, inspector)
    await walk.header()
    await walk.answer_all()
    outcome = await service.go_to(inspector, walk.inspection.id, 9, walk.message_id)
    assert outcome.inspection.step == "item" and outcome.inspection.current_item == 9
    walk.inspection = outcome.inspection
    outcome = await walk.answer(9, Answer.VIOLATED)
    assert outcome.inspection.pending_evidence == 9
    outcome = await service.evidence_done(inspector, walk.inspection.id, 9, walk.message_id)
    assert outcome.inspection.step == "review"
    finished = await service.finish(inspector, walk.inspection.id, walk.message_id)
    assert finished.result.gross_rule_fired and finished.inspection.indicator == "100.00"


async def test_finish_before_all_items_is_refused(service, inspector):
    walk = Walk(service, inspector)
    await walk.header()
    await walk.answer(1, Answer.COMPLIES)
    outcome = await service.finish(inspector, walk.inspection.id, walk.message_id)
    assert isinstance(outcome, Refused) and outcome.reason is Refusal.INCOMPLETE


async def test_stored_severity_is_used_not_a_later_catalogue(service, inspector, db):
    """An amendment of the order never rewrites an old score: the answer keeps the severity it was given."""
    walk = Walk(service, inspector)
    await walk.header()
    await walk.answer_all(violated=(1,))
    stored = await db.read(lambda r: r.inspections.answers(walk.inspection.id))
    assert stored[1].severity == "significant" and stored[9].severity == "gross"


async def test_cancel_discards_the_draft_and_a_new_one_can_start(service, inspector):
    walk = Walk(service, inspector)
    await walk.header()
    outcome = await service.cancel(inspector, walk.inspection.id)
    assert outcome.inspection.status == "cancelled"
    assert await service.draft(inspector) is None
    assert isinstance(await service.start(inspector), Done)


async def test_keep_suggestion_uses_remembered_identity(service, inspector):
    walk = Walk(service, inspector)
    await walk.header()
    await walk.answer_all()
    await service.finish(inspector, walk.inspection.id, walk.message_id)
    user = await service._db.read(lambda r: r.users.get(inspector.telegram_id))
    second = await service.start(user, BIN_A)
    assert await service.suggestion(user, second.inspection) == "ТОО «Ақ жол»"  # known subject
    outcome = await service.keep_suggestion(user, second.inspection.id, "subject_name")
    assert outcome.inspection.header["subject_name"] == "ТОО «Ақ жол»"
    again = await service.keep_suggestion(user, second.inspection.id, "subject_name")
    assert isinstance(again, Refused) and again.reason is Refusal.ALREADY


async def test_a_header_field_corrected_from_the_review_returns_to_the_review(service, inspector):
    walk = Walk(service, inspector)
    await walk.header()
    await walk.answer_all()
    outcome = await service.edit_header(inspector, walk.inspection.id, "subject_name", walk.message_id)
    assert outcome.inspection.step == "subject_name" and outcome.inspection.back_to_review
    assert await service.suggestion(inspector, outcome.inspection) == "ТОО «Ақ жол»"  # keep = no change
    walk.inspection = outcome.inspection
    corrected = await walk.type("ТОО «Ақ жол-2»")
    assert corrected.inspection.step == "review" and not corrected.inspection.back_to_review
    assert corrected.inspection.header["subject_name"] == "ТОО «Ақ жол-2»"
    assert len(await service.answers(walk.inspection.id)) == 19  # nothing else moved
    outcome = await service.edit_header(inspector, walk.inspection.id, "inspector_position", walk.message_id)
    walk.inspection = outcome.inspection
    await walk.type("Главный эксперт отдела")
    remembered = await service._db.read(lambda r: r.users.get(inspector.telegram_id))
    assert remembered.position == "Главный эксперт отдела"


async def test_header_edit_only_from_the_review(service, inspector):
    walk = Walk(service, inspector)
    await walk.header()
    outcome = await service.edit_header(inspector, walk.inspection.id, "subject_name", walk.message_id)
    assert isinstance(outcome, Refused) and outcome.reason is Refusal.STALE


async def test_a_button_of_a_discarded_or_unknown_sheet_is_stale_not_a_missing_draft(service, inspector):
    walk = Walk(service, inspector)
    await walk.header()
    unknown = await service.answer(inspector, 999, 1, Answer.COMPLIES, walk.message_id)
    assert isinstance(unknown, Refused) and unknown.reason is Refusal.STALE
    await service.cancel(inspector, walk.inspection.id)
    discarded = await service.answer(inspector, walk.inspection.id, 1, Answer.COMPLIES, walk.message_id)
    assert isinstance(discarded, Refused) and discarded.reason is Refusal.STALE


# --- Back through the header and the act date's "today" (issue 11, item 5) -------------------------------


async def test_back_from_a_second_visits_reason_returns_to_the_act_date_and_the_reason_is_kept(service, inspector, db):
    first = Walk(service, inspector)
    await first.header()
    await first.answer_all()
    assert isinstance(await service.finish(inspector, first.inspection.id, first.message_id), Finished)

    walk = Walk(service, inspector)
    await walk.start()
    for value in HEADER[:7]:
        await walk.type(value)
    assert walk.inspection.step == "repeat_visit_reason"  # visited in 2026 already (item 10)
    await walk.type("Жалоба на отказ в услуге")
    assert walk.inspection.step == "inspector_name"

    back = await service.back_header(inspector, walk.inspection.id, "inspector_name", walk.message_id)
    assert isinstance(back, Done) and back.inspection.step == "act_date"  # the reason is asked after the date
    assert back.view.suggestion == "03.11.2026" and back.view.today == TODAY
    await walk.type("3.11.26")
    assert walk.inspection.step == "repeat_visit_reason"
    view = await service.current(inspector)
    assert view.suggestion == "Жалоба на отказ в услуге"  # one tap keeps it
    kept = await service.keep_suggestion(inspector, walk.inspection.id, "repeat_visit_reason")
    assert isinstance(kept, Done) and kept.inspection.step == "inspector_name"
    back = await service.back_header(inspector, walk.inspection.id, "inspector_name", walk.message_id)
    back = await service.back_header(inspector, walk.inspection.id, "act_date", walk.message_id)
    assert isinstance(back, Done) and back.inspection.step == "act_number"


async def test_back_is_refused_on_the_first_step_to_another_user_and_on_another_step(service, inspector, db):
    walk = Walk(service, inspector)
    await walk.start()
    first = await service.back_header(inspector, walk.inspection.id, "subject_bin", walk.message_id)
    assert isinstance(first, Refused) and first.reason is Refusal.STALE
    await walk.type(BIN_A)
    other = await add_user(db, 202)
    theirs = await service.back_header(other, walk.inspection.id, "subject_name", walk.message_id)
    assert isinstance(theirs, Refused) and theirs.reason is Refusal.NOT_YOURS
    later = await service.back_header(inspector, walk.inspection.id, "act_date", walk.message_id)
    assert isinstance(later, Refused) and later.reason is Refusal.ALREADY  # we are before that step already
    await walk.type(HEADER[1])
    earlier = await service.back_header(inspector, walk.inspection.id, "subject_name", walk.message_id)
    assert isinstance(earlier, Refused) and earlier.reason is Refusal.STALE  # a step left behind
    assert (await service.get(walk.inspection.id)).step == "subject_address"


async def test_today_fills_the_act_date_once_and_only_at_its_step(service, inspector):
    walk = Walk(service, inspector)
    await walk.start()
    early = await service.act_date_today(inspector, walk.inspection.id, walk.message_id)
    assert isinstance(early, Refused) and early.reason is Refusal.STALE
    for value in HEADER[:6]:
        await walk.type(value)
    stale = await service.act_date_today(inspector, walk.inspection.id, walk.message_id - 2)
    assert isinstance(stale, Refused) and stale.reason is Refusal.STALE  # the previous step's message
    done = await service.act_date_today(inspector, walk.inspection.id, walk.message_id)
    assert isinstance(done, Done) and done.inspection.header["act_date"] == TODAY.strftime("%d.%m.%Y")
    assert done.inspection.step == "inspector_name" and done.view.today is None
    again = await service.act_date_today(inspector, walk.inspection.id, walk.message_id)
    assert isinstance(again, Refused) and again.reason is Refusal.ALREADY
