"""Proof on the sheet (issue 14 items 1 and 2), end to end over the emulator: where the visit happened,
evidence fingerprints in the PDF's appendix, the PDF's own SHA-256 in the history, and /verify."""

import hashlib

from tests.conftest import BIN_A, BIN_B
from tests.e2e import COMPLIES, INSPECTOR, PNG, VIOLATED, header_values, pdf_text

HEADER = header_values(BIN_A)
SKIP = "Пропустить"


async def header(person, *, location=None, bin_=BIN_A):
    await person.says("/new")
    for value in [bin_, *HEADER[1:]]:
        await person.says(value)
    if location is None:
        await person.says(SKIP)
    else:
        await person.shares_location(*location)


async def sheet_with_one_violation(person, evidence: bytes, *, location=None):
    await header(person, location=location)
    await person.taps(VIOLATED)
    await person.sends_document(file_name="akt-photo.jpg", mime_type="image/jpeg", content=evidence)
    await person.sends_photo(content=PNG)
    await person.taps("➡ Далее")
    for _ in range(2, 20):
        await person.taps(COMPLIES)
    await person.taps("🏁 Завершить")


async def test_the_appendix_lists_each_evidence_files_sha256_size_and_telegram_id(emu, running, inspector):
    evidence = PNG + b"-the inspector's own file"
    await sheet_with_one_violation(inspector, evidence)
    [pdf] = inspector.documents()
    text = "".join(pdf_text(pdf).split())  # the appendix's table wraps: compared without spaces and breaks
    assert hashlib.sha256(evidence).hexdigest() in text
    assert hashlib.sha256(PNG).hexdigest() in text
    assert f"{len(evidence)}байт" in text
    rows = await running.services.db.fetch_all("SELECT file_unique_id, sha256, file_size FROM evidence ORDER BY id")
    assert [r["sha256"] for r in rows] == [hashlib.sha256(evidence).hexdigest(), hashlib.sha256(PNG).hexdigest()]
    assert [r["file_size"] for r in rows] == [len(evidence), len(PNG)]
    assert all(r["file_unique_id"] in text for r in rows)
    assert not emu.errors, emu.errors


async def test_the_pdfs_sha256_is_recorded_shown_in_history_and_the_pdf_sent_again_is_the_same(emu, running, inspector):
    await sheet_with_one_violation(inspector, b"\xff\xd8\xff evidence bytes")
    [pdf] = inspector.documents()
    sha = hashlib.sha256(pdf["document_bytes"]).hexdigest()
    row = await running.services.db.fetch_one("SELECT sha256, lang FROM check_sheet_pdfs")
    assert (row["sha256"], row["lang"]) == (sha, "ru")
    await inspector.says(f"/bin {BIN_A}")
    assert sha in inspector.text
    await inspector.taps("PDF (рус)")
    again = inspector.documents()[-1]
    assert again is not pdf and again["document_bytes"] == pdf["document_bytes"]


async def test_verify_names_the_original_sheet_and_refuses_a_copy_with_one_byte_changed(emu, running, inspector):
    await sheet_with_one_violation(inspector, b"\xff\xd8\xff evidence bytes")
    [pdf] = inspector.documents()
    original = pdf["document_bytes"]
    await inspector.sends_document(file_name="sheet.pdf", content=original, caption="/verify")
    assert "№ 1" in inspector.text and "ТОО «Ақ жол»" in inspector.text and "03.11.2026" in inspector.text
    assert "Сейтқали Айгерім Болатқызы" in inspector.text and "не изменён" in inspector.text

    middle = len(original) // 2
    altered = original[:middle] + bytes([original[middle] ^ 0x01]) + original[middle + 1 :]
    await inspector.says("/verify")  # the command alone, then the file
    assert "Отправьте PDF" in inspector.text
    await inspector.sends_document(file_name="sheet.pdf", content=altered)
    assert "не совпадает ни с одним" in inspector.text
    assert hashlib.sha256(altered).hexdigest() in inspector.text
    # The wait ended with that file: a later document is no verification request.
    assert not await running.services.proof.expects_pdf(INSPECTOR)


async def test_verify_refuses_what_is_not_a_pdf_and_files_over_the_download_limit(emu, running, inspector):
    await inspector.sends_document(file_name="notes.txt", mime_type="text/plain", content=b"hi", caption="/verify")
    assert "Это не PDF" in inspector.text
    await inspector.sends_document(file_name="big.pdf", file_size=21 * 1024 * 1024, caption="/verify")
    assert "больше 20 МБ" in inspector.text
    assert not emu.errors, emu.errors


