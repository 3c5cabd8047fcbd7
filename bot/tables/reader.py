"""Reading a table a person sends: CSV as Excel writes it, or the first sheet of an XLSX (or XLS) workbook.

One place for what a spreadsheet can be: the encoding (UTF-8 with or without BOM, else Windows-1251) and
the delimiter (comma, semicolon or tab) of a CSV; the header row mapped to known fields through their
aliases (:mod:`bot.tables.kinds`); rows numbered as the spreadsheet numbers them (the header is row 1).

A workbook is a zip archive: before anything unpacks it, every member is streamed through once with a
budget of unpacked bytes, so a zip bomb renamed ``.xlsx`` is refused with bounded memory. The sheets are
scanned on that pass too: calamine lays a sheet out densely (rows x columns), so a sheet whose cells sit
far apart, or that has more cells than the row limit allows, is refused before calamine sees it.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from bot.tables.kinds import TableKind, recognise

Cell = str | int | float | bool | date | datetime | time | None

MAX_UNPACKED_BYTES = 128 * 1024 * 1024  # a 100,000-row sheet of ten columns unpacks to about 50 MB
MAX_ZIP_MEMBERS = 10_000
MAX_COLUMNS = 64  # our tables have at most seven; room for the extra columns offices keep
_CHUNK = 1024 * 1024
_XLSX_MAGIC = b"PK\x03\x04"
_SHEET = re.compile(r"xl/worksheets/[^/]+\.xml")
_CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")
_CELL_REF = re.compile(rb"<(?:\w+:)?c\s[^>]*?\br=\"([A-Z]{1,3})([0-9]{1,7})\"")


class TableProblem(StrEnum):
    NOT_A_TABLE = "not_a_table"
    EMPTY = "empty"
    UNKNOWN_HEADER = "unknown_header"
    TOO_MANY_ROWS = "too_many_rows"


class TableError(Exception):
    def __init__(self, problem: TableProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Row:
    number: int  # the spreadsheet's row number (1 = the header row)
    cells: dict[str, Cell]  # field -> the cell as read (str from CSV; typed from a workbook)
    raw: tuple[Cell, ...]  # the whole row as read, for the rejected-rows file


@dataclass(frozen=True, slots=True)
class Table:
    kind: TableKind
    header: tuple[str, ...]
    rows: list[Row]


def read_table(data: bytes, *, max_rows: int) -> Table:
    """The table in ``data``; raises :class:`TableError` with the reason it cannot be read."""
    if data.startswith(_XLSX_MAGIC):
        _check_archive(data, max_rows)
        lines = _workbook_rows(data)
    else:
        lines = _csv_rows(data)
    header_line = next(lines, None)
    if header_line is None:
        raise TableError(TableProblem.EMPTY)
    _, header = header_line
    recognised = recognise(list(header))
    if recognised is None:
        raise TableError(TableProblem.UNKNOWN_HEADER)
    kind, columns = recognised
    rows: list[Row] = []
    for number, values in lines:
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue  # an empty line (spreadsheets leave them) is no row
        if len(rows) >= max_rows:
            raise TableError(TableProblem.TOO_MANY_ROWS)
        cells = {field: values[index] if index < len(values) else None for field, index in columns.items()}
        rows.append(Row(number, cells, tuple(values)))
    return Table(kind, tuple("" if h is None else str(h) for h in header), rows)


def _check_archive(data: bytes, max_rows: int) -> None:
    """Every member of the archive unpacked once, counting bytes, and every sheet's cells counted and
    placed: over a budget, broken, or no workbook at all, refused."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
                raise TableError(TableProblem.NOT_A_TABLE)
            if "xl/workbook.xml" not in {m.filename for m in members}:
                raise TableError(TableProblem.NOT_A_TABLE)  # another zip (an ODS, a DOCX): not an XLSX
            budget = MAX_UNPACKED_BYTES
            for member in members:
                sheet = _SheetScan(max_rows) if _SHEET.fullmatch(member.filename) else None
                # zipfile stops at the declared size and checks the CRC: a lying header fails here.
                with archive.open(member) as stream:
                    while chunk := stream.read(_CHUNK):
                        budget -= len(chunk)
                        if budget < 0:
                            raise TableError(TableProblem.NOT_A_TABLE)
                        if sheet is not None:
                            sheet.feed(chunk)
                if sheet is not None:
                    sheet.finish()
    except TableError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, ValueError, OSError) as exc:
        raise TableError(TableProblem.NOT_A_TABLE) from exc


class _SheetScan:
    """Counts a sheet's cells and finds its last row and column as the XML streams by."""

    _ROOM = 1_000  # empty rows and a title above the header are allowed for

    def __init__(self, max_rows: int) -> None:
        self.max_rows = max_rows + self._ROOM
        self.max_cells = self.max_rows * MAX_COLUMNS
        self.cells = 0
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        text = self._tail + chunk
        cut = max(0, len(text) - 256)  # a tag cut by the chunk's end is seen whole with the next chunk
        cut = max(0, text.rfind(b"<", 0, cut + 1))
        self._tail = text[cut:]
        self._scan(text[:cut])

    def finish(self) -> None:
        self._scan(self._tail)
        self._tail = b""

    def _scan(self, head: bytes) -> None:
        self.cells += len(_CELL.findall(head))
        if self.cells > self.max_cells:
            raise TableError(TableProblem.TOO_MANY_ROWS)
        for letters, digits in _CELL_REF.findall(head):
            if int(digits) > self.max_rows:
                raise TableError(TableProblem.TOO_MANY_ROWS)
            if len(letters) > 2 or _column(letters) > MAX_COLUMNS:
                raise TableError(TableProblem.NOT_A_TABLE)


def _column(letters: bytes) -> int:
    number = 0
    for char in letters:
        number = number * 26 + char - 64
    return number


def _workbook_rows(data: bytes) -> Iterator[tuple[int, tuple[Cell, ...]]]:
    from python_calamine import CalamineWorkbook  # imported on first use: start-up stays fast

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not workbook.sheet_names:
            raise TableError(TableProblem.EMPTY)
        sheet = workbook.get_sheet_by_index(0)
        first_row = (sheet.start or (0, 0))[0] + 1
        rows = sheet.to_python(skip_empty_area=True)
    except TableError:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # calamine's errors share no base class; a Rust panic is a BaseException
        raise TableError(TableProblem.NOT_A_TABLE) from exc
    return ((first_row + offset, tuple(None if v == "" else v for v in row)) for offset, row in enumerate(rows))


def decode(data: bytes) -> str:
    """Text as Excel saves CSV: UTF-8 (a BOM is dropped), else Windows-1251 (Excel's Cyrillic ANSI);
    Excel's "Unicode text" (UTF-16 with its BOM, tab-separated) too."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1251", errors="replace")


def _csv_rows(data: bytes) -> Iterator[tuple[int, tuple[Cell, ...]]]:
    try:
        text = decode(data)
    except UnicodeDecodeError as exc:
        raise TableError(TableProblem.NOT_A_TABLE) from exc
    if "\x00" in text[:4096]:
        raise TableError(TableProblem.NOT_A_TABLE)  # binary: not a text table
    if not text.strip():
        raise TableError(TableProblem.EMPTY)
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    if first_line.count(delimiter) == 0:
        raise TableError(TableProblem.NOT_A_TABLE)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def rows() -> Iterator[tuple[int, tuple[Cell, ...]]]:
        try:
            for values in reader:
                yield reader.line_num, tuple(v.strip() or None for v in values)
        except csv.Error as exc:
            raise TableError(TableProblem.NOT_A_TABLE) from exc

    return rows()
