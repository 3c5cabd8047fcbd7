"""Tables in and out, end to end: real CSV and XLSX files sent to the bot over the emulator, the preview,
apply, re-apply, cancel, refusals; every export opened with openpyxl and its cells checked."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl

from bot.tables.writer import Sheet, workbook_bytes
from tests.e2e import PNG, Person, joins, start_bot
from tests.test_e2e_planning import gross_violation_inspection

ADMIN, SUPERVISOR, INSPECTOR = 1001, 5005, 2002
BIN_A = "990340001230"  # valid control digits (tests/test_validation.py)
BIN_B = "940215001231"
BAD_CHECKSUM = "990340001231"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(message) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(message["document_bytes"]))


def cells(sheet) -> list[list[object]]:
    return [[c.value for c in row] for row in sheet.iter_rows()]


async def sends_table(person: Person, name: str, content: bytes, caption: str | None = None) -> None:
    mime = XLSX if name.endswith(".xlsx") else "text/csv"
    await person.sends_document(file_name=name, mime_type=mime, content=content, caption=caption)


SUBJECTS_CSV = (
    "БИН;Наименование;Вид;Регион;Адрес\n"
    f"{BIN_A};ТОО «Ак жол»;аким;Астана;ул. Абая, 1\n"
    f"{BIN_B};ГУ «ЦОН»;central_body;Алматы;\n"
    f"{BAD_CHECKSUM};Ошибка;akim;;\n"  # row 4: the control digit
    f"{BIN_B};Повтор;provider;;\n"  # row 5: the same subject twice
    "940215001231;;akim;;\n"  # row 6: no name
    "940215001231;Неизвестный вид;министерство;;\n"  # row 7: not a subject of control of item 2 5)
)


async def test_admin_imports_the_registry_from_a_windows_1251_csv_applies_and_reimports(emu, tmp_path):
    app = await start_bot(emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN))
    try:
        admin = Person(emu, ADMIN, first_name="Admin")
        await admin.says("/import")
        assert "CSV или XLSX" in admin.text and "БИН/ИИН, Наименование" in admin.text
        await admin.taps("📄 Шаблон: реестр субъектов")
        template = workbook(admin.screen)
        assert cells(template.worksheets[0])[0][:5] == [
            "БИН/ИИН",
            "Наименование",
            "Вид субъекта контроля",
            "Регион",
            "Адрес",
        ]
        assert template.worksheets[0].freeze_panes == "A2"
        help_rows = cells(template.worksheets[1])
        assert any("central_body" in str(r[3]) and "әкім" in str(r[3]) for r in help_rows)

        await sends_table(admin, "registry.csv", SUBJECTS_CSV.encode("cp1251"))
        text = admin.messages[-2]["text"]  # the preview, then the rejected rows' file
        assert "Будет добавлено: 2" in text and "Отклонено: 4" in text and "Без изменений: 0" in text
        assert "строка 4, «БИН/ИИН»: неверная контрольная цифра" in text
        assert "строка 5, «БИН/ИИН»: повтор строки" in text
        assert "строка 6, «Наименование»: пустая ячейка" in text
        assert "строка 7, «Вид субъекта контроля»: неизвестный вид" in text
        rejected = cells(workbook(admin.screen).active)
        assert rejected[0][:3] == ["Строка", "Столбец", "Причина"] and [r[0] for r in rejected[1:]] == [4, 5, 6, 7]
        assert (await app.services.db.fetch_one("SELECT count(*) FROM subjects"))[0] == 0  # nothing yet

        # The bot restarts between the preview and the tap: the pending import is a row, the tap still works.
        await app.stop()
        app = await start_bot(emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN))
        await admin.taps("✅ Записать", message_id=admin.messages[-2]["message_id"])
        assert "добавлено 2" in admin.text
        rows = await app.services.db.fetch_all("SELECT bin, name, control_kind, region FROM subjects ORDER BY bin")
        assert [tuple(r) for r in rows] == [
            (BIN_B, "ГУ «ЦОН»", "central_body", "Алматы"),
            (BIN_A, "ТОО «Ак жол»", "akim", "Астана"),
        ]
        audit = await app.services.db.fetch_all("SELECT details FROM audit_log WHERE action = 'import.apply'")
        assert len(audit) == 1 and '"add": 2' in audit[0]["details"]

        # The same file again, now as a document captioned /import: nothing would change, nothing changes.
        await sends_table(admin, "registry.csv", SUBJECTS_CSV.encode("cp1251"), caption="/import")
        preview = admin.messages[-2]
        assert "Будет добавлено: 0" in preview["text"] and "Без изменений: 2" in preview["text"]
        before = await app.services.db.fetch_all("SELECT * FROM subjects ORDER BY id")
        await admin.taps("✅ Записать", message_id=preview["message_id"])
        assert [tuple(r) for r in await app.services.db.fetch_all("SELECT * FROM subjects ORDER BY id")] == [
            tuple(r) for r in before
        ]
        assert "добавлено 0, обновлено 0, без изменений 2" in admin.text
        assert not emu.errors, emu.errors
    finally:
        await app.stop()


async def test_findings_from_xlsx_change_the_bin_card_and_bad_rows_are_named(emu, tmp_path):
    app = await start_bot(emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN))
    try:
        admin = Person(emu, ADMIN, first_name="Admin")
        supervisor = await joins(emu, ADMIN, "supervisor", SUPERVISOR)
        await supervisor.says(f"/subject {BIN_A} ТОО «Ақ жол»")
        await supervisor.says(f"/bin {BIN_A}")
        assert "По всем источникам" not in supervisor.text
        today = datetime.now().date()
        data = workbook_bytes(
            [
                Sheet(
                    "Выводы",
                    ["Дата", "критерий", "БИН", "Результат", "Источник"],
                    [
                        (date(2026, 3, 15), 21, BIN_A, "не соответствует", "жалоба № 12"),  # row 2: good
                        ("15.03.2026", 22, BIN_A, "complies", "жалоба № 12"),  # row 3: good
                        (date(2026, 3, 15), 5, BIN_A, "violated", "x"),  # row 4: criteria 1-19 only from check sheets
                        (date(2026, 3, 15), 36, BIN_A, "violated", "x"),  # row 5: no such criterion
                        (date(2026, 3, 15), 23, BIN_A, "может быть", "x"),  # row 6: unknown result
                        (date(today.year + 1, 1, 1), 24, BIN_A, "violated", "x"),  # row 7: in the future
                        ("2026/03/15", 25, BIN_A, "violated", "x"),  # row 8: a date written otherwise
                        (date(2026, 3, 15), 21, BIN_B, "violated", "x"),  # row 9: no such subject
                        (date(2026, 3, 15), 21, BIN_A, "violated", "жалоба № 12"),  # row 10: the same key as row 2
                    ],
                )
            ]
        )
        await sends_table(supervisor, "findings.xlsx", data, caption="/import")
        preview = supervisor.messages[-2]
        assert "Будет добавлено: 2" in preview["text"] and "Отклонено: 7" in preview["text"]
        for line in (
            "строка 4, «Критерий»: критерии 1–19",
            "строка 5, «Критерий»: номер критерия",
            "строка 6, «Результат»",
            "строка 7, «Дата»: дата в будущем",
            "строка 8, «Дата»: дата в формате",
            "строка 9, «БИН/ИИН»: субъекта с таким",
            "строка 10, «БИН/ИИН»: повтор",
        ):
            assert line in preview["text"], line
        await supervisor.taps("✅ Записать", message_id=preview["message_id"])
        stored = await app.services.db.fetch_all(
            "SELECT criterion, answer, found_on, source_note, import_file, import_row FROM findings ORDER BY criterion"
        )
        assert [tuple(r) for r in stored] == [
            (21, "violated", "2026-03-15", "жалоба № 12", "findings.xlsx", 2),
            (22, "complies", "2026-03-15", "жалоба № 12", "findings.xlsx", 3),
        ]
        await supervisor.says(f"/bin {BIN_A}")
        # Over the 35 criteria (item 9: SP1 is the required number): 1 of 15 significant, 22 complies.
        assert "Показатель субъекта по всем 35 критериям (пп. 7–9): 4.67" in supervisor.text
        assert "Из таблиц: findings.xlsx (строки 2, 3)" in supervisor.text  # the figure leads back to its lines

        # A later file says criterion 22 was violated on that date by that source: updated, not added.
        data = workbook_bytes(
            [
                Sheet(
                    "s",
                    ["bin", "criterion", "result", "date", "source"],
                    [(BIN_A, 22, "violated", "2026-03-15", "жалоба № 12")],
                )
            ]
        )
        await sends_table(supervisor, "again.xlsx", data, caption="/import")
        assert "Будет обновлено: 1" in supervisor.text
        await supervisor.taps("✅ Записать")
        assert (await app.services.db.fetch_one("SELECT count(*) FROM findings"))[0] == 2
        assert (await app.services.db.fetch_one("SELECT answer FROM findings WHERE criterion = 22"))[0] == "violated"
        # An inspector may not import.
        inspector = await joins(emu, ADMIN, "inspector", INSPECTOR)
        await inspector.says("/import")
        assert "Загружать таблицы могут" in inspector.text
        assert admin.id == ADMIN and not emu.errors, emu.errors
    finally:
        await app.stop()


async def test_objective_facts_from_a_utf8_comma_csv_cancelled_write_nothing(emu, tmp_path):
    app = await start_bot(emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN))
    try:
        admin = Person(emu, ADMIN, first_name="Admin")
        await admin.says(f"/subject {BIN_A} ТОО «Ақ жол»")
        content = (
            "\ufeffbin,condition,date,value,source\n"
            f"{BIN_A},1,2026-06-30,1500,ИС «Е-лицензирование»\n"
            f"{BIN_A},2,01.07.2026,да,письмо 5\n"
            f"{BIN_A},7,01.07.2026,да,письмо 5\n"  # row 4: no condition 7
            f"{BIN_A},5,01.07.2026,три,письмо 5\n"  # row 5: a count in words
            f"{BIN_A},3,01.07.2026,может,письмо 5\n"  # row 6: not yes or no
            f"{BIN_A},4,01.07.2026,нет,\n"
        )  # row 7: no source
        await admin.says("/import")
        await sends_table(admin, "facts.csv", content.encode("utf-8"))
        text = admin.messages[-2]["text"]
        assert "Будет добавлено: 2" in text and "Отклонено: 4" in text
        assert "строка 4, «Условие»: номер условия" in text and "строка 5, «Значение»: для условий 1 и 5" in text
        assert "строка 6, «Значение»: значение должно быть" in text and "строка 7, «Источник»: пустая" in text
        await admin.taps("✖ Отменить", message_id=admin.messages[-2]["message_id"])
        assert "ничего не записано" in admin.text
        assert (await app.services.db.fetch_one("SELECT count(*) FROM objective_records"))[0] == 0
        # Apply after cancel does nothing either.
        pending = await app.services.db.fetch_one("SELECT id, status FROM imports ORDER BY id DESC")
        assert pending["status"] == "cancelled"

        await sends_table(admin, "facts.csv", content.encode("utf-8"), caption="/import")
        await admin.taps("✅ Записать", message_id=admin.messages[-2]["message_id"])
        rows = await app.services.db.fetch_all(
            "SELECT condition, met, value, occurred_on, import_row FROM objective_records ORDER BY condition"
        )
        assert [tuple(r) for r in rows] == [(1, 1, 1500, "2026-06-30", 2), (2, 1, None, "2026-07-01", 3)]
        await admin.says(f"/bin {BIN_A}")
        assert "высокая группа" in admin.text

        # A subject not in the registry yet is created by the row that names it; later rows may omit the name.
        content = (
            "bin,name,condition,date,value,source\n"
            f"{BIN_B},ГУ «ЦОН»,3,2026-05-01,нет,письмо 7\n"
            f"{BIN_B},,6,2026-05-01,да,письмо 7\n"
        )
        await sends_table(admin, "new.csv", content.encode("utf-8"), caption="/import")
        assert "Будет добавлено: 2" in admin.text and "Новых субъектов (из столбца «Наименование»): 1" in admin.text
        await admin.taps("✅ Записать")
        subject = await app.services.db.fetch_one("SELECT name, kind FROM subjects WHERE bin = ?", (BIN_B,))
        assert tuple(subject) == ("ГУ «ЦОН»", "IIN")  # its 5th digit says an individual
        assert (await app.services.db.fetch_one("SELECT count(*) FROM objective_records"))[0] == 4
        assert not emu.errors, emu.errors
    finally:
        await app.stop()


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (400 * 1024 * 1024))
    return buffer.getvalue()


async def test_files_that_are_no_table_are_refused_with_a_reason(emu, tmp_path):
    app = await start_bot(emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN))
    try:
        admin = Person(emu, ADMIN, first_name="Admin")
        await sends_table(admin, "photo.xlsx", PNG, caption="/import")
        assert "это не таблица CSV или XLSX" in admin.text
        await sends_table(admin, "bomb.xlsx", zip_bomb(), caption="/import")
        assert "это не таблица CSV или XLSX" in admin.text
        await sends_table(admin, "other.csv", b"fruit;colour\napple;red\n", caption="/import")
        assert "заголовок не распознан" in admin.text
        await admin.sends_document(
            file_name="huge.csv", mime_type="text/csv", file_size=21 * 1024 * 1024, caption="/import"
        )
        assert "больше 20 МБ" in admin.text
        app.services.imports.max_rows = 3
        rows = "".join(f"{BIN_A};Имя {n};akim;;\n" for n in range(4))
        await sends_table(admin, "long.csv", f"bin;name;kind;region;address\n{rows}".encode(), caption="/import")
        assert "больше 3 строк" in admin.text
        assert (await app.services.db.fetch_one("SELECT count(*) FROM imports WHERE status = 'pending'"))[0] == 0
        assert not emu.errors, emu.errors
    finally:
        await app.stop()


async def test_exports_open_in_a_spreadsheet_with_headers_dates_and_numbers(emu, tmp_path):
    app = await start_bot(emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN))
    try:
        admin = Person(emu, ADMIN, first_name="Admin")
        inspector = await joins(emu, ADMIN, "inspector", INSPECTOR)
        supervisor = await joins(emu, ADMIN, "supervisor", SUPERVISOR, language_code="kk")
        await gross_violation_inspection(inspector)

        await admin.says("/export")
        book = workbook(admin.screen)
        sheets = cells(book.worksheets[0])
        assert sheets[0][:2] == ["№ листа", "Завершён"] and book.worksheets[0].freeze_panes == "A2"
        assert sheets[1][0] == 1 and isinstance(sheets[1][1], datetime) and sheets[1][4] == BIN_A
        assert sheets[1][8] == 100 and sheets[1][9] == "высокая"
        answers = cells(book.worksheets[1])
        assert len(answers) == 20 and answers[9][1] == 9 and answers[9][4] == "не соответствует"
        await admin.says("/export csv")
        assert admin.screen["document"]["file_name"].endswith(".csv")
        assert ",100.00,high,1," in admin.screen["document_bytes"].decode("utf-8-sig")

        await supervisor.says("/export registry")
        registry = cells(workbook(supervisor.screen).active)
        assert registry[0][:2] == ["БСН/ЖСН", "Атауы"]
        assert registry[1][0] == BIN_A and registry[1][5] == 100 and registry[1][6] == "жоғары"
        assert isinstance(registry[1][9], datetime)  # the last visit, a date cell

        await admin.says("/export audit")
        audit = cells(workbook(admin.screen).active)
        # every export said "sending a file…" while it was built, in the chat that asked
        actions = [(str(c["chat_id"]), c["action"]) for c in emu.calls_of("sendChatAction")]
        assert actions.count((str(ADMIN), "upload_document")) >= 3
        assert (str(SUPERVISOR), "upload_document") in actions
        assert audit[0][3] == "Действие" and any(r[3] == "invitation.redeem" for r in audit[1:])
        assert all(isinstance(r[1], datetime) for r in audit[1:])

        today = datetime.now(ZoneInfo("Asia/Almaty")).strftime("%d.%m.%Y")
        await supervisor.says(f"/objective {BIN_A} 2 {today} заявление")  # a dated fact (chapter 2 item 4)
        await supervisor.says("/plan")
        await supervisor.taps("📊 XLSX")
        plan = workbook(supervisor.screen).active
        rows = cells(plan)
        assert "жоба" in rows[0][0]  # the draft's title
        assert rows[2][:3] == ["№", "БСН/ЖСН", "Атауы"] and plan.freeze_panes == "A4"
        assert rows[3][0] == 1 and rows[3][1] == BIN_A and rows[3][4] == 100
        assert "БЕКІТЕМІН" in rows[-1][0]
        assert not emu.errors, emu.errors
    finally:
        await app.stop()


async def test_a_newer_preview_replaces_an_older_one_and_a_pdf_after_import_is_not_taken_as_a_table(emu, tmp_path):
    app = await start_bot(emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN))
    try:
        admin = Person(emu, ADMIN, first_name="Admin")
        first = f"bin;name;kind\n{BIN_A};Первый;akim\n".encode()
        second = f"bin;name;kind\n{BIN_A};Второй;akim\n".encode()
        await admin.says("/import")
        await sends_table(admin, "first.csv", first)
        older = admin.screen["message_id"]
        await sends_table(admin, "second.csv", second, caption="/import")
        await admin.taps("✅ Записать", message_id=older)
        assert "уже записана или отменена" in admin.text
        assert (await app.services.db.fetch_one("SELECT count(*) FROM subjects"))[0] == 0
        await admin.taps("✅ Записать")
        assert (await app.services.db.fetch_one("SELECT name FROM subjects"))[0] == "Второй"

        await admin.says("/import")
        shown = len(admin.messages)
        await admin.sends_document(file_name="act.pdf", mime_type="application/pdf", content=b"%PDF-1.4")
        assert not any("Файл не загружен" in (m.get("text") or "") for m in admin.messages[shown:])
        assert not emu.errors, emu.errors
    finally:
        await app.stop()


async def test_a_sheet_finished_on_1_january_for_an_act_of_31_december_is_in_the_decembers_years_export(emu, tmp_path):
    app = await start_bot(emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN))
    try:
        admin = Person(emu, ADMIN, first_name="Admin")
        await joins(emu, ADMIN, "inspector", INSPECTOR)
        db = app.services.db
        catalogue = app.services.assessment.catalogue
        # Finished at 00:30 on 1 January 2026 in Almaty (19:30 UTC on 31 December) for the act of 31.12.2025;
        # and one finished on 30 December 2025 for an act of 2 January 2026 (typed ahead, as happens).
        async with db.transaction() as tx:
            for sheet_id, act_date, finished in (
                (1, "31.12.2025", "2025-12-31T19:30:00+00:00"),
                (2, "02.01.2026", "2025-12-30T09:00:00+00:00"),
            ):
                await tx.execute(
                    "INSERT INTO inspections (id, inspector_id, status, catalogue_version, language, step,"
                    " subject_bin, subject_name, act_number, act_date, created_at, updated_at, finalized_at,"
                    " indicator, risk_class, gross_rule_fired) VALUES (?, ?, 'finalized', ?, 'ru', 'done', ?,"
                    " 'ТОО «Ак жол»', ?, ?, ?, ?, ?, '0.00', 'not_high', 0)",
                    (
                        sheet_id,
                        INSPECTOR,
                        catalogue.version,
                        BIN_A,
                        f"{sheet_id}/A",
                        act_date,
                        finished,
                        finished,
                        finished,
                    ),
                )
                for requirement in catalogue.checklist:
                    await tx.execute(
                        "INSERT INTO answers (inspection_id, item, criterion, severity, answer, answered_by,"
                        " answered_at) VALUES (?, ?, ?, ?, 'complies', ?, ?)",
                        (
                            sheet_id,
                            requirement.number,
                            requirement.criterion,
                            requirement.severity.value,
                            INSPECTOR,
                            finished,
                        ),
                    )

        await admin.says("/export 2025")
        book = workbook(admin.screen)
        sheets = cells(book.worksheets[0])
        assert [row[0] for row in sheets[1:]] == [1] and sheets[1][7] == "31.12.2025"
        assert sheets[1][1] == datetime(2026, 1, 1, 0, 30)  # its finish, local time: the next year
        assert {row[0] for row in cells(book.worksheets[1])[1:]} == {1}  # and its answers only
        await admin.says("/export 2026 csv")
        lines = admin.screen["document_bytes"].decode("utf-8-sig").splitlines()
        assert [line.split(",")[0] for line in lines[1:]] == ["2"]
        assert not emu.errors, emu.errors
    finally:
        await app.stop()
