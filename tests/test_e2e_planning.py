"""A supervisor's half-year list and deadline reminder, end to end against the emulator."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.reminders import queue_deadline_reminders
from bot.services.planning import PlanningService
from tests.e2e import joins, start_bot

ADMIN, SUPERVISOR, INSPECTOR, HEAD = 1001, 5005, 2002, 7007
BIN = "990340001230"


async def send_reminders(app, planning):
    """The 09:00 job: the reminders due go into the outbox; returns how many were new."""
    return await queue_deadline_reminders(app.services.db, planning, app.sender.wake)


def planning_on(app, day):
    """The planning service of the running bot, on a chosen day."""
    return PlanningService(
        app.services.db, app.services.catalogue, today=lambda: day, assessment=app.services.assessment
    )


async def gross_violation_inspection(inspector):
    await inspector.says(f"/new {BIN}")
    for value in ["ТОО «Ақ жол»", "Астана", "Акимат", "Агентство", "5", "03.11.2026", "Иванов И.", "Эксперт"]:
        await inspector.says(value)
    await inspector.says("Пропустить")  # the location step
    for item in range(1, 20):
        await inspector.taps("❌ Не соответствует" if item == 9 else "✅ Соответствует")
        if item == 9:
            await inspector.taps("➡ Далее")
    await inspector.taps("🏁 Завершить")


async def test_supervisor_sees_the_list_approves_it_and_gets_reminded(emu, tmp_path):
    app = await start_bot(emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN))
    try:
        inspector = await joins(emu, ADMIN, "inspector", INSPECTOR)
        supervisor = await joins(emu, ADMIN, "supervisor", SUPERVISOR)
        await gross_violation_inspection(inspector)  # indicator 100: high risk

        await inspector.says("/plan")
        assert "утверждает руководитель уполномоченного органа" in inspector.text

        # A reminder due 7 days before the list's deadline reaches the supervisor and the admin, once.
        planning = planning_on(app, date(2026, 12, 3))
        assert await send_reminders(app, planning) == 2
        assert await send_reminders(app, planning) == 0
        await emu.wait_for(lambda: "до 10.12.2026" in supervisor.text)
        assert "до 10.12.2026: осталось 7 дней." in supervisor.text
        assert "Список ещё не составлен" in supervisor.text
        assert "без оценки за полугодие" not in supervisor.text  # no objective condition recorded yet
        assert supervisor.buttons() == ["📋 Открыть список"]

        await supervisor.says("/plan")
        assert "1-е полугодие 2027" in supervisor.text and "10.12.2026" in supervisor.text
        # Indicator 100, but no objective condition recorded: not listed, and the supervisor is told why.
        assert "Таких субъектов нет" in supervisor.text
        assert f"нет объективного критерия (гл. 2 п. 4): /objective {BIN}" in supervisor.text
        # Condition 2: an application reached the authorised body, dated by the event.
        today = datetime.now(ZoneInfo("Asia/Almaty")).strftime("%d.%m.%Y")
        await supervisor.says(f"/objective {BIN} 2 {today} заявление № 7")
        assert "2. ✅" in supervisor.text
        await supervisor.says("/plan")
        assert f"1. ТОО «Ақ жол» ({BIN}) — 100.00" in supervisor.text
        assert "✅ Утвердить" not in supervisor.buttons()  # the head approves (item 11)
        head = await joins(emu, ADMIN, "head", HEAD, first_name="Head")
        await head.says("/plan")
        await head.taps("✅ Утвердить")
        assert "утверждён" in head.text
        await supervisor.says("/plan")
        assert "✅ Утвердить" not in supervisor.buttons()
        await supervisor.taps("📄 CSV")
        csv_text = supervisor.screen["document_bytes"].decode("utf-8-sig")
        assert BIN in csv_text and "approved" in csv_text

        assert await send_reminders(app, planning_on(app, date(2026, 12, 9))) == 0  # approved: silence
        assert not emu.errors, emu.errors
    finally:
        await app.stop()


async def test_other_sources_and_objective_criteria_show_on_the_card(emu, tmp_path):
    app = await start_bot(emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN))
    try:
        supervisor = await joins(emu, ADMIN, "supervisor", SUPERVISOR)
        await supervisor.says("/objective 940215001231")
        assert "ещё не известен" in supervisor.text
        await supervisor.says("/subject 940215001231 ГУ «Отдел ЗАГС» <i>")
        assert "записан" in supervisor.text
        await supervisor.says("/findings 940215001231")
        assert "Критерии 20–21" in supervisor.text and "не оценивался" in supervisor.text
        assert "/findings 940215001231 21 нарушено" in supervisor.text  # the usage, with an example
        # Significant: complaints not considered within five working days; dated by the complaint, with its source.
        await supervisor.says("/findings 940215001231 21 не соответствует 14.03.2026 жалоба № 7")
        assert "Записано" in supervisor.messages[-2]["text"]
        assert "21</b>" not in supervisor.text and "не соответствует (14.03.2026, жалоба № 7)" in supervisor.text
        await supervisor.taps("Группа 3")
        assert "Критерии 22–26" in supervisor.text
        await supervisor.says("/findings 940215001231 22 сәйкес келеді 15.03.2026")  # a Kazakh word, no source
        assert "Критерии 22–26" in supervisor.text and "соответствует (15.03.2026)" in supervisor.text
        # Bad input: a clear message, the usage, nothing recorded.
        for bad, says in (
            ("21 нарушено 01.01.2999", "не может быть позже"),
            ("9 нарушено 01.03.2026", "с 20 по 35"),
            ("21 плохо 01.03.2026", "Результат не распознан"),
            ("21 нарушено 31.02.2026", "Такой даты нет"),
            ("нарушено", "Не понял"),
        ):
            await supervisor.says(f"/findings 940215001231 {bad}")
            assert says in supervisor.text and "Записать вывод" in supervisor.text, bad
        await supervisor.says("/bin 940215001231")
        card = supervisor.text
        assert "ГУ «Отдел ЗАГС» <i>" in card  # escaped, shown as typed
        assert "Объективные критерии: не отмечены" in card
        # Item 9 over the 35 criteria: significant 1 of 15 (21) => 4.67; minor 0 of 5 (22 complies) => 0.
        assert "Показатель субъекта по всем 35 критериям (пп. 7–9): 4.67 — не отнесён к высокой степени риска" in card
        audit = await app.services.db.fetch_all("SELECT action, details FROM audit_log WHERE action LIKE 'finding.%'")
        assert len(audit) == 2 and '"found_on": "2026-03-14"' in audit[0]["details"]
        assert '"source_note": "жалоба № 7"' in audit[0]["details"]
        assert not emu.errors, emu.errors
    finally:
        await app.stop()


async def test_finished_sheets_mine_with_pdfs_and_a_years_export(emu, tmp_path):
    app = await start_bot(emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN))
    try:
        inspector = await joins(emu, ADMIN, "inspector", INSPECTOR)
        supervisor = await joins(emu, ADMIN, "supervisor", SUPERVISOR)
        await inspector.says("/mine")
        assert "пока нет" in inspector.text
        await gross_violation_inspection(inspector)
        await inspector.says("/mine")
        assert "№ 1 · " in inspector.text and f"ТОО «Ақ жол» ({BIN}) — 100.00" in inspector.text
        pdfs = len(inspector.documents())
        await inspector.taps("📄 № 1")
        assert len(inspector.documents()) == pdfs + 1
        await inspector.says("/export")
        assert "Выгружать таблицы могут" in inspector.text  # an inspector is told who exports tables
        await supervisor.says("/export 1999")
        assert "Формат" in supervisor.text
        await supervisor.says("/export csv")  # the former CSV, on request (plain /export gives XLSX)
        csv_text = supervisor.screen["document_bytes"].decode("utf-8-sig")
        lines = csv_text.strip().splitlines()
        assert len(lines) == 2 and BIN in lines[1] and ",100.00,high,1," in lines[1]
        this_year = datetime.now(ZoneInfo("Asia/Almaty")).year
        assert f"за {this_year} год: 1" in supervisor.text
        audit = await app.services.db.fetch_all("SELECT action FROM audit_log WHERE action = 'inspections.export'")
        assert len(audit) == 1
        assert not emu.errors, emu.errors
    finally:
        await app.stop()
