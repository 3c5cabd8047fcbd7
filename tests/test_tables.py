"""Reading tables as offices write them, and checking their rows: pure, no bot."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import openpyxl
import pytest

from bot.catalogue import default_catalogue
from bot.db.visit_lists import LeftOutEntry, ListEntry, VisitList
from bot.services.exports import visit_list_csv
from bot.services.import_rows import Action, Reason, check_rows, classify, key_of
from bot.tables.kinds import TableKind
from bot.tables.reader import TableError, TableProblem, read_table
from bot.tables.writer import Sheet, workbook_bytes

TODAY = date(2026, 11, 25)
BIN_A, BIN_B = "990340001230", "940215001231"
CATALOGUE = default_catalogue()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_a_csv_in_any_excel_encoding_and_delimiter_reads_the_same(encoding, delimiter):
    text = delimiter.join(["Наименование", "БИН", "Вид", "Адрес"]) + "\r\n"
    text += delimiter.join(["ТОО «Север»", BIN_A, "аким", '"ул. Абая, 1"']) + "\r\n"
    table = read_table(text.encode(encoding), max_rows=10)
    assert table.kind is TableKind.SUBJECTS
    assert table.rows[0].number == 2
    assert table.rows[0].cells == {"bin": BIN_A, "name": "ТОО «Север»", "kind": "аким", "address": "ул. Абая, 1"}


def test_excels_unicode_text_utf16_with_tabs_reads_too():
    text = f"БИН\tНаименование\tВид\r\n{BIN_A}\tТОО «Север»\tәкім\r\n"
    table = read_table(text.encode("utf-16"), max_rows=10)
    assert table.kind is TableKind.SUBJECTS and table.rows[0].cells["kind"] == "әкім"


def test_kazakh_headers_are_recognised_and_empty_lines_keep_the_numbering():
    text = "БСН/ЖСН;өлшемшарт;нәтиже;күні;дереккөз\n\n" + f"{BIN_A};21;сәйкес келмейді;15.03.2026;шағым\n"
    table = read_table(text.encode(), max_rows=10)
    assert table.kind is TableKind.FINDINGS and [r.number for r in table.rows] == [3]
    checked = check_rows(table.kind, table.rows, today=TODAY, known_bins={BIN_A}, catalogue=CATALOGUE)
    assert checked.accepted[0].answer == "violated" and checked.accepted[0].found_on == date(2026, 3, 15)


def test_a_workbook_gives_typed_cells_with_the_sheets_row_numbers():
    data = workbook_bytes(
        [
            Sheet(
                "x",
                ["bin", "condition", "date", "value", "source"],
                [(BIN_A, 1, date(2026, 6, 30), 1001, "ИС"), (BIN_A, 5, date(2026, 6, 30), 2, "ИС")],
            )
        ]
    )
    table = read_table(data, max_rows=10)
    assert table.kind is TableKind.OBJECTIVE and [r.number for r in table.rows] == [2, 3]
    checked = check_rows(table.kind, table.rows, today=TODAY, known_bins={BIN_A}, catalogue=CATALOGUE)
    assert [(r.condition, r.met, r.value) for r in checked.accepted] == [(1, True, 1001), (5, False, 2)]


def test_a_bin_typed_as_a_number_gets_its_leading_zero_back():
    number = "010203500016"  # hypothetical; its control digit decides
    from bot.validation import control_digit

    number = number[:11] + str(control_digit(number[:11]))
    data = workbook_bytes([Sheet("x", ["bin", "name", "kind"], [(int(number), "ИП", "provider")])])
    checked = check_rows(
        TableKind.SUBJECTS, read_table(data, max_rows=5).rows, today=TODAY, known_bins=set(), catalogue=CATALOGUE
    )
    assert checked.accepted[0].bin == number


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", TableProblem.EMPTY),
        (b"\x89PNG\r\n\x1a\n\x00\x00", TableProblem.NOT_A_TABLE),
        (b"just some words", TableProblem.NOT_A_TABLE),
        (b"PK\x03\x04 not really a zip", TableProblem.NOT_A_TABLE),
        (b"a;b;c\n1;2;3\n", TableProblem.UNKNOWN_HEADER),
    ],
)
def test_what_is_no_table_is_refused_with_its_reason(content, problem):
    with pytest.raises(TableError) as refused:
        read_table(content, max_rows=10)
    assert refused.value.problem is problem


def test_a_zip_bomb_is_refused_before_it_is_unpacked_whole():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(3):
            archive.writestr(f"xl/worksheets/sheet{n}.xml", b"0" * (100 * 1024 * 1024))
    assert len(buffer.getvalue()) < 1024 * 1024
    with pytest.raises(TableError) as refused:
        read_table(buffer.getvalue(), max_rows=10)
    assert refused.value.problem is TableProblem.NOT_A_TABLE


def test_a_sheet_of_more_rows_than_allowed_is_refused():
    rows = "".join(f"{BIN_A};n{i};akim\n" for i in range(6))
    with pytest.raises(TableError) as refused:
        read_table(f"bin;name;kind\n{rows}".encode(), max_rows=5)
    assert refused.value.problem is TableProblem.TOO_MANY_ROWS
    assert len(read_table(f"bin;name;kind\n{rows}".encode(), max_rows=6).rows) == 6


@pytest.mark.parametrize(
    ("row", "field", "reason"),
    [
        (["", "21", "violated", "2026-03-15", "s"], "bin", Reason.MISSING),
        (["99034000123", "21", "violated", "2026-03-15", "s"], "bin", Reason.NOT_12_DIGITS),
        (["990340001231", "21", "violated", "2026-03-15", "s"], "bin", Reason.CHECKSUM_MISMATCH),
        ([BIN_A, "19", "violated", "2026-03-15", "s"], "criterion", Reason.CHECK_SHEET_CRITERION),
        ([BIN_A, "36", "violated", "2026-03-15", "s"], "criterion", Reason.NOT_A_CRITERION),
        ([BIN_A, "двадцать", "violated", "2026-03-15", "s"], "criterion", Reason.NOT_A_CRITERION),
        ([BIN_A, "21", "maybe", "2026-03-15", "s"], "result", Reason.UNKNOWN_RESULT),
        ([BIN_A, "21", "violated", "2026-02-30", "s"], "date", Reason.BAD_DATE),
        ([BIN_A, "21", "violated", "15/03/2026", "s"], "date", Reason.BAD_DATE),
        ([BIN_A, "21", "violated", "2026-11-26", "s"], "date", Reason.DATE_IN_FUTURE),
        ([BIN_A, "21", "violated", "1999-12-31", "s"], "date", Reason.DATE_TOO_OLD),
        ([BIN_A, "21", "violated", "2026-03-15", ""], "source", Reason.MISSING),
        ([BIN_B, "21", "violated", "2026-03-15", "s"], "bin", Reason.UNKNOWN_SUBJECT),
    ],
)
def test_each_bad_finding_row_is_rejected_with_its_column_and_reason(row, field, reason):
    table = read_table(("bin;criterion;result;date;source\n" + ";".join(row) + "\n").encode(), max_rows=5)
    checked = check_rows(table.kind, table.rows, today=TODAY, known_bins={BIN_A}, catalogue=CATALOGUE)
    assert not checked.accepted
    assert [(r.row, r.field, r.reason) for r in checked.rejected] == [(2, field, reason)]


@pytest.mark.parametrize(
    ("row", "field", "reason"),
    [
        ([BIN_A, "0", "2026-03-15", "1", "s"], "condition", Reason.NOT_A_CONDITION),
        ([BIN_A, "1", "2026-03-15", "1.5", "s"], "value", Reason.NOT_A_COUNT),
        ([BIN_A, "5", "2026-03-15", "-3", "s"], "value", Reason.NOT_A_COUNT),
        ([BIN_A, "2", "2026-03-15", "возможно", "s"], "value", Reason.NOT_YES_NO),
        ([BIN_A, "2", "2026-03-15", "", "s"], "value", Reason.MISSING),
    ],
)
def test_each_bad_objective_row_is_rejected_with_its_column_and_reason(row, field, reason):
    table = read_table(("bin;condition;date;value;source\n" + ";".join(row) + "\n").encode(), max_rows=5)
    checked = check_rows(table.kind, table.rows, today=TODAY, known_bins={BIN_A}, catalogue=CATALOGUE)
    assert [(r.field, r.reason) for r in checked.rejected] == [(field, reason)]


@pytest.mark.parametrize(
    ("row", "field", "reason"),
    [
        ([BIN_A, "", "akim"], "name", Reason.MISSING),
        ([BIN_A, "x" * 501, "akim"], "name", Reason.TOO_LONG),
        ([BIN_A, "ТОО", "министерство"], "kind", Reason.UNKNOWN_CONTROL_KIND),
        ([BIN_A, "ТОО", "akim", "91", ""], "lat", Reason.BAD_COORDINATE),
    ],
)
def test_each_bad_subject_row_is_rejected_with_its_column_and_reason(row, field, reason):
    table = read_table(("bin;name;kind;lat;lon\n" + ";".join(row) + "\n").encode(), max_rows=5)
    checked = check_rows(table.kind, table.rows, today=TODAY, known_bins=set(), catalogue=CATALOGUE)
    assert [(r.field, r.reason) for r in checked.rejected] == [(field, reason)]


@pytest.mark.parametrize(
    ("word", "code"),
    [
        ("central_body", "central_body"),
        ("Орталық мемлекеттік орган", "central_body"),
        ("местный исполнительный орган", "local_executive_body"),
        ("әкім", "akim"),
        ("Аким", "akim"),
        ("юридическое лицо", "provider"),
        ("жеке және заңды тұлғалар", "provider"),
    ],
)
def test_a_subjects_kind_in_any_language_is_one_of_the_orders_four(word, code):
    table = read_table(f"bin;name;kind\n{BIN_A};ТОО;{word}\n".encode(), max_rows=5)
    checked = check_rows(table.kind, table.rows, today=TODAY, known_bins=set(), catalogue=CATALOGUE)
    assert checked.accepted[0].control_kind == code


def test_the_second_row_with_the_same_key_is_a_duplicate_and_classification_follows_what_is_stored():
    text = (
        "bin;criterion;result;date;source\n"
        f"{BIN_A};21;violated;2026-03-15;a\n{BIN_A};21;complies;15.03.2026;a\n{BIN_A};21;complies;2026-03-15;b\n"
    )
    table = read_table(text.encode(), max_rows=5)
    checked = check_rows(table.kind, table.rows, today=TODAY, known_bins={BIN_A}, catalogue=CATALOGUE)
    assert [(r.row, r.reason) for r in checked.rejected] == [(3, Reason.DUPLICATE_ROW)]
    first, second = checked.accepted
    assert key_of(first) == (BIN_A, 21, "2026-03-15", "a")
    assert classify(first, None) is Action.ADD
    assert classify(first, ("violated",)) is Action.UNCHANGED
    assert classify(second, ("violated",)) is Action.UPDATE


def test_an_empty_optional_cell_keeps_what_is_stored():
    table = read_table(f"bin;name;kind;address\n{BIN_A};ТОО;akim;\n".encode(), max_rows=5)
    record = check_rows(table.kind, table.rows, today=TODAY, known_bins=set(), catalogue=CATALOGUE).accepted[0]
    assert classify(record, ("ТОО", "akim", "Астана", "ул. 1", None, None)) is Action.UNCHANGED
    assert classify(record, ("ТОО", "provider", "Астана", "ул. 1", None, None)) is Action.UPDATE


def test_the_writer_keeps_dates_numbers_and_texts_that_look_like_formulas():
    data = workbook_bytes(
        [Sheet("a/b", ["date", "n", "text"], [(date(2026, 3, 15), 71.33, "=1+1")], footer=["approval"])]
    )
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws.title == "a b" and ws.freeze_panes == "A2"
    assert ws["A2"].value.date() == date(2026, 3, 15) and ws["A2"].number_format == "DD.MM.YYYY"
    assert ws["B2"].value == 71.33 and ws["C2"].value == "=1+1" and ws["C2"].data_type == "s"
    assert ws["A4"].value == "approval"


@pytest.mark.parametrize(
    ("far_cell", "problem"), [("XFD1", TableProblem.NOT_A_TABLE), ("A1048576", TableProblem.TOO_MANY_ROWS)]
)
def test_a_sheet_with_a_cell_far_away_is_refused_before_it_is_laid_out(far_cell, problem):
    book = openpyxl.Workbook()
    book.active.append(["bin", "name", "kind"])
    book.active[far_cell] = "x"
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(TableError) as refused:
        read_table(buffer.getvalue(), max_rows=100)
    assert refused.value.problem is problem


def test_a_zip_that_is_no_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("content.xml", "<office/>")
    with pytest.raises(TableError) as refused:
        read_table(buffer.getvalue(), max_rows=10)
    assert refused.value.problem is TableProblem.NOT_A_TABLE


def test_the_visit_list_csv_a_supervisor_downloads_keeps_its_bytes_entries_then_those_left_out_and_why():
    """The CSV of /plan, written by the exporter: a BOM (spreadsheet programs read it as UTF-8), commas, ISO
    dates, a line per entry, then a line per high-indicator subject left out with its reason (item 10)."""
    visit_list = VisitList(
        7,
        2026,
        2,
        date(2026, 12, 10),
        "approved",
        1002,
        "2026-12-09T05:00:00+00:00",
        (ListEntry(1, 11, BIN_A, "ТОО «Ақ жол», филиал", "100.00"),),
        date(2026, 12, 9),
        True,
        (
            LeftOutEntry(12, BIN_B, "ГУ Акимат", "visited_this_year", "2026-03-01", "85.50"),
            LeftOutEntry(13, "850101300123", "ИП Тест", "no_objective_condition", None, "70.00"),
        ),
    )
    assert (
        visit_list_csv(visit_list)
        == (
            "\ufeffposition,bin,name,indicator,year,half,deadline,status,approved_on,late,left_out_reason,visited_on\r\n"
            f'1,{BIN_A},"ТОО «Ақ жол», филиал",100.00,2026,2,2026-12-10,approved,2026-12-09,1,,\r\n'
            f",{BIN_B},ГУ Акимат,85.50,2026,2,2026-12-10,approved,2026-12-09,1,visited_this_year,2026-03-01\r\n"
            ",850101300123,ИП Тест,70.00,2026,2,2026-12-10,approved,2026-12-09,1,no_objective_condition,\r\n"
        ).encode()
    )
