"""The /bin card with a long history of stored PDFs stays within one Telegram message (4096 characters)."""

from dataclasses import replace
from datetime import date

import pytest

from bot.db.subjects import PastInspection
from bot.handlers.lookup import card_text, fitted_card
from bot.limits import MAX_MESSAGE_TEXT
from bot.services.assessment import AssessmentService
from bot.texts import LANGUAGES, texts
from tests.conftest import add_user

BIN = "000000000001"


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_ten_sheets_with_two_pdfs_each_fit_one_message_the_oldest_hashes_left_out_first(db, catalogue, lang):
    await add_user(db, 1, role="inspector")

    def seed(r):
        subject_id = r.subjects.upsert(BIN, "Н" * 500, "BIN", "А" * 500)  # the longest name and address
        for criterion in range(21, 36):  # every criterion 20-35 but the gross one violated: a long risk part
            r.findings.add_finding(subject_id, criterion, "significant", "violated", date(2026, 11, 1), 1)

    await db.run(seed)
    found = await AssessmentService(db, catalogue, today=lambda: date(2026, 12, 2)).of_bin(BIN)
    history = tuple(
        PastInspection(
            id=100 - n,
            finalized_at=f"2026-11-{30 - n:02d}T10:00:00+00:00",
            act_number="9" * 50,
            act_date=None,
            indicator="100",
            risk_class="high",
            gross_rule_fired=True,
            pdfs=(("kk", f"{n:02d}" * 32), ("ru", f"{n + 50:02d}" * 32)),
        )
        for n in range(10)
    )
    found = replace(found, history=history)
    t = texts(lang)
    tail = t("card_open_remedies", items=[{"id": 1, "item": 3, "sheet": 100, "due": "15.01.2027", "overdue": False}])

    assert len(card_text(t, found, None)) > MAX_MESSAGE_TEXT  # every hash shown would not fit
    card = fitted_card(t, found, None, (), tail)
    assert len(card) <= MAX_MESSAGE_TEXT
    assert "00" * 32 in card and "50" * 32 in card  # the newest sheet keeps both its PDFs' hashes
    assert "09" * 32 not in card and "59" * 32 not in card  # the oldest sheet's are left out
    assert card.count("• ") >= 10 and "15.01.2027" in card  # every entry and the open remedy stay
