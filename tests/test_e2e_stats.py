"""/stats end to end: the charts arrive as PNG photos with captions in words, the XLSX holds the figures
behind them; an empty database, a bad period and an inspector each get one clear message."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
from PIL import Image

from tests.e2e import Person, joins, start_bot
from tests.test_e2e_planning import BIN, gross_violation_inspection

ADMIN, SUPERVISOR, INSPECTOR, HEAD = 1001, 5005, 2002, 7007
BIN_B = "940215001231"
BIN_C = "940215001241"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def rows(sheet) -> list[list[object]]:
    return [[c.value for c in row] for row in sheet.iter_rows()]


def photos(person: Person) -> list[dict]:
    return [m for m in person.messages if m.get("photo")]


async def seed(app, today: date) -> None:
    """Around the inspection the inspector made through the bot (item 9 violated, subject BIN, today):
    two more subjects in the registry with regions, criterion 25 found violated three times and
    complied with once, the list of this half-year approved with BIN (visited) and BIN_B (not yet)."""
    db = app.services.db
    async with db.transaction() as tx:
        a = (await tx.fetch_one("SELECT id FROM subjects WHERE bin = ?", (BIN,)))["id"]
        b = await tx.call(lambda r: r.subjects.upsert(BIN_B, "ГУ «ЦОН»", "BIN", None))
        c = await tx.call(lambda r: r.subjects.upsert(BIN_C, "ТОО «Третий»", "BIN", None))
        await tx.execute("UPDATE subjects SET region = 'Астана' WHERE id = ?", (a,))
        await tx.execute("UPDATE subjects SET region = 'Алматы' WHERE id = ?", (b,))

        def findings(r):
            for subject in (a, b, c):
                r.findings.add_finding(subject, 25, "significant", "violated", today, SUPERVISOR)
            r.findings.add_finding(c, 26, "minor", "complies", today, SUPERVISOR)

        await tx.call(findings)
        half = 1 if today.month <= 6 else 2
        await tx.execute(
            "INSERT INTO visit_lists (year, half, deadline, status, created_at, approved_by, approved_at)"
            " VALUES (?, ?, ?, 'approved', ?, ?, ?)",
            (
                today.year,
                half,
                f"{today.year}-05-10",
                "2026-01-01T00:00:00+00:00",
                SUPERVISOR,
                "2026-01-01T00:00:00+00:00",
            ),
        )
        list_id = (await tx.fetch_one("SELECT id FROM visit_lists"))["id"]
        for position, subject in enumerate((a, b), 1):
            await tx.execute(
                "INSERT INTO visit_list_entries (list_id, subject_id, position, indicator) VALUES (?, ?, ?, '100.00')",
                (list_id, subject, position),
            )


async def test_supervisor_gets_four_charts_naming_the_most_violated_criterion_and_their_figures_as_xlsx(emu, tmp_path):
    app = await start_bot(emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN))
    try:
        inspector = await joins(emu, ADMIN, "inspector", INSPECTOR)
        supervisor = await joins(emu, ADMIN, "supervisor", SUPERVISOR)
        await gross_violation_inspection(inspector)
        today = app.services.planning.today()
        await seed(app, today)

        before = len(supervisor.messages)
        await supervisor.says("/stats")
        await emu.wait_for(lambda: any(m.get("document") for m in supervisor.messages[before:]), timeout=60)
        assert [c for c in emu.calls_of("sendChatAction") if str(c["chat_id"]) == str(SUPERVISOR)][-1][
            "action"
        ] == "upload_photo"
        sent = photos(supervisor)
        assert len(sent) == 4 and len({m["media_group_id"] for m in sent}) == 1  # one album
        for message in sent:
            data = message["photo_bytes"]
            assert data.startswith(PNG_SIGNATURE)
            image = Image.open(io.BytesIO(data))
            assert image.format == "PNG" and image.size[0] >= 800 and image.size[1] >= 500
        captions = [m["caption"] for m in sent]
        # three subjects have an indicator: BIN (100, its gross violation), BIN_B and BIN_C (criterion 25)
        assert "Показатели субъектов на сегодня: 3." in captions[0] and "выше 70" in captions[0]
        assert "Чаще всего нарушался критерий 25 (3 раза)" in captions[1] and "Нарушений за " in captions[1]
        assert "Проверок за " in captions[2] and ": 1." in captions[2]
        assert "план 2, посещено 1 (50 %)" in captions[2]
        assert "Регионов: 2." in captions[3] and "Астана (1 из 1)" in captions[3] and "Алматы (0 из 1)" in captions[3]

        document = supervisor.messages[-1]
        assert document["document"]["file_name"].startswith("stats-") and "Цифры диаграмм" in document["caption"]
        book = openpyxl.load_workbook(io.BytesIO(document["document_bytes"]))
        indicators, criteria, months, regions = book.worksheets
        assert [s.title for s in book.worksheets] == ["Показатели", "Критерии", "По месяцам", "По регионам"]
        ind = rows(indicators)
        header = ind.index(["Интервал", "От", "До", "Субъектов"])
        bins = ind[header + 1 : header + 11]
        assert [r[1] for r in bins] == list(range(0, 100, 10)) and sum(r[3] for r in bins) == 3
        assert bins[-1][3] >= 1  # the inspected subject's 100
        crit = rows(criteria)
        header = crit.index(
            ["Критерий", "Текст критерия", "Из проверочных листов", "Из других источников", "Нарушений"]
        )
        assert [r[0] for r in crit[header + 1 :]] == [25, 9]
        assert crit[header + 1][2:] == [0, 3, 3] and crit[header + 2][2:] == [1, 0, 1]
        assert crit[header + 1][1] == app.services.catalogue.criteria[25].text("ru")  # whole, not shortened
        mon = rows(months)
        header = mon.index(
            [
                "Месяц",
                "План (утверждённый список)",
                "Посещено по списку",
                "По списку нарастающим итогом",
                "Все проверки",
            ]
        )
        body = mon[header + 1 :]
        assert len(body) == 12
        this_month = body[-1]
        assert this_month[0] == datetime(today.year, today.month, 1)
        assert this_month[1:] == [2, 1, 1, 1]
        assert sum(r[4] for r in body) == 1
        reg = rows(regions)
        header = reg.index(["Регион", "План (утверждённый список)", "Посещено по списку", "Все проверки"])
        assert reg[header + 1 :] == [["Астана", 1, 1, 1], ["Алматы", 1, 0, 0]]
    finally:
        await app.stop()


async def test_the_head_reads_the_charts_in_kazakh(emu, tmp_path):
    app = await start_bot(emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN))
    try:
        inspector = await joins(emu, ADMIN, "inspector", INSPECTOR)
        head = await joins(emu, ADMIN, "supervisor", HEAD, language_code="kk")
        await Person(emu, ADMIN, first_name="Admin").says(f"/role {HEAD} head")
        assert (await app.services.db.fetch_one("SELECT role FROM users WHERE telegram_id = ?", (HEAD,)))[0] == "head"
        await gross_violation_inspection(inspector)
        await seed(app, app.services.planning.today())
        await head.says(f"/stats {app.services.planning.today().year}")
        await emu.wait_for(lambda: bool(head.documents()), timeout=60)
        captions = [m["caption"] for m in photos(head)]
        assert "Ең жиі бұзылған өлшемшарт 25 (3 рет)" in captions[1]
        assert "жоспар 2, барылды 1 (50 %)" in captions[2]
    finally:
        await app.stop()


async def test_an_empty_database_says_there_is_nothing_to_show_and_sends_no_chart(emu, tmp_path):
    app = await start_bot(emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN))
    try:
        admin = Person(emu, ADMIN, first_name="Admin")
        await admin.says("/start")
        before = len(admin.messages)
        await admin.says("/stats 30d")
        new = admin.messages[before:]
        assert len(new) == 1 and "показать нечего" in new[0]["text"]
        assert not photos(admin) and not admin.documents()
    finally:
        await app.stop()


async def test_a_bad_period_gets_the_format_and_nothing_else_and_an_inspector_gets_a_refusal(emu, tmp_path):
    app = await start_bot(emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN))
    try:
        inspector = await joins(emu, ADMIN, "inspector", INSPECTOR)
        await gross_violation_inspection(inspector)
        admin = Person(emu, ADMIN, first_name="Admin")
        actions = len(emu.calls_of("sendChatAction"))
        for typed, reason in (
            ("2026-13", "Не понял период"),
            ("вчера", "Не понял период"),
            ("1999", "не раньше 2000 года"),
            ("2099-H1", "ещё не начался"),
            ("100m", "не длиннее 60 месяцев"),
        ):
            before = len(admin.messages)
            await admin.says(f"/stats {typed}")
            new = admin.messages[before:]
            assert len(new) == 1 and reason in new[0]["text"] and "/stats 30d" in new[0]["text"], typed
        assert len(emu.calls_of("sendChatAction")) == actions  # no "sending a photo…" for a bad period
        assert not photos(admin) and not admin.documents()

        before = len(inspector.messages)
        await inspector.says("/stats")
        new = inspector.messages[before:]
        assert len(new) == 1 and "руководителям отделов" in new[0]["text"] and not photos(inspector)
    finally:
        await app.stop()
