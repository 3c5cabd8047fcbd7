"""Issue 9 end to end: the subject's indicator over the 35 criteria, dated objective facts, one visit a
year, the head's (late) approval - the real bot over HTTP against the emulator, on a test calendar."""

from datetime import date

from bot.planning import ListPeriod
from bot.reminders import queue_deadline_reminders
from tests.e2e import Person, joins, pdf_text, start_bot

ADMIN, SUPERVISOR, INSPECTOR, HEAD = 1001, 5005, 2002, 7007
# Valid IINs/BINs (control digit checked).
BIN_A, BIN_B, BIN_C, BIN_D = "990340001230", "940215001231", "990340001240", "990340001250"
CARD = "Показатель субъекта по всем 35 критериям (пп. 7–9): "


async def send_reminders(app):
    """The 09:00 job: the reminders due go into the outbox (sent by its sender); how many were new."""
    return await queue_deadline_reminders(app.services.db, app.services.planning, app.sender.wake)


class Calendar:
    """The bot's local date, moved by the test."""

    def __init__(self, day: date) -> None:
        self.day = day

    def __call__(self) -> date:
        return self.day


async def register(person: Person, bin_: str, name: str) -> None:
    await person.says(f"/subject {bin_} {name}")
    assert "записан" in person.text


async def finding(
    person: Person, bin_: str, criterion: int, mark: str, group: int | None = None, on: str = "01.12.2026"
) -> None:
    """A finding dated by its event, typed as /findings; ``group``: the group its screen then shows."""
    word = {"❌": "нарушено", "✅": "соответствует"}[mark]
    await person.says(f"/findings {bin_} {criterion} {word} {on}")  # the source is optional
    assert "Записано" in person.messages[-2]["text"]
    if group is not None:
        assert f"• Группа {group}" in person.buttons()  # the screen shows the criterion's group


async def inspection(person: Person, bin_: str, act_date: str, violated: tuple[int, ...] = ()) -> None:
    await person.says(f"/new {bin_}")
    for value in ["ТОО «Ақ жол»", "Астана", "Акимат", "Агентство", "5", act_date, "Иванов И.", "Эксперт"]:
        await person.says(value)
    await person.says("Пропустить")  # the location step
    for item in range(1, 20):
        await person.taps("❌ Не соответствует" if item in violated else "✅ Соответствует")
        if item in violated:
            await person.taps("➡ Далее")
    await person.taps("🏁 Завершить")


async def test_four_subjects_get_the_figures_of_the_order(emu, tmp_path):
    app = await start_bot(emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN), today=Calendar(date(2026, 12, 1)))
    try:
        staff = await joins(emu, ADMIN, "inspector", INSPECTOR)
        for bin_ in (BIN_A, BIN_B, BIN_D):
            await register(staff, bin_, "ГУ «Субъект»")

        # A: no visit, criterion 21 (significant) and 22 (minor) violated: 1/15*70 + 1/5*30 = 10.67, not 100.
        await finding(staff, BIN_A, 21, "❌")
        await finding(staff, BIN_A, 22, "❌", group=3)
        await staff.says(f"/bin {BIN_A}")
        assert CARD + "10.67" in staff.text
        assert "SP1 = 15, SP2 = 1: 21 (запись от 01.12.2026)" in staff.text
        assert "SP1 = 5, SP2 = 1: 22 (запись от 01.12.2026)" in staff.text

        # B: one gross finding (criterion 20) makes 100 (item 9).
        await finding(staff, BIN_B, 20, "❌")
        await staff.says(f"/bin {BIN_B}")
        assert CARD + "100.00" in staff.text and "Грубое: 20 (запись от 01.12.2026)" in staff.text

        # C: a check sheet (items 1 and 5, significant) plus a finding of criterion 30 (minor):
        # 2/15*70 + 1/5*30 = 9.33 + 6 = 15.33; the sheet's own result stays over its 19 items: 2/8*70 = 17.50.
        await inspection(staff, BIN_C, "20.11.2026", violated=(1, 5))
        summary = next(
            m["text"] for m in reversed(staff.messages) if "Итог проверочного листа" in (m.get("text") or "")
        )
        assert "Показатель степени риска: 17.50" in summary
        assert CARD + "9.33" in summary  # the subject after this sheet: 2/15*70
        assert "1 (лист № 1, акт от 20.11.2026)" in summary
        await finding(staff, BIN_C, 30, "❌", group=4)
        await staff.says(f"/bin {BIN_C}")
        assert CARD + "15.33" in staff.text

        # D: recording that a criterion complies changes nothing.
        await finding(staff, BIN_D, 21, "❌")
        await staff.says(f"/bin {BIN_D}")
        before = staff.text
        assert CARD + "4.67" in before
        await finding(staff, BIN_D, 25, "✅", group=3)
        await staff.says(f"/bin {BIN_D}")
        assert CARD + "4.67" in staff.text and "SP1 = 15, SP2 = 1" in staff.text
    finally:
        await app.stop()


