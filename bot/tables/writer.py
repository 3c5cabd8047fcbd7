"""Writing XLSX with openpyxl: every table the bot sends goes through :func:`workbook_bytes`.

A sheet has an optional title above its header, a frozen bold header row, widths that fit the content,
dates as dates and numbers as numbers (a string of digits such as a BIN stays text), and optional lines
below the table (the approval line a head signs). Also :func:`csv_bytes` for who asks for CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any

Value = str | int | float | Decimal | date | datetime | bool | None

MAX_WIDTH = 60
MIN_WIDTH = 6
DATE_FORMAT = "DD.MM.YYYY"
DATETIME_FORMAT = "DD.MM.YYYY HH:MM"


@dataclass(slots=True)
class Sheet:
    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Value]]
    heading: Sequence[str] = ()  # lines above the header (a title)
    footer: Sequence[str] = ()  # lines below the table (an approval line)
    wrap: bool = False  # long texts wrap within MAX_WIDTH (a list printed for signing)
    number_formats: dict[int, str] = field(default_factory=dict)  # column index -> Excel number format


def _sheet_title(title: str) -> str:
    for char in "[]:*?/\\":
        title = title.replace(char, " ")
    return title[:31] or "Sheet"


def workbook_bytes(sheets: Sequence[Sheet]) -> bytes:
    """The workbook, written in openpyxl's write-only mode (rows stream out: a 100,000-row registry fits)."""
    from openpyxl import Workbook  # imported on first use: start-up stays fast
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    bold, wrapped = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    for spec in sheets:
        ws = book.create_sheet(_sheet_title(spec.title))
        rows = [tuple(values) for values in spec.rows]
        widths = [len(h) for h in spec.header]
        for values in rows:
            for index, value in enumerate(values):
                if index >= len(widths):
                    widths.append(0)
                widths[index] = max(widths[index], _width(value))
        for index, width in enumerate(widths):  # before any row: write-only sheets take widths first
            ws.column_dimensions[get_column_letter(index + 1)].width = min(MAX_WIDTH, max(MIN_WIDTH, width + 2))
        header_row = len(spec.heading) + (1 if spec.heading else 0) + 1
        ws.freeze_panes = f"A{header_row + 1}"
        styled = partial(_styled, WriteOnlyCell, ws)

        for line in spec.heading:
            ws.append([styled(line, font=bold)])
        if spec.heading:
            ws.append([])
        ws.append([styled(h, font=bold, alignment=wrapped) for h in spec.header])
        for values in rows:
            cells = []
            for index, value in enumerate(values):
                if isinstance(value, datetime):
                    cells.append(styled(value, number_format=DATETIME_FORMAT))
                elif isinstance(value, date):
                    cells.append(styled(value, number_format=DATE_FORMAT))
                elif index in spec.number_formats and isinstance(value, int | float | Decimal):
                    cells.append(styled(value, number_format=spec.number_formats[index]))
                elif isinstance(value, str) and (spec.wrap or value.startswith("=")):
                    cells.append(styled(value, alignment=wrapped if spec.wrap else None))
                else:
                    cells.append(_cell_value(value))  # a plain value: no cell object, the fast path
            ws.append(cells)
        if spec.footer:
            ws.append([])
            for line in spec.footer:
                ws.append([line])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _styled(
    cell_type: Any, ws: Any, value: Value, *, font: Any = None, alignment: Any = None, number_format: str | None = None
) -> Any:
    cell = cell_type(ws, value=_cell_value(value))
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # a text someone typed never becomes a formula
    if font is not None:
        cell.font = font
    if alignment is not None:
        cell.alignment = alignment
    if number_format is not None:
        cell.number_format = number_format
    return cell


def _cell_value(value: Value) -> Value:
    if isinstance(value, Decimal):
        return float(value)  # Excel has no decimals; two-place figures survive a double exactly as shown
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones: the caller passes local time
    return value


def _width(value: Value) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    return max((len(line) for line in str(value).splitlines()), default=0)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Value]]) -> bytes:
    """CSV with a BOM (opens right in spreadsheet programs), dates as ISO."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v.isoformat() if isinstance(v, date) else v for v in row])
    return buffer.getvalue().encode("utf-8-sig")
