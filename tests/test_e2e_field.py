"""Field ergonomics (issue 11, item 5), end to end over the emulator: Back through the header, dates as a
phone types them and the "today" button, a bare BIN at a button step, the item screen with the order's
Kazakh text folded under the working translation."""

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.db.inspections import HEADER_FIELDS
from sandbox.html_check import utf16_len
from tests.conftest import BIN_A, BIN_B, TODAY
from tests.e2e import ADMIN, COMPLIES, INSPECTOR, header_values, joins, start_bot

KAZAKH = 3003
HEADER = header_values(BIN_A)
BACK, CANCEL = "⬅ Назад", "✖ Отменить лист"
MAX_TEXT = 4096  # Telegram's limit of a message's text, after the entities are parsed out


def calendar():
    return TODAY  # 25.11.2026: the bot's local date in these tests


BOT_TODAY = calendar  # tests/conftest.py: running


def callback_of(message: dict, label: str) -> str:
    return next(
        b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row if b["text"] == label
    )


async def draft_row(running):
    return await running.services.db.fetch_one("SELECT * FROM inspections WHERE status = 'draft'")


async def test_back_through_the_header_fixes_a_typo_and_keeps_every_other_value(emu, running, inspector):
    await inspector.says("/new")
    assert "Шаг 1/9" in inspector.text
    assert inspector.buttons() == [CANCEL]  # no Back on the first step
    typo = "ТОО «Ак жлл»"
    for value in [HEADER[0], typo, *HEADER[2:6]]:
        await inspector.says(value)
    assert "Шаг 7/9" in inspector.text and BACK in inspector.buttons()

    for number in (6, 5, 4, 3, 2):  # back to the name, each step showing what was typed there
        await inspector.taps(BACK)
        assert f"Шаг {number}/9" in inspector.text
        kept = [typo, *HEADER[2:6]][number - 2]
        assert inspector.buttons()[0].startswith("✓ " + kept[:20]), inspector.buttons()
    assert "Отправьте текстом или оставьте" in inspector.text and typo in inspector.text

    await inspector.says(HEADER[1])  # the name, right this time
    for number in (3, 4, 5, 6):  # the values typed before come back by one tap each
        assert f"Шаг {number}/9" in inspector.text
        await inspector.taps("✓ ")
    assert "Шаг 7/9" in inspector.text
    for value in HEADER[6:]:
        await inspector.says(value)
    await inspector.says("Пропустить")  # the location step
    assert inspector.text.startswith("1/19")

    row = await draft_row(running)
    stored = [row[field] for field in HEADER_FIELDS]
    assert stored == HEADER
    assert not emu.errors, emu.errors


async def test_back_is_safe_against_a_double_tap_and_an_old_message(emu, running, inspector):
    await inspector.says("/new")
    for value in HEADER[:3]:
        await inspector.says(value)
    step4 = inspector.screen
    assert "Шаг 4/9" in inspector.text
    data = callback_of(step4, BACK)
    emu.press(INSPECTOR, step4["message_id"], data)
    emu.press(INSPECTOR, step4["message_id"], data)  # the second tap arrives before the first is handled
    await emu.wait_idle()
    assert "Шаг 3/9" in inspector.text  # one step back, not two
    assert (await draft_row(running))["step"] == "subject_address"
    assert any("Уже сделано" in t for t in inspector.toasts())

    await inspector.says("Астана, Мәңгілік Ел 10")  # step 3 again: a new screen below, the old one retired
    assert "Шаг 4/9" in inspector.text
    old = next(m for m in inspector.messages if m["message_id"] == step4["message_id"])
    assert not old.get("reply_markup")
    emu.send_raw_update(
        {
            "callback_query": {
                "id": "stale-back",
                "from": {"id": INSPECTOR, "is_bot": False, "first_name": "A"},
                "chat_instance": "1",
                "data": data,
                "message": old,
            }
        }
    )  # Back of step 4 on the message that no longer shows the draft
    await emu.wait_idle()
    assert any("устарела" in t for t in inspector.toasts())
    row = await draft_row(running)
    assert (row["step"], row["subject_address"]) == ("state_body", "Астана, Мәңгілік Ел 10")