async def test_a_location_shared_at_the_header_is_stored_and_printed_with_the_distance_to_the_registry(
    emu, running, inspector
):
    db = running.services.db
    # The registry has the subject's coordinates (as the subjects import fills them).
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO subjects (bin, name, kind, lat, lon, created_at, updated_at)"
            " VALUES (?, 'ТОО «Ақ жол»', 'legal', 51.128207, 71.430411, 'x', 'x')",
            (BIN_A,),
        )
    await inspector.says("/new")
    for value in HEADER:
        await inspector.says(value)
    assert "Где проходит посещение" in inspector.text
    keyboard = emu.reply_keyboard(INSPECTOR)
    assert keyboard["keyboard"][0][0]["request_location"] is True
    await inspector.shares_location(51.129107, 71.430411, 12.4)  # 0.0009° north: about 100 m
    assert "Геопозиция сохранена (точность ± 12 м)" in " ".join(m.get("text") or "" for m in inspector.messages)
    assert emu.reply_keyboard(INSPECTOR) is None  # removed once done
    assert inspector.text.startswith("1/19")
    row = await db.fetch_one("SELECT location_lat, location_lon, location_accuracy, location_at FROM inspections")
    assert (row["location_lat"], row["location_lon"], row["location_accuracy"]) == (51.129107, 71.430411, 12.4)
    assert row["location_at"]
    for _ in range(1, 20):
        await inspector.taps(COMPLIES)
    await inspector.taps("🏁 Завершить")
    text = " ".join(pdf_text(inspector.documents()[0]).split())
    assert "51.129107, 71.430411" in text and "± 12 м" in text
    assert "Расстояние до координат субъекта в реестре: 100 м" in text
    assert not emu.errors, emu.errors


async def test_a_sheet_without_a_location_says_so_and_a_location_sent_later_in_the_draft_counts(
    emu, running, inspector
):
    await header(inspector)  # skipped
    assert emu.reply_keyboard(INSPECTOR) is None and inspector.text.startswith("1/19")
    for _ in range(1, 20):
        await inspector.taps(COMPLIES)
    await inspector.taps("🏁 Завершить")
    text = " ".join(pdf_text(inspector.documents()[0]).split())
    assert "Геопозиция не передана" in text

    await header(inspector, bin_=BIN_B)  # another subject (a second visit in a year would ask a reason)
    await inspector.taps(COMPLIES)
    await inspector.shares_location(43.238949, 76.889709)  # later, at item 2, with no accuracy given
    assert inspector.text.startswith("2/19")
    for _ in range(2, 20):
        await inspector.taps(COMPLIES)
    await inspector.taps("🏁 Завершить")
    text = " ".join(pdf_text(inspector.documents()[-1]).split())
    assert "43.238949, 76.889709" in text and "Расстояние" not in text  # no registry coordinates


async def test_a_forwarded_location_is_refused_and_the_step_waits(emu, running, inspector):
    await inspector.says("/new")
    for value in HEADER:
        await inspector.says(value)
    emu.send_raw_update(
        {
            "message": {
                "message_id": 9_100,
                "date": 1_764_000_000,
                "chat": {"id": INSPECTOR, "type": "private"},
                "from": {"id": INSPECTOR, "is_bot": False, "first_name": "Айгерім"},
                "forward_origin": {"type": "hidden_user", "sender_user_name": "X", "date": 1_764_000_000},
                "location": {"latitude": 43.0, "longitude": 76.0},
            }
        }
    )
    await emu.wait_idle()
    assert "Пересланная" in inspector.text
    await inspector.says("что-то")
    assert "«Пропустить»" in inspector.text
    row = await running.services.db.fetch_one("SELECT step, location_at FROM inspections")
    assert (row["step"], row["location_at"]) == ("location", None)


async def test_a_sheet_deleted_at_the_location_step_takes_the_location_button_away(emu, running, inspector):
    await inspector.says("/new")
    for value in HEADER:
        await inspector.says(value)
    assert emu.reply_keyboard(INSPECTOR)["keyboard"][0][0]["request_location"] is True
    await inspector.says("/cancel")
    await inspector.taps("🗑 Да, удалить")
    assert "Лист удалён" in inspector.text
    assert emu.reply_keyboard(INSPECTOR) is None  # no location button left under the text field
    assert await running.services.db.fetch_one("SELECT 1 FROM inspections WHERE status = 'draft'") is None
    assert not emu.errors, emu.errors
