"""An inspector's visit, end to end: the real aiogram Bot over HTTP against the Bot API emulator."""

from sandbox.emulator import BotAPIEmulator
from tests.conftest import BIN_A
from tests.e2e import (
    ADMIN,
    COMPLIES,
    INSPECTOR,
    NOT_APPLICABLE,
    PNG,
    VIOLATED,
    Person,
    header_values,
    joins,
    pdf_text,
    start_bot,
)

OTHER = 3003
SUBJECT = "ТОО «Әділет & Құқық» <b>"
HEADER = header_values(BIN_A, SUBJECT)


async def fill_header(person):
    await person.says("/new")
    for value in HEADER:
        await person.says(value)
    await person.says("Пропустить")  # the location step (tests/test_e2e_proof.py shares one)


async def answer(person, item, label):
    assert person.text.startswith(f"{item}/19"), person.text
    await person.taps(label)


async def test_unknown_user_is_told_access_is_by_invitation_with_their_id(emu, running):
    stranger = Person(emu, 4242)
    await stranger.says("/new")
    assert "4242" in stranger.text
    assert "по приглашению" in stranger.text and "шақыру бойынша" in stranger.text
    assert len(stranger.messages) == 1


async def test_full_inspection_known_answers_exact_score_and_pdf(emu, running, inspector):
    await fill_header(inspector)
    assert inspector.text.startswith("1/19")
    assert "Значительное" in inspector.text  # item 1 is significant (елеулі)
    await answer(inspector, 1, VIOLATED)
    assert "Нарушение записано" in inspector.text
    await inspector.says("Отчёт о публичном обсуждении не размещён")
    await inspector.sends_photo(content=PNG, caption="фасад")
    assert "Файлов: 1" in inspector.text
    await inspector.taps("➡ Далее")
    for item in range(2, 20):
        label = VIOLATED if item == 6 else NOT_APPLICABLE if item == 4 else COMPLIES
        await answer(inspector, item, label)
        if label == NOT_APPLICABLE:
            await inspector.taps("➡ Далее")  # not without a reason
            assert "причину «не применимо»" in inspector.toasts()[-1]
            await inspector.says("Услугодатель не государственный орган")
        if label in (VIOLATED, NOT_APPLICABLE):
            await inspector.taps("➡ Далее")
    assert "Проверка ответов" in inspector.text
    assert "&lt;b&gt;" not in inspector.text and "<b>" in inspector.text  # the name came through as text
    await inspector.taps("🏁 Завершить")

    summary = next(m["text"] for m in inspector.messages if "Итог проверочного листа" in (m.get("text") or ""))
    # Item 1 of 8 significant: 8.75; item 6 of 1 minor (item 4 not applicable): 30.00; SP = 38.75.
    assert "SP1 = 8, SP2 = 1 → SPз = 8.75" in summary
    assert "SP1 = 1, SP2 = 1 → SPн = 30.00" in summary
    assert "SP = SPз + SPн = 38.75" in summary
    assert "не отнесён к высокой степени риска" in summary
    assert SUBJECT in summary

    [pdf] = inspector.documents()
    text = pdf_text(pdf)
    assert SUBJECT in text and BIN_A in text and "17-П" in text
    assert "Отчёт о публичном обсуждении не размещён" in text
    # The reason, in the note column of item 4's row (a narrow column: compared without line breaks).
    assert "Услугодательнегосударственныйорган" in "".join(text.split())
    assert "38.75" in text

    inspection = await running.services.db.read(lambda r: r.inspections.draft_of(INSPECTOR))
    assert inspection is None  # finalized: no draft left
    row = await running.services.db.fetch_one("SELECT indicator, status FROM inspections")
    assert (row["indicator"], row["status"]) == ("38.75", "finalized")
    assert not emu.errors, emu.errors  # nothing the bot sent was rejected by the strict emulator


async def test_restart_in_the_middle_returns_to_the_next_unanswered_item(emu, running, inspector, tmp_path):
    await fill_header(inspector)
    await answer(inspector, 1, COMPLIES)
    await answer(inspector, 2, VIOLATED)
    await inspector.says("нет отчёта")
    await inspector.taps("➡ Далее")
    await answer(inspector, 3, NOT_APPLICABLE)
    await inspector.says("Не центральный государственный орган")
    await inspector.taps("➡ Далее")
    await running.stop()

    restarted = await start_bot(emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN))
    try:
        await inspector.says("/start")
        assert "незавершённый проверочный лист" in inspector.text
        assert "\n\n4/19" in inspector.text, inspector.text
        await inspector.taps(COMPLIES)
        assert inspector.text.startswith("5/19")
        stored = await restarted.services.inspections.answers(1)
        assert {n: a.answer for n, a in stored.items()} == {
            1: "complies",
            2: "violated",
            3: "not_applicable",
            4: "complies",
        }
        assert stored[2].comment == "нет отчёта"
    finally:
        await restarted.stop()