async def test_a_correction_from_the_review_has_no_back_but_keep(emu, running, inspector):
    await inspector.says("/new")
    for value in HEADER:
        await inspector.says(value)
    await inspector.says("Пропустить")  # the location step
    for _ in range(19):
        await inspector.taps(COMPLIES)
    await inspector.taps("✏ Шапка листа")
    await inspector.taps("Дата акта")
    assert "Шаг 7/9" in inspector.text
    assert BACK not in inspector.buttons()  # Back would lead off to another field; keep returns to the review
    await inspector.taps("✓ 03.11.2026")
    assert "Проверка ответов" in inspector.text


async def test_the_act_date_as_a_phone_types_it(emu, running, inspector):
    await inspector.says("/new")
    for value in HEADER[:6]:
        await inspector.says(value)
    assert "4.5.23" in inspector.text and "04/05/2023" in inspector.text  # the forms are said
    for typed, stored in (
        ("01.11.2026", "01.11.2026"),
        ("2.11.2026", "02.11.2026"),
        ("3.11.26", "03.11.2026"),
        ("04/11/2026", "04.11.2026"),
        ("5/11/26", "05.11.2026"),
    ):
        assert "Шаг 7/9" in inspector.text
        await inspector.says(typed)
        assert "Шаг 8/9" in inspector.text, (typed, inspector.text)
        assert (await draft_row(running))["act_date"] == stored
        await inspector.taps(BACK)
        assert inspector.buttons()[0] == f"✓ {stored}"  # the date comes back as stored

    await inspector.says("1.12.26")  # 2026 + a week: read as 2000+yy, in the future, refused
    assert "не может быть позже сегодняшней" in inspector.text and "Шаг 7/9" in inspector.text
    await inspector.says("1.11.99")  # 2099, never 1999
    assert "не может быть позже сегодняшней" in inspector.text and "Шаг 7/9" in inspector.text
    await inspector.says("1-11-2026")
    assert "дд.мм.гггг" in inspector.text and "1.12.2026" not in inspector.text and "Шаг 7/9" in inspector.text
    assert (await draft_row(running))["act_date"] == "05.11.2026"  # nothing refused was written

    await inspector.taps("📅 Сегодня, 25.11.2026")  # the bot's local date by one tap
    assert "Шаг 8/9" in inspector.text
    assert (await draft_row(running))["act_date"] == "25.11.2026"
    await inspector.taps(BACK)
    assert inspector.buttons()[:2] == ["✓ 25.11.2026", BACK]  # no second button for the same date
    assert not emu.errors, emu.errors


async def test_today_is_the_date_in_almaty_and_safe_against_a_double_tap(emu, tmp_path):
    app = await start_bot(emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN))  # the real calendar
    try:
        person = await joins(emu, ADMIN, "inspector", KAZAKH, language_code="kk", first_name="Нұрлан")
        await person.says("/new")
        for value in HEADER[:6]:
            await person.says(value)
        assert "7/9-қадам" in person.text
        before = datetime.now(ZoneInfo("Asia/Almaty")).date()
        label = next(b for b in person.buttons() if b.startswith("📅 Бүгін, "))
        screen = person.screen
        data = callback_of(screen, label)
        emu.press(KAZAKH, screen["message_id"], data)
        emu.press(KAZAKH, screen["message_id"], data)  # a double tap: the date once, the step once
        await emu.wait_idle()
        after = datetime.now(ZoneInfo("Asia/Almaty")).date()
        assert "8/9-қадам" in person.text
        row = await app.services.db.fetch_one("SELECT act_date, step FROM inspections WHERE status = 'draft'")
        assert row["step"] == "inspector_name"
        assert row["act_date"] in {d.strftime("%d.%m.%Y") for d in (before, after)}
        assert label.endswith(row["act_date"]) or before != after  # the date the button said
    finally:
        await app.stop()


