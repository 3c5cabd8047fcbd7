"""Follow-up on violations (issue 14 item 4), end to end over the emulator: a remedy deadline set at the
review, listed on the subject's card, reminded once through the outbox, closed by a later record."""

from datetime import date

from bot.reminders import queue_remedy_reminders
from tests.conftest import BIN_A
from tests.e2e import COMPLIES, INSPECTOR, VIOLATED, header_values
from tests.test_e2e_outbox import outbox_settled

TODAY = date(2026, 12, 2)
BOT_TODAY = lambda: TODAY  # noqa: E731  the bot's calendar (tests/conftest.py: running)
HEADER = header_values(BIN_A)


async def to_review(person, violated=(1,), act_date="03.11.2026", repeat_reason=None):
    await person.says("/new")
    for value in [*HEADER[:6], act_date, *HEADER[7:]]:
        await person.says(value)
        if value == act_date and repeat_reason:
            await person.says(repeat_reason)  # a second visit in the year asks why (item 10)
    await person.says("Пропустить")
    for item in range(1, 20):
        await person.taps(VIOLATED if item in violated else COMPLIES)
        if item in violated:
            await person.taps("➡ Далее")
    assert "Проверка ответов" in person.text


async def test_a_remedy_deadline_is_listed_reminded_once_and_closed_by_the_remedied_button(emu, running, inspector):
    db = running.services.db
    await to_review(inspector, violated=(1, 6))
    await inspector.taps("⏰ Сроки устранения")
    assert "п. 1: срок не задан" in inspector.text
    await inspector.says("2 10.12.2026")
    assert "Пункт 2 не отмечен как нарушение" in inspector.text
    await inspector.says("1 02.12.2026")
    assert "позже сегодняшнего" in inspector.text
    await inspector.says("1 31.02.2027")
    assert "Такой даты нет" in inspector.text
    await inspector.says("1 10.12.2026")
    assert "п. 1: до 10.12.2026" in inspector.text and "п. 6: срок не задан" in inspector.text
    await inspector.taps("⬅ К проверке ответов")
    await inspector.taps("🏁 Завершить")

    await inspector.says(f"/bin {BIN_A}")
    assert "Открытые нарушения" in inspector.text and "п. 1 — до 10.12.2026, лист № 1" in inspector.text
    assert "п. 6" not in inspector.text.split("Открытые нарушения")[1]  # no deadline: no follow-up

    wake = running.sender.wake
    assert await queue_remedy_reminders(db, "2026-12-09", wake) == 0  # not yet
    assert await queue_remedy_reminders(db, "2026-12-10", wake) == 1
    assert await queue_remedy_reminders(db, "2026-12-10", wake) == 0  # the job runs hourly: once
    assert await queue_remedy_reminders(db, "2026-12-11", wake) == 0  # and not again the next day
    await outbox_settled(running, emu)
    reminders = [m for m in inspector.messages if "срок устранения нарушения" in (m.get("text") or "")]
    assert len(reminders) == 1 and "п. 1 у ТОО «Ақ жол»" in reminders[0]["text"]

    await inspector.taps("✅ Устранено", message_id=reminders[0]["message_id"])
    assert "устранено" in inspector.text
    row = await db.fetch_one("SELECT closed_how, closed_by FROM remedies")
    assert (row["closed_how"], row["closed_by"]) == ("remedied", INSPECTOR)
    audit = await db.fetch_one("SELECT action, details FROM audit_log WHERE action = 'remedy.close'")
    assert audit is not None and "remedied" in audit["details"]
    await inspector.says(f"/bin {BIN_A}")
    assert "Открытые нарушения" not in inspector.text
    assert not emu.errors, emu.errors


async def test_a_later_sheet_finding_the_requirement_complying_closes_the_open_item(emu, running, inspector):
    db = running.services.db
    await to_review(inspector, violated=(1, 6))
    await inspector.taps("⏰ Сроки устранения")
    await inspector.says("1 10.12.2026\n6 20.12.2026")
    await inspector.taps("⬅ К проверке ответов")
    await inspector.taps("🏁 Завершить")
    # A second visit: item 1 now complies, item 6 is still violated.
    await to_review(inspector, violated=(6,), act_date="01.12.2026", repeat_reason="Проверка устранения нарушений")
    await inspector.taps("🏁 Завершить")
    rows = await db.fetch_all("SELECT item, closed_how, closing_inspection_id FROM remedies ORDER BY item")
    assert [(r["item"], r["closed_how"], r["closing_inspection_id"]) for r in rows] == [
        (1, "later_sheet", 2),
        (6, None, None),
    ]
    assert await db.fetch_one("SELECT 1 FROM audit_log WHERE action = 'remedy.close'") is not None
    await inspector.says(f"/bin {BIN_A}")
    opened = inspector.text.split("Открытые нарушения")[1]
    assert "п. 6 — до 20.12.2026" in opened and "п. 1 " not in opened