async def test_double_tap_answers_once(emu, running, inspector):
    await fill_header(inspector)
    screen = inspector.screen
    data = next(
        b["callback_data"] for row in screen["reply_markup"]["inline_keyboard"] for b in row if b["text"] == COMPLIES
    )
    emu.press(INSPECTOR, screen["message_id"], data)
    emu.press(INSPECTOR, screen["message_id"], data)  # the second tap arrives before the first is handled
    await emu.wait_idle()
    assert inspector.text.startswith("2/19")
    changes = await running.services.db.fetch_all("SELECT item FROM answer_changes")
    assert [r["item"] for r in changes] == [1]
    assert any("Уже сделано" in t for t in inspector.toasts())


async def test_button_on_an_old_message_changes_nothing(emu, running, inspector):
    await fill_header(inspector)
    first_screen = inspector.screen["message_id"]
    await answer(inspector, 1, COMPLIES)
    await inspector.says("какой-то текст")  # a hint and a fresh screen below: the old one is retired
    assert "кнопками" in inspector.text and "2/19" in inspector.text
    old = next(m for m in inspector.messages if m["message_id"] == first_screen)
    assert not old.get("reply_markup")  # the old screen lost its buttons
    stale_data = "i:1:2:v"
    emu.send_raw_update(
        {
            "callback_query": {
                "id": "stale-1",
                "from": {"id": INSPECTOR, "is_bot": False, "first_name": "A"},
                "chat_instance": "1",
                "data": stale_data,
                "message": old,
            }
        }
    )
    await emu.wait_idle()
    assert any("устарела" in t for t in inspector.toasts())
    stored = await running.services.inspections.answers(1)
    assert list(stored) == [1]


async def test_another_users_button_changes_nothing(emu, running, inspector):
    await joins(emu, ADMIN, "inspector", OTHER, first_name="Other")
    await fill_header(inspector)
    screen = inspector.screen
    data = next(
        b["callback_data"] for row in screen["reply_markup"]["inline_keyboard"] for b in row if b["text"] == VIOLATED
    )
    emu.send_raw_update(
        {
            "callback_query": {
                "id": "foreign-1",
                "from": {"id": OTHER, "is_bot": False, "first_name": "Other"},
                "chat_instance": "2",
                "data": data,
                "message": screen,
            }
        }
    )
    await emu.wait_idle()
    assert any("чужого" in t for t in inspector.toasts())
    assert await running.services.inspections.answers(1) == {}
    assert inspector.text.startswith("1/19")


async def test_invalid_bin_and_date_get_the_reason_and_the_same_step(emu, running, inspector):
    await inspector.says("/new")
    await inspector.says("990340001231")
    assert "Контрольная (12-я) цифра не сходится" in inspector.text and "Шаг 1/9" in inspector.text
    await inspector.says("123")
    assert "ровно 12 цифр" in inspector.text and "Шаг 1/9" in inspector.text
    for value in HEADER[:6]:
        await inspector.says(value)
    await inspector.says("31.02.2026")
    assert "Такой даты нет" in inspector.text and "Шаг 7/9" in inspector.text
    await inspector.says("2026-11-03")
    assert "дд.мм.гггг" in inspector.text and "Шаг 7/9" in inspector.text
    await inspector.says("03.11.2026")
    assert "Шаг 8/9" in inspector.text


async def test_new_with_bin_and_kazakh_interface(emu, running):
    person = await joins(emu, ADMIN, "inspector", OTHER, language_code="kk", first_name="Нұрлан")
    assert "Сәлеметсіз бе" in person.text
    await person.says(f"/new {BIN_A}")
    assert "2/9-қадам" in person.text


async def test_cancel_after_confirmation(emu, running, inspector):
    await fill_header(inspector)
    await inspector.says("/cancel")
    assert "Удалить незавершённый лист" in inspector.text
    await inspector.taps("🗑 Да, удалить")
    assert inspector.text == "Лист удалён."
    await inspector.says("/resume")
    assert "Незавершённого листа нет" in inspector.text