async def test_an_objective_complaint_seven_months_old_no_longer_puts_a_subject_in_the_high_group(emu, tmp_path):
    calendar = Calendar(date(2026, 12, 1))
    app = await start_bot(emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN), today=calendar)
    try:
        supervisor = await joins(emu, ADMIN, "supervisor", SUPERVISOR)
        await register(supervisor, BIN_A, "ГУ «Давний»")
        await register(supervisor, BIN_B, "ГУ «Свежий»")
        for bin_ in (BIN_A, BIN_B):
            await finding(supervisor, bin_, 20, "❌")  # gross: 100
        # The list of the first half of 2027 is approved by 10.12.2026: six months back is 10.06.2026.
        await supervisor.says(f"/objective {BIN_A} 2 01.05.2026 заявление № 4")
        assert "Записано" in supervisor.messages[-2]["text"]
        assert "2. ✖" in supervisor.text and "с 10.06.2026" in supervisor.text
        await supervisor.says(f"/objective {BIN_B} 2 01.07.2026 заявление № 9")
        assert "2. ✅" in supervisor.text

        await supervisor.says("/plan")
        assert f"1. ГУ «Свежий» ({BIN_B}) — 100.00" in supervisor.text
        assert f"ГУ «Давний» ({BIN_A}) — 100.00: нет объективного критерия" in supervisor.text

        # Bad input: a clear message and the usage.
        await supervisor.says(f"/objective {BIN_A} 1 01.11.2026")
        assert "нужно число" in supervisor.text
        await supervisor.says(f"/objective {BIN_A} 2 31.02.2026")
        assert "Такой даты нет" in supervisor.text
        await supervisor.says(f"/objective {BIN_A} 9 01.11.2026")
        assert "от 1 до 6" in supervisor.text
        # Condition 1 is met by more than a thousand services, not by a thousand.
        await supervisor.says(f"/objective {BIN_A} 1 30.11.2026 1000 ИС мониторинга")
        assert "1. ✖" in supervisor.text
        await supervisor.says(f"/objective {BIN_A} 1 30.11.2026 1001 ИС мониторинга")
        assert "1. ✅" in supervisor.text and "30.11.2026, 1001, ИС мониторинга" in supervisor.text
    finally:
        await app.stop()


async def test_a_subject_on_the_approved_first_half_list_is_left_off_the_second(emu, tmp_path):
    calendar = Calendar(date(2026, 12, 1))
    app = await start_bot(emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN), today=calendar)
    try:
        supervisor = await joins(emu, ADMIN, "supervisor", SUPERVISOR)
        head = await joins(emu, ADMIN, "head", HEAD, first_name="Head")
        await register(supervisor, BIN_A, "ГУ «Ақ жол»")
        await finding(supervisor, BIN_A, 20, "❌")
        await supervisor.says(f"/objective {BIN_A} 2 20.11.2026 заявление")

        await supervisor.says("/plan")
        assert f"1. ГУ «Ақ жол» ({BIN_A}) — 100.00" in supervisor.text
        assert "✅ Утвердить" not in supervisor.buttons()  # supervisors prepare, the head approves
        await head.says("/plan")
        await head.taps("✅ Утвердить")
        assert "утверждён" in head.text and "с опозданием" not in head.text

        calendar.day = date(2027, 4, 20)  # the second half of 2027 is due by 10.05.2027
        await supervisor.says("/plan")
        assert "2-е полугодие 2027" in supervisor.text
        assert "Таких субъектов нет" in supervisor.text
        assert f"ГУ «Ақ жол» ({BIN_A}) — 100.00: включён в утверждённый список 1-го полугодия" in supervisor.text
    finally:
        await app.stop()


async def test_a_visit_finished_at_23_30_local_on_31_december_counts_in_that_year(emu, tmp_path, monkeypatch):
    calendar = Calendar(date(2026, 12, 31))
    app = await start_bot(emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN), today=calendar)
    try:
        inspector = await joins(emu, ADMIN, "inspector", INSPECTOR)
        supervisor = await joins(emu, ADMIN, "supervisor", SUPERVISOR)
        # 23:30 in Almaty (UTC+5) on 31 December is 18:30 UTC.
        monkeypatch.setattr("bot.db.inspections.utc_now", lambda: "2026-12-31T18:30:00+00:00")
        await inspection(inspector, BIN_A, "31.12.2026", violated=(9,))  # gross: 100
        await supervisor.says(f"/objective {BIN_A} 2 20.12.2026 заявление")

        # The list of the second half of 2026, drawn now, leaves it out: visited in 2026.
        h2_2026 = ListPeriod(2026, 2, date(2026, 5, 10))
        visit_list, _ = await app.services.planning.current_with_gaps(h2_2026)
        assert [(o.bin, o.reason, o.detail) for o in visit_list.left_out] == [
            (BIN_A, "visited_this_year", "2026-12-31")
        ]
        assert visit_list.entries == ()

        # And the other way round: 00:30 local on 1 January 2027 is still 31 December in UTC; the visit is 2027's.
        calendar.day = date(2027, 1, 1)
        monkeypatch.setattr("bot.db.inspections.utc_now", lambda: "2026-12-31T19:30:00+00:00")
        await inspection(inspector, BIN_B, "01.01.2027", violated=(9,))
        await supervisor.says(f"/objective {BIN_B} 2 20.12.2026 заявление")
        visit_list, _ = await app.services.planning.current_with_gaps(h2_2026)
        assert [e.bin for e in visit_list.entries] == [BIN_B]  # not visited in 2026
        h2_2027 = ListPeriod(2027, 2, date(2027, 5, 10))
        visit_list, _ = await app.services.planning.current_with_gaps(h2_2027)
        assert [(o.bin, o.reason, o.detail) for o in visit_list.left_out] == [
            (BIN_B, "visited_this_year", "2027-01-01")
        ]

        # In 2027 subject A may be visited again: on the list of the second half of 2027.
        calendar.day = date(2027, 1, 5)
        await supervisor.says("/plan")
        assert "2-е полугодие 2027" in supervisor.text
        assert f"1. ТОО «Ақ жол» ({BIN_A}) — 100.00" in supervisor.text
    finally:
        await app.stop()


