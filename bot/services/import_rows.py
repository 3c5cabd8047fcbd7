"""The rows of an imported table checked one by one, and sorted into added / updated / unchanged. Pure.

A rejected row carries its row number, the field at fault and a reason code; templates say the reason in
the user's language. Accepted rows become typed records (:class:`SubjectRecord`, :class:`ObjectiveRecord`,
:class:`FindingRecord`) that the import service writes as the commands' own records.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from bot.catalogue import Catalogue
from bot.tables.kinds import TableKind, fold
from bot.tables.reader import Cell, Row
from bot.validation import Invalid, parse_bin_iin

TEXT_LIMIT = 500
EARLIEST = date(2000, 1, 1)
# Chapter 2 item 4 1) and 5) are counts ("мыңнан астам", "үш немесе одан да көп"): the least count that meets
# each is the catalogue's value_min, the same rule /objective applies (AssessmentService.set_objective).
# Reading (README): a row's count is the figure for the period the source reports on, dated by that report.

# Annex 1 item 2 5): the subjects of control. Codes, with the order's Kazakh words and our Russian ones.
CONTROL_KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {  # code: (Kazakh words, Russian words)
    "central_body": (
        ("орталық мемлекеттік орган", "орталық мемлекеттік органдар"),
        ("центральный государственный орган", "центральные государственные органы"),
    ),
    "local_executive_body": (
        ("жергілікті атқарушы орган", "жергілікті атқарушы органдары", "жергілікті атқарушы органдар"),
        ("местный исполнительный орган", "местные исполнительные органы"),
    ),
    "akim": (("әкім", "әкімдері", "әкімдер"), ("аким", "акимы")),
    "provider": (
        (
            "мемлекеттік қызметтер көрсететін жеке және заңды тұлғалар",
            "жеке және заңды тұлғалар",
            "жеке немесе заңды тұлға",
            "жеке тұлға",
            "заңды тұлға",
        ),
        (
            "физические и юридические лица, оказывающие государственные услуги",
            "физические и юридические лица",
            "физическое или юридическое лицо",
            "физическое лицо",
            "юридическое лицо",
            "услугодатель",
        ),
    ),
}
_KIND_BY_WORD = {fold(word): code for code, (kk, ru) in CONTROL_KINDS.items() for word in (code, *kk, *ru)}
_RESULTS = {
    "violated": ("violated", "сәйкес келмейді", "бұзылған", "не соответствует", "нарушено", "нарушение"),
    "complies": ("complies", "сәйкес келеді", "соответствует"),
}
_RESULT_BY_WORD = {fold(word): code for code, words in _RESULTS.items() for word in words}


def result_of(text: str) -> str | None:
    """A finding's result word (English, Kazakh or Russian, any case) as its code, the import's and /findings'
    one vocabulary: 'violated', 'complies', or None."""
    return _RESULT_BY_WORD.get(fold(text))


_YES = {"yes", "y", "1", "true", "иә", "ия", "бар", "да", "есть"}
_NO = {"no", "n", "0", "false", "жоқ", "нет"}


class Reason(StrEnum):
    MISSING = "missing"
    NOT_12_DIGITS = "not_12_digits"
    CHECKSUM_MISMATCH = "checksum_mismatch"
    CHECKSUM_UNDEFINED = "checksum_undefined"
    TOO_LONG = "too_long"
    UNKNOWN_CONTROL_KIND = "unknown_control_kind"
    BAD_COORDINATE = "bad_coordinate"
    NOT_A_CONDITION = "not_a_condition"
    NOT_A_COUNT = "not_a_count"
    NOT_YES_NO = "not_yes_no"
    CHECK_SHEET_CRITERION = "check_sheet_criterion"
    NOT_A_CRITERION = "not_a_criterion"
    UNKNOWN_RESULT = "unknown_result"
    BAD_DATE = "bad_date"
    DATE_IN_FUTURE = "date_in_future"
    DATE_TOO_OLD = "date_too_old"
    UNKNOWN_SUBJECT = "unknown_subject"
    DUPLICATE_ROW = "duplicate_row"


class Action(StrEnum):
    ADD = "add"
    UPDATE = "update"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class Rejected:
    row: int
    field: str
    reason: Reason
    raw: tuple[Cell, ...]


@dataclass(frozen=True, slots=True)
class SubjectRecord:
    row: int
    bin: str
    name: str
    control_kind: str
    region: str | None
    address: str | None
    lat: float | None
    lon: float | None


@dataclass(frozen=True, slots=True)
class ObjectiveRecord:
    row: int
    bin: str
    condition: int
    occurred_on: date
    met: bool
    value: int | None  # the count for conditions 1 and 5
    source: str
    subject_name: str | None = None  # set when this row creates the subject (not in the registry yet)


@dataclass(frozen=True, slots=True)
class FindingRecord:
    row: int
    bin: str
    criterion: int
    answer: str  # complies / violated
    found_on: date
    source: str
    subject_name: str | None = None  # set when this row creates the subject (not in the registry yet)


Record = SubjectRecord | ObjectiveRecord | FindingRecord


@dataclass(frozen=True, slots=True)
class Checked:
    kind: TableKind
    accepted: list[Record]
    rejected: list[Rejected]


class _Bad(Exception):
    def __init__(self, field: str, reason: Reason) -> None:
        self.field, self.reason = field, reason


def _text(cells: Mapping[str, Cell], field: str, *, required: bool) -> str | None:
    value = cells.get(field)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = " ".join(str(value).split()) if value is not None else ""
    if not text:
        if required:
            raise _Bad(field, Reason.MISSING)
        return None
    if len(text) > TEXT_LIMIT:
        raise _Bad(field, Reason.TOO_LONG)
    return text


def _bin(cells: Mapping[str, Cell]) -> str:
    value = cells.get("bin")
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        value = str(int(value)).zfill(12)  # a BIN typed as a number lost its leading zero
    number = parse_bin_iin(_text({"bin": value}, "bin", required=True) or "")
    if isinstance(number, Invalid):
        raise _Bad("bin", Reason(number.reason.value))
    return number


def _int(cells: Mapping[str, Cell], field: str, bad: Reason) -> int:
    value = cells.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _Bad(field, Reason.MISSING)
    if isinstance(value, bool):
        raise _Bad(field, bad)
    if isinstance(value, float):
        if not value.is_integer():
            raise _Bad(field, bad)
        return int(value)
    if isinstance(value, int):
        return value
    text = str(value).strip().replace(" ", "").replace("\u00a0", "")
    if text.endswith(".0"):
        text = text[:-2]
    if not text.isascii() or not text.isdigit():
        raise _Bad(field, bad)
    return int(text)


def _date(cells: Mapping[str, Cell], field: str, today: date) -> date:
    value = cells.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _Bad(field, Reason.MISSING)
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        text = str(value).strip()
        try:
            if len(text) == 10 and text[4] == "-":
                value = date.fromisoformat(text)
            elif len(text) == 10 and text[2] == "." and text[5] == ".":
                value = date(int(text[6:]), int(text[3:5]), int(text[:2]))
            else:
                raise ValueError(text)
        except ValueError as exc:
            raise _Bad(field, Reason.BAD_DATE) from exc
    if value > today:
        raise _Bad(field, Reason.DATE_IN_FUTURE)
    if value < EARLIEST:
        raise _Bad(field, Reason.DATE_TOO_OLD)
    return value


def _coordinate(cells: Mapping[str, Cell], field: str, limit: int) -> float | None:
    value = cells.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(str(value).replace(",", ".")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError) as exc:
        raise _Bad(field, Reason.BAD_COORDINATE) from exc
    if not -limit <= number <= limit:
        raise _Bad(field, Reason.BAD_COORDINATE)
    return number


def _subject_of(cells: Mapping[str, Cell], number: str, known: _Known) -> str | None:
    """None for a subject in the registry or created by an earlier row of the file; its name for a subject
    this row creates; else the row is rejected (the subject must exist or be created by the same file)."""
    if number in known.stored or number in known.created:
        return None
    name = _text(cells, "name", required=False)
    if name is None:
        raise _Bad("bin", Reason.UNKNOWN_SUBJECT)
    return name


@dataclass(frozen=True, slots=True)
class _Known:
    stored: set[str] | frozenset[str]
    created: set[str]


def _subject(row: Row, today: date, known: _Known, catalogue: Catalogue) -> SubjectRecord:
    cells = row.cells
    number = _bin(cells)
    name = _text(cells, "name", required=True)
    kind = _KIND_BY_WORD.get(fold(_text(cells, "kind", required=True)))
    if kind is None:
        raise _Bad("kind", Reason.UNKNOWN_CONTROL_KIND)
    return SubjectRecord(
        row.number,
        number,
        name,
        kind,
        _text(cells, "region", required=False),
        _text(cells, "address", required=False),
        _coordinate(cells, "lat", 90),
        _coordinate(cells, "lon", 180),
    )


def _objective(row: Row, today: date, known: _Known, catalogue: Catalogue) -> ObjectiveRecord:
    cells = row.cells
    number = _bin(cells)
    condition = _int(cells, "condition", Reason.NOT_A_CONDITION)
    criterion = catalogue.objective_condition(condition)
    if criterion is None:
        raise _Bad("condition", Reason.NOT_A_CONDITION)
    occurred_on = _date(cells, "date", today)
    if criterion.counts:
        value: int | None = _int(cells, "value", Reason.NOT_A_COUNT)
        met = value >= criterion.value_min
    else:
        raw = cells.get("value")
        word = "1" if raw is True else "0" if raw is False else fold(_text(cells, "value", required=True))
        if word.endswith(".0"):
            word = word[:-2]
        if word not in _YES | _NO:
            raise _Bad("value", Reason.NOT_YES_NO)
        value, met = None, word in _YES
    source = _text(cells, "source", required=True)
    return ObjectiveRecord(
        row.number, number, condition, occurred_on, met, value, source, _subject_of(cells, number, known)
    )


def _finding(row: Row, today: date, known: _Known, catalogue: Catalogue) -> FindingRecord:
    cells = row.cells
    number = _bin(cells)
    criterion = _int(cells, "criterion", Reason.NOT_A_CRITERION)
    other_sources = catalogue.other_source_criteria
    if criterion not in other_sources:
        raise _Bad(
            "criterion",
            Reason.CHECK_SHEET_CRITERION if 1 <= criterion < other_sources.start else Reason.NOT_A_CRITERION,
        )
    answer = _RESULT_BY_WORD.get(fold(_text(cells, "result", required=True)))
    if answer is None:
        raise _Bad("result", Reason.UNKNOWN_RESULT)
    found_on = _date(cells, "date", today)
    source = _text(cells, "source", required=True)
    return FindingRecord(row.number, number, criterion, answer, found_on, source, _subject_of(cells, number, known))


_CHECKS = {TableKind.SUBJECTS: _subject, TableKind.OBJECTIVE: _objective, TableKind.FINDINGS: _finding}


def key_of(record: Record) -> tuple[Any, ...]:
    """What identifies a record across imports: the subject; a fact by condition, date and source; a
    finding by criterion, date and source. The same key twice in one file is a duplicate row."""
    if isinstance(record, SubjectRecord):
        return (record.bin,)
    if isinstance(record, ObjectiveRecord):
        return (record.bin, record.condition, record.occurred_on.isoformat(), record.source)
    return (record.bin, record.criterion, record.found_on.isoformat(), record.source)


def check_rows(
    kind: TableKind, rows: Iterable[Row], *, today: date, known_bins: set[str] | frozenset[str], catalogue: Catalogue
) -> Checked:
    """Every row checked; the first of two rows with the same key is kept, the second rejected.

    A fact or finding of a subject not in ``known_bins`` is accepted when its row names the subject (it is
    created with the row) or an earlier accepted row did.
    """
    check = _CHECKS[kind]
    known = _Known(known_bins, set())
    accepted: list[Record] = []
    rejected: list[Rejected] = []
    seen: set[tuple[Any, ...]] = set()
    for row in rows:
        try:
            record = check(row, today, known, catalogue)
        except _Bad as bad:
            rejected.append(Rejected(row.number, bad.field, bad.reason, row.raw))
            continue
        key = key_of(record)
        if key in seen:
            rejected.append(Rejected(row.number, "bin", Reason.DUPLICATE_ROW, row.raw))
            continue
        seen.add(key)
        accepted.append(record)
        if getattr(record, "subject_name", None):
            known.created.add(record.bin)
    return Checked(kind, accepted, rejected)


def classify(record: Record, existing: tuple[Any, ...] | None) -> Action:
    """Added when nothing has the record's key; unchanged when what is stored says the same; else updated.

    ``existing`` is the stored counterpart as :func:`comparable` gives it. An empty optional cell of a
    subject (region, address, coordinates) keeps the stored value: it is no change.
    """
    if existing is None:
        return Action.ADD
    return Action.UNCHANGED if merged(record, existing) == existing else Action.UPDATE


def merged(record: Record, existing: tuple[Any, ...] | None) -> tuple[Any, ...]:
    """The values the record's key will hold after the import (comparable with the stored ones)."""
    if isinstance(record, SubjectRecord):
        stored = existing or (None,) * 6
        return (
            record.name,
            record.control_kind,
            *(
                new if new is not None else old
                for new, old in zip((record.region, record.address, record.lat, record.lon), stored[2:], strict=True)
            ),
        )
    if isinstance(record, ObjectiveRecord):
        return (int(record.met), record.value)
    return (record.answer,)


def to_json(record: Record) -> dict[str, Any]:
    data = asdict(record)
    for name in ("occurred_on", "found_on"):
        if name in data:
            data[name] = data[name].isoformat()
    return data


def from_json(kind: TableKind, data: dict[str, Any]) -> Record:
    if kind is TableKind.SUBJECTS:
        return SubjectRecord(**data)
    if kind is TableKind.OBJECTIVE:
        return ObjectiveRecord(**{**data, "occurred_on": date.fromisoformat(data["occurred_on"])})
    return FindingRecord(**{**data, "found_on": date.fromisoformat(data["found_on"])})