async def test_subject_lookup_by_bin_after_an_inspection(emu, running, inspector):
    await fill_header(inspector)
    for item in range(1, 20):
        await answer(inspector, item, COMPLIES)
    await inspector.taps("🏁 Завершить")
    await inspector.says(f"/bin {BIN_A}")
    assert SUBJECT in inspector.text and "Последний показатель: 0.00" in inspector.text
    pdfs_before = len(inspector.documents())
    await inspector.taps("📄 PDF (қаз)")  # the latest check sheet again, in Kazakh
    assert len(inspector.documents()) == pdfs_before + 1
    assert "Талаптарғасәйкескеледі" in "".join(pdf_text(inspector.documents()[-1]).split())
    await inspector.says("850101300451")
    assert "ещё не проверялся" in inspector.text


async def test_flood_limits_are_waited_out_not_lost(tmp_path):
    emulator = BotAPIEmulator(files_dir=tmp_path / "files", flood_limit_per_second=2)
    await emulator.start()
    app = await start_bot(emulator, tmp_path / "bot.sqlite3", admin_ids=str(INSPECTOR))
    try:
        person = Person(emulator, INSPECTOR)
        emulator.send_text(INSPECTOR, "/new")
        for value in HEADER[:4]:
            emulator.send_text(INSPECTOR, value)  # typed fast: the bot's replies outrun the limit
        await emulator.wait_idle(timeout=20)
        assert any("Too Many Requests" in description for _, description in emulator.errors)
        assert "Шаг 5/9" in person.text  # every step still got its answer
        row = await app.services.db.fetch_one("SELECT state_body FROM inspections")
        assert row["state_body"] == HEADER[3]
    finally:
        await app.stop()
        await emulator.stop()


async def test_review_corrects_the_header_and_an_answer(emu, running, inspector):
    await fill_header(inspector)
    for item in range(1, 20):
        await answer(inspector, item, COMPLIES)
    await inspector.taps("✏ Шапка листа")
    assert "Шапка проверочного листа" in inspector.text and "№ акта: 17-П" in inspector.text
    await inspector.taps("№ акта")
    assert "Шаг 6/9" in inspector.text and "17-П" in inspector.buttons()[0]  # one tap keeps the old value
    await inspector.says("18-П")
    assert "Проверка ответов" in inspector.text
    await inspector.taps("9 ✅")
    assert inspector.text.startswith("9/19")
    await inspector.taps(VIOLATED)
    await inspector.taps("➡ Далее")
    assert "Проверка ответов" in inspector.text and "9❌" in inspector.text
    await inspector.taps("🏁 Завершить")
    summary = next(m["text"] for m in inspector.messages if "Итог проверочного листа" in (m.get("text") or ""))
    assert "Акт № 18-П" in summary and "показателю степени риска присваивается 100" in summary
    assert not emu.errors, emu.errors


async def test_evidence_photos_files_albums_and_the_20_mb_limit(emu, running, inspector):
    await fill_header(inspector)
    await answer(inspector, 1, VIOLATED)
    screens_before = len(inspector.messages)
    for n in range(3):  # an album of three photos: one screen, not three
        emu.send_photo(INSPECTOR, content=PNG, media_group_id="album-1", caption="фасад" if n == 0 else None)
    await emu.wait_idle()
    assert len(inspector.messages) == screens_before + 1
    await inspector.sends_document(file_name="IMG_0042.jpg", mime_type="image/jpeg", content=PNG)  # camera file
    await inspector.sends_document(file_name="akt.pdf", mime_type="application/pdf", content=b"%PDF-1.4 test")
    await inspector.sends_document(file_name="video.mov", mime_type="video/quicktime", file_size=25 * 1024 * 1024)
    assert "больше 20 МБ" in inspector.text
    assert "Файлов: 5" in inspector.text and "фасад" in inspector.text
    emu.send_raw_update(
        {
            "message": {  # a video from the phone's camera, as a video
                "message_id": 9_000,
                "date": 1_764_000_000,
                "chat": {"id": INSPECTOR, "type": "private"},
                "from": {"id": INSPECTOR, "is_bot": False, "first_name": "Айгерім"},
                "video": {
                    "file_id": "VID1",
                    "file_unique_id": "uVID1",
                    "width": 1280,
                    "height": 720,
                    "duration": 12,
                    "file_size": 3_000_000,
                    "mime_type": "video/mp4",
                },
            }
        }
    )
    await emu.wait_idle()
    assert "Файлов: 6" in inspector.text
    rows = await running.services.db.fetch_all(
        "SELECT kind, file_size, received_at, media_group_id, mime_type FROM evidence"
    )
    assert [r["kind"] for r in rows] == ["photo", "photo", "photo", "document", "document", "document"]
    assert rows[-1]["mime_type"] == "video/mp4"
    assert all(r["file_size"] and r["received_at"] for r in rows)
    assert sum(1 for r in rows if r["media_group_id"] == "album-1") == 3
    await inspector.taps("➡ Далее")
    assert inspector.text.startswith("2/19")
