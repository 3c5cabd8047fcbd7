"""Validation of what people type: IIN/BIN, dates, free text. Pure functions, no I/O.

A rejection carries a reason code; templates turn it into a sentence in the user's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

# The official control-digit algorithm for IIN/BIN (12 digits): weights 1..11, sum mod 11;
# when that gives 10, a second pass with weights 3..11, 1, 2; 10 again means the number is invalid.
_FIRST_WEIGHTS = tuple(range(1, 12))
_SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
# An act dated earlier is taken for a typo in the year (the texts state this date from here).
EARLIEST_DATE = date(2000, 1, 1)


class Rejection(StrEnum):
    NOT_12_DIGITS = "not_12_digits"
    CHECKSUM_MISMATCH = "checksum_mismatch"
    CHECKSUM_UNDEFINED = "checksum_undefined"  # both passes give 10: no valid control digit exists
    EMPTY = "empty"
    TOO_LONG = "too_long"
    BAD_DATE_FORMAT = "bad_date_format"
    NO_SUCH_DATE = "no_such_date"
    DATE_IN_FUTURE = "date_in_future"
    DATE_TOO_OLD = "date_too_old"
    BAD_OFFICIAL = "bad_official"  # an official's line is not "name; position"
    BAD_LOCATION = "bad_location"  # coordinates outside the globe's ranges (issue 14)
    BAD_DEADLINE = "bad_deadline"  # not "item dd.mm.yyyy" (a remedy deadline, issue 14)
    DEADLINE_NOT_VIOLATED = "deadline_not_violated"  # a deadline for an item that was not found violated
    DEADLINE_NOT_AFTER_TODAY = "deadline_not_after_today"
    DEADLINE_TOO_FAR = "deadline_too_far"  # limit: the days allowed


@dataclass(frozen=True, slots=True)
class Invalid:
    reason: Rejection
    limit: int | None = None  # the limit that was broken, for the message


def control_digit(first_eleven: str) -> int | None:
    """The 12th digit for the first eleven, or None when both passes give 10."""
    digits = [int(c) for c in first_eleven]
    for weights in (_FIRST_WEIGHTS, _SECOND_WEIGHTS):
        check = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if check != 10:
            return check
    return None


def parse_bin_iin(raw: str) -> str | Invalid:
    """A 12-digit IIN/BIN with a valid control digit; spaces and dashes people type are dropped."""
    value = raw.strip().replace(" ", "").replace("-", "")
    if len(value) != 12 or not value.isascii() or not value.isdigit():
        return Invalid(Rejection.NOT_12_DIGITS)
    expected = control_digit(value[:11])
    if expected is None:
        return Invalid(Rejection.CHECKSUM_UNDEFINED)
    if expected != int(value[11]):
        return Invalid(Rejection.CHECKSUM_MISMATCH)
    return value


def kind_of(number: str) -> str:
    """'BIN' for a legal entity (5th digit 4, 5 or 6: the registration type), else 'IIN'."""
    return "BIN" if number[4] in "456" else "IIN"


# The forms of a date people type on a phone: day and month of one or two digits, a year of four or two,
# separated by dots or by slashes (the same separator twice): 01.12.2026, 1.12.2026, 1.12.26, 01/12/2026.
_DATE = re.compile(r"(\d{1,2})([./])(\d{1,2})\2(\d{4}|\d{2})", re.ASCII)


def parse_date(raw: str, *, today: date, earliest: date = EARLIEST_DATE) -> date | Invalid:
    """A date typed as dd.mm.yyyy (or d.m.yyyy, d.m.yy, dd/mm/yyyy), not in the future (an act is dated
    when issued)."""
    match = _DATE.fullmatch(raw.strip())
    if match is None:
        return Invalid(Rejection.BAD_DATE_FORMAT)
    day, month, year = int(match.group(1)), int(match.group(3)), int(match.group(4))
    if len(match.group(4)) == 2:
        # A two-digit year is read as 2000 + yy (26 -> 2026): no act of this bot predates 2000. A year that
        # lands in the future so (99 -> 2099) is refused below like any future date, never moved to 19yy.
        year += 2000
    try:
        value = date(year, month, day)
    except ValueError:
        return Invalid(Rejection.NO_SUCH_DATE)
    if value > today:
        return Invalid(Rejection.DATE_IN_FUTURE)
    if value < earliest:
        return Invalid(Rejection.DATE_TOO_OLD)
    return value


def parse_remedy_deadline(raw: str, *, today: date, latest_days: int) -> tuple[int, date | None] | Invalid:
    """A remedy deadline typed as "item dd.mm.yyyy" (or "item -" to clear it): after today, within
    ``latest_days``. Whether the item was violated is the caller's check."""
    parts = raw.split()
    if len(parts) != 2 or not parts[0].isdigit():
        return Invalid(Rejection.BAD_DEADLINE)
    item = int(parts[0])
    if parts[1] in ("-", "—"):
        return item, None
    pieces = parts[1].split(".")
    if len(pieces) != 3 or [len(p) for p in pieces] != [2, 2, 4] or not all(p.isdigit() for p in pieces):
        return Invalid(Rejection.BAD_DEADLINE)
    try:
        value = date(int(pieces[2]), int(pieces[1]), int(pieces[0]))
    except ValueError:
        return Invalid(Rejection.NO_SUCH_DATE)
    if value <= today:
        return Invalid(Rejection.DEADLINE_NOT_AFTER_TODAY)
    if (value - today).days > latest_days:
        return Invalid(Rejection.DEADLINE_TOO_FAR, latest_days)
    return item, value


def parse_text(raw: str | None, *, limit: int) -> str | Invalid:
    """Free text (a name, an address): whitespace folded, not empty, at most ``limit`` characters."""
    value = " ".join((raw or "").split())
    if not value:
        return Invalid(Rejection.EMPTY)
    if len(value) > limit:
        return Invalid(Rejection.TOO_LONG, limit)
    return value