async def test_a_bare_bin_reaches_the_look_up_while_an_item_waits_for_a_button(emu, running, inspector):
    await inspector.says("/new")
    for value in HEADER:
        await inspector.says(value)
    await inspector.says("Пропустить")  # the location step
    await inspector.taps(COMPLIES)
    item_screen = inspector.screen
    assert inspector.text.startswith("2/19")

    await inspector.says(BIN_B)  # another subject's number, typed while item 2 waits for a button
    assert BIN_B in inspector.text and "ещё не проверялся" in inspector.text
    row = await draft_row(running)
    assert (row["step"], row["current_item"], row["message_id"]) == ("item", 2, item_screen["message_id"])
    assert row["subject_bin"] == BIN_A  # the draft's header is not touched

    await inspector.says(BIN_A)  # the draft's own subject: its card too, not a text for the sheet
    assert BIN_A in inspector.text and "ещё не проверялся" in inspector.text
    await inspector.taps(COMPLIES, message_id=item_screen["message_id"])  # the draft goes on where it was
    assert (await draft_row(running))["current_item"] == 3
    assert list(await running.services.inspections.answers(row["id"])) == [1, 2]


def folded(message: dict) -> list[str]:
    """The texts of the message's expandable blockquotes (offsets in UTF-16 code units)."""
    encoded = message["text"].encode("utf-16-le")
    return [
        encoded[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in message.get("entities", [])
        if e["type"] == "expandable_blockquote"
    ]


async def walk_items(person, catalogue, check) -> None:
    """Every one of the items, first as asked, then again from the review with its answer shown."""
    for requirement in catalogue.checklist:
        assert person.text.startswith(f"{requirement.number}/{catalogue.checklist_size}"), person.text
        check(person.screen, requirement)
        await person.taps("✅")
    for requirement in catalogue.checklist:
        await person.taps(f"{requirement.number} ✅")
        check(person.screen, requirement)
        await person.taps("✅")


async def test_the_item_screen_folds_the_order_text_under_the_translation(emu, running, inspector, catalogue):
    await inspector.says("/new")
    for value in HEADER:
        await inspector.says(value)
    await inspector.says("Пропустить")  # the location step

    def check(message, requirement):
        assert utf16_len(message["text"]) <= MAX_TEXT
        assert folded(message) == [requirement.text.kk.strip()]  # the order's words, collapsed
        before_quote = message["text"].split(requirement.text.kk.strip())[0]
        assert requirement.text.ru.strip() in before_quote  # the working translation is the main text
        assert "Рабочий перевод" in before_quote

    await walk_items(inspector, catalogue, check)
    assert "Проверка ответов" in inspector.text
    assert not emu.errors, emu.errors


async def test_the_kazakh_item_screen_shows_the_order_text_once(emu, running, catalogue):
    person = await joins(emu, ADMIN, "inspector", KAZAKH, language_code="kk", first_name="Нұрлан")
    await person.says("/new")
    for value in HEADER:
        await person.says(value)
    await person.says("Өткізіп жіберу")  # the location step

    def check(message, requirement):
        assert utf16_len(message["text"]) <= MAX_TEXT
        assert folded(message) == []  # the order's text is the main text: no second copy
        assert message["text"].count(requirement.text.kk.strip()) == 1
        assert requirement.text.ru.strip() not in message["text"]

    await walk_items(person, catalogue, check)
    assert not emu.errors, emu.errors


async def test_the_header_in_kazakh_has_back_and_today(emu, running):
    person = await joins(emu, ADMIN, "inspector", KAZAKH, language_code="kk", first_name="Нұрлан")
    await person.says("/new")
    assert person.buttons() == ["✖ Парақты жою"]
    for value in HEADER[:6]:
        await person.says(value)
    assert person.buttons() == ["📅 Бүгін, 25.11.2026", "⬅ Артқа", "✖ Парақты жою"]
    await person.says("3.11.26")
    assert "8/9-қадам" in person.text
    await person.taps("⬅ Артқа")
    assert "7/9-қадам" in person.text and person.buttons()[0] == "✓ 03.11.2026"