async def test_the_head_approves_a_list_late_and_is_reminded_after_the_deadline(emu, tmp_path):
    calendar = Calendar(date(2026, 12, 10))
    app = await start_bot(emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN), today=calendar)
    try:
        supervisor = await joins(emu, ADMIN, "supervisor", SUPERVISOR)
        head = await joins(emu, ADMIN, "head", HEAD, first_name="Head")
        # On the deadline day the reminder reaches the head too.
        assert await send_reminders(app) == 3  # supervisor, head, admin
        await emu.wait_for(lambda: "до 10.12.2026" in head.text)
        assert "до 10.12.2026: сегодня последний день" in head.text

        calendar.day = date(2026, 12, 12)
        assert await send_reminders(app) == 3
        await emu.wait_for(lambda: "срок прошёл" in head.text)
        assert "срок прошёл 2 дня назад" in head.text

        await supervisor.says("/plan")
        assert "1-е полугодие 2027" in supervisor.text and "✅ Утвердить" not in supervisor.buttons()
        await head.says("/plan")
        await head.taps("✅ Утвердить")
        assert "<b>с опозданием</b>" not in head.text  # HTML is rendered, not shown
        assert "с опозданием: утверждён 12.12.2026, срок 10.12.2026" in head.text
        assert await send_reminders(app) == 0  # approved: no more reminders
        # An admin makes the supervisor acting head ("міндетін атқарушы адам"): the role, given by /role.
        admin = Person(emu, ADMIN, first_name="Admin")
        await admin.says(f"/role {SUPERVISOR} head")
        assert "руководитель уполномоченного органа" in admin.text
    finally:
        await app.stop()


async def test_a_second_visit_in_a_year_asks_a_reason_and_the_sheet_names_every_official(emu, tmp_path):
    app = await start_bot(emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN), today=Calendar(date(2026, 12, 1)))
    try:
        inspector = await joins(emu, ADMIN, "inspector", INSPECTOR)
        await inspection(inspector, BIN_A, "03.11.2026")

        await inspector.says(f"/new {BIN_A}")
        for value in ["ТОО «Ақ жол»", "Астана", "Акимат", "Агентство", "6", "20.11.2026"]:
            await inspector.says(value)
        # Item 10: warned and asked why, never blocked.
        assert "не чаще одного раза в год (п. 10)" in inspector.text and "в 2026 году" in inspector.text
        await inspector.says("Повторная жалоба заявителя")
        assert "Ваши фамилия, имя, отчество" in inspector.text  # the header goes on
        audit = await app.services.db.fetch_all(
            "SELECT details FROM audit_log WHERE action = 'inspection.repeat_visit'"
        )
        assert len(audit) == 1 and "Повторная жалоба заявителя" in audit[0]["details"]
        for value in ["Иванов И.", "Эксперт"]:
            await inspector.says(value)
        await inspector.says("Пропустить")  # the location step
        for _ in range(19):
            await inspector.taps("✅ Соответствует")

        # Several officials ("лауазымды адам(дар)"): added from the review's header menu.
        await inspector.taps("✏ Шапка листа")
        await inspector.taps("👥 Другие лица")
        await inspector.says("Петров Пётр")  # no position: a clear message, the same step again
        assert "через точку с запятой" in inspector.text
        await inspector.says("Петров Пётр; главный эксперт\nСидорова Анна; специалист")
        assert "Проверка ответов" in inspector.text
        await inspector.taps("🏁 Завершить")
        await inspector.taps("📄 PDF (қаз)")
        text = pdf_text(inspector.documents()[-1])
        for name in ("Иванов И.", "Петров Пётр", "главный эксперт", "Сидорова Анна", "специалист"):
            assert name in text
        squashed = "".join(text.split())
        assert squashed.count("тегі,аты,әкесініңаты(барболғанжағдайда)") == 4  # three officials and the head
        assert "Бақылаужәнеқадағалаусубъектісініңбасшысы" in squashed
        assert "№ 102 Бірлескен бұйрығына\n2-қосымша" in text  # the annex header, line for line
        assert "Ескертпе" in text  # the note column
    finally:
        await app.stop()
