"""IIN/BIN control digit, dates and free text as people type them."""

from datetime import date

import pytest

from bot.validation import Invalid, Rejection, control_digit, kind_of, parse_bin_iin, parse_date, parse_text


@pytest.mark.parametrize(
    "number",
    [
        "990340001230",  # 9·1+9·2+0+3·4+4·5+0+0+0+1·9+2·10+3·11 = 121 ≡ 0 (mod 11)
        "850101300451",
        "940215001231",
        "543381780752",  # first pass gives 10; second pass (weights 3..11,1,2) gives 2
        " 9903 4000 1230 ",  # spaces are dropped
        "990340-001230",
    ],
)
def test_valid_numbers(number):
    assert parse_bin_iin(number) == number.replace(" ", "").replace("-", "")


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("99034000123", Rejection.NOT_12_DIGITS),
        ("9903400012300", Rejection.NOT_12_DIGITS),
        ("99034000123A", Rejection.NOT_12_DIGITS),
        ("٩٩٠٣٤٠٠٠١٢٣٠", Rejection.NOT_12_DIGITS),  # Arabic-Indic digits are not accepted
        ("", Rejection.NOT_12_DIGITS),
        ("990340001231", Rejection.CHECKSUM_MISMATCH),
        ("543381780750", Rejection.CHECKSUM_MISMATCH),
        ("001701675510", Rejection.CHECKSUM_UNDEFINED),  # both passes give 10
    ],
)
def test_invalid_numbers_name_the_reason(number, reason):
    assert parse_bin_iin(number) == Invalid(reason)


def test_control_digit_second_pass_and_undefined():
    assert control_digit("54338178075") == 2
    assert control_digit("00170167551") is None


def test_kind_bin_or_iin():
    assert kind_of("990340001230") == "BIN"
    assert kind_of("850101300451") == "IIN"


TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("25.11.2026", date(2026, 11, 25)),
        (" 01.02.2024 ", date(2024, 2, 1)),
        ("29.02.2024", date(2024, 2, 29)),
        ("2024-02-01", Invalid(Rejection.BAD_DATE_FORMAT)),
        # The short forms typed on a phone: one-digit day and month, a two-digit year, slashes.
        ("1.2.2024", date(2024, 2, 1)),
        ("1.11.26", date(2026, 11, 1)),
        ("25.11.26", date(2026, 11, 25)),
        ("01/11/2026", date(2026, 11, 1)),
        ("1/2/24", date(2024, 2, 1)),
        ("00.11.26", Invalid(Rejection.NO_SUCH_DATE)),
        ("1.12.26", Invalid(Rejection.DATE_IN_FUTURE)),  # 2026-12-01, a week after today
        ("1.11.99", Invalid(Rejection.DATE_IN_FUTURE)),  # 20yy: 2099, never 1999
        ("1.11.00", date(2000, 11, 1)),
        ("01.11/2026", Invalid(Rejection.BAD_DATE_FORMAT)),  # two separators
        ("1.11.026", Invalid(Rejection.BAD_DATE_FORMAT)),  # a three-digit year
        ("001.11.2026", Invalid(Rejection.BAD_DATE_FORMAT)),
        ("1.11.2026г", Invalid(Rejection.BAD_DATE_FORMAT)),
        ("٠١.١١.٢٠٢٦", Invalid(Rejection.BAD_DATE_FORMAT)),  # digits of another script
        ("1 11 2026", Invalid(Rejection.BAD_DATE_FORMAT)),
        ("30.02.2024", Invalid(Rejection.NO_SUCH_DATE)),
        ("29.02.2023", Invalid(Rejection.NO_SUCH_DATE)),
        ("26.11.2026", Invalid(Rejection.DATE_IN_FUTURE)),
        ("01.01.1999", Invalid(Rejection.DATE_TOO_OLD)),
    ],
)
def test_dates(raw, expected):
    assert parse_date(raw, today=TODAY) == expected


def test_text_is_folded_and_limited():
    assert parse_text("  ТОО   «Ақ жол»\n ", limit=20) == "ТОО «Ақ жол»"
    assert parse_text("   ", limit=20) == Invalid(Rejection.EMPTY)
    assert parse_text(None, limit=20) == Invalid(Rejection.EMPTY)
    assert parse_text("x" * 21, limit=20) == Invalid(Rejection.TOO_LONG, 20)
    assert parse_text("x" * 20, limit=20) == "x" * 20
