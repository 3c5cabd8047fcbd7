"""Issue 14's texts in both languages, and the remedy deadline as typed (pure)."""

from datetime import date

import pytest

from bot.db.proof import PdfMatch
from bot.db.remedies import Remedy
from bot.texts import LANGUAGES, texts
from bot.validation import Invalid, Rejection, parse_remedy_deadline

TODAY = date(2026, 12, 2)


def test_a_deadline_is_an_item_and_a_date_after_today_within_the_limit():
    assert parse_remedy_deadline("3 15.01.2027", today=TODAY, latest_days=366) == (3, date(2027, 1, 15))
    assert parse_remedy_deadline(" 3   - ", today=TODAY, latest_days=366) == (3, None)  # clears it
    assert parse_remedy_deadline("3 02.12.2026", today=TODAY, latest_days=366) == Invalid(
        Rejection.DEADLINE_NOT_AFTER_TODAY
    )
    assert parse_remedy_deadline("3 03.12.2027", today=TODAY, latest_days=366) == (3, date(2027, 12, 3))  # day 366
    assert parse_remedy_deadline("3 04.12.2027", today=TODAY, latest_days=366) == Invalid(
        Rejection.DEADLINE_TOO_FAR, 366
    )
    assert parse_remedy_deadline("3 30.02.2027", today=TODAY, latest_days=366) == Invalid(Rejection.NO_SUCH_DATE)
    for typed in ("15.01.2027", "три 15.01.2027", "3 15/01/2027", "3 15.01.27", "3 15.01.2027 x"):
        assert parse_remedy_deadline(typed, today=TODAY, latest_days=366) == Invalid(Rejection.BAD_DEADLINE)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_issue_14_text_renders_in_both_languages(lang):
    t = texts(lang)
    remedy = Remedy(7, 3, 2002, 1, "2026-12-10", "990340001230", "ТОО «Ақ жол» <b>", None, None)
    match = PdfMatch(3, "kk", "990340001230", "ТОО «Ақ жол» <b>", "17-П", "03.11.2026", "Иванов И.", "x")
    rendered = [
        t("verify_ask", minutes=10),
        t("verify_match", m=match, finalized="25.11.2026 15:15"),
        t("verify_no_match", sha256="ab" * 32),
        t("verify_not_pdf"),
        t("verify_too_big", limit_mb=20),
        t("verify_unreadable"),
        t("ask_location"),
        t("location_saved", accuracy=12),
        t("location_saved", accuracy=None),
        t("location_skipped"),
        t("location_use_buttons"),
        t("location_forwarded"),
        t(
            "deadlines_screen",
            items=[{"number": 1, "text": "x", "due": "10.12.2026"}, {"number": 6, "text": "y", "due": None}],
            example=1,
        ),
        t("card_open_remedies", items=[{"id": 7, "item": 1, "sheet": 3, "due": "10.12.2026", "overdue": True}]),
        t("remedy_reminder", r=remedy, due="10.12.2026"),
        t("remedy_closed", r=remedy),
        t("remedy_already_closed", r=remedy),
    ]
    assert all(text.strip() for text in rendered)
    assert all("<b>ТОО" not in text for text in rendered)  # names are escaped
    for reason in (
        "bad_deadline",
        "deadline_not_violated",
        "deadline_not_after_today",
        "deadline_too_far",
        "bad_location",
    ):
        assert t("invalid", reason=reason, limit=5).strip()
    for name in ("btn_send_location", "btn_skip_location", "btn_deadlines", "btn_deadlines_back", "btn_remedied"):
        assert t.plain(name)
