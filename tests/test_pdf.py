"""The check sheet of Annex 2 as a PDF: what an inspector prints and signs after an inspection.

One realistic inspection (a subject whose name has Kazakh letters and HTML-special characters, two
violations with a comment and evidence, one item that does not apply) is rendered once per language and
read back with pypdf, as a reader of the printed sheet would read it.
"""

from __future__ import annotations

import io
import re
import struct
import time
import zlib
from dataclasses import dataclass

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from bot.catalogue import Severity
from bot.db.inspections import Evidence, Inspection, StoredAnswer
from bot.pdf import EvidenceImage, check_sheet_html, render_check_sheet
from bot.scoring import Answer, Evaluation, assess
from bot.services.inspections import result_to_dict
from bot.texts import environment

SUBJECT_NAME = "ТОО «Әділет & Құқық» <b>"
SUBJECT_BIN = "990340001230"
ACT_NUMBER = "17-05/123"
ACT_DATE = "20.11.2026"
INSPECTOR = "Сәрсенбаев Қайрат Өмірұлы"
POSITION = "бас маман"
COMMENT_LINES = ("Есеп сайтта жарияланбаған.", "Тексерілген күні: 25.11.2026 <i>")
VIOLATED_ITEMS = (1, 4)
NOT_APPLICABLE_ITEMS = (6,)
MARK = "✔"  # U+2714, the glyph the template puts in the column that applies
NOT_APPLICABLE = {"kk": "қолданылмайды", "ru": "не применимо"}
APPENDIX_TITLE = {"kk": "Бұзушылықтар: түсініктемелер мен дәлелдер", "ru": "Нарушения: комментарии и доказательства"}
KAZAKH_LETTERS = "әғқңөұүһіӘҒҚҢӨҰҮҺІ"


def png(width: int, height: int) -> bytes:
    """A real RGB PNG (a colour gradient) from the format's own pieces: signature, IHDR, IDAT, IEND."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(
        b"\x00" + b"".join(bytes((x * 255 // width, y * 255 // height, 128)) for x in range(width))
        for y in range(height)
    )
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def inspection(catalogue, header_changes: dict | None = None) -> Inspection:
    header = {
        "subject_bin": SUBJECT_BIN,
        "subject_name": SUBJECT_NAME,
        "subject_address": "Астана қ., Мәңгілік Ел даңғылы, 8",
        "state_body": "Қазақстан Республикасы Әділет министрлігі",
        "appointing_body": "Мемлекеттік қызмет істері агенттігінің Астана қаласы бойынша департаменті",
        "act_number": ACT_NUMBER,
        "act_date": ACT_DATE,
        "inspector_name": INSPECTOR,
        "inspector_position": POSITION,
    } | (header_changes or {})
    return Inspection(
        id=42,
        inspector_id=1001,
        subject_id=7,
        status="finalized",
        catalogue_version=catalogue.version,
        language="kk",
        step="review",
        current_item=None,
        back_to_review=False,
        pending_evidence=None,
        message_id=None,
        last_input_id=0,
        header=header,
        created_at="2026-11-25T04:00:00+00:00",
        finalized_at="2026-11-25T05:10:00+00:00",
        indicator=None,
        risk_class=None,
        result=None,
    )


def answers_of(catalogue, violated=VIOLATED_ITEMS, not_applicable=NOT_APPLICABLE_ITEMS) -> dict[int, StoredAnswer]:
    answers = {}
    for requirement in catalogue.checklist:
        number = requirement.number
        answer = "violated" if number in violated else "not_applicable" if number in not_applicable else "complies"
        comment = "\n".join(COMMENT_LINES) if number == 1 and answer == "violated" else None
        answers[number] = StoredAnswer(
            number, requirement.criterion, requirement.severity.value, answer, comment, "2026-11-25T04:30:00+00:00"
        )
    return answers


def result_of(catalogue, answers: dict[int, StoredAnswer]) -> dict:
    evaluations = (Evaluation(a.criterion, Severity(a.severity), Answer(a.answer)) for a in answers.values())
    return result_to_dict(assess(evaluations, catalogue.constants))


EVIDENCE = [
    Evidence(1, "photo", "AgAD-photo", "uq-photo", 48_213, None, "image/jpeg", None, "2026-11-25T04:31:12+00:00"),
    Evidence(
        1,
        "document",
        "BQAD-doc",
        "uq-doc",
        2_500_000,
        "акт <2>.pdf",
        "application/pdf",
        None,
        "2026-11-25T04:32:00+00:00",
    ),
]


# --- reading the marks back by position ------------------------------------------------------------------
# pypdf extracts the mark glyph reliably ("✔" through the font's ToUnicode map), but plain text does not say
# which column a glyph sits in: both mark columns hold the same glyph, as on a hand-filled form. So the
# test reads where each text was drawn (pypdf's visitor gives the text matrix and the current transform)
# and ties every mark to its row and column by position. Rows are found by their number at the table's
# left edge; columns by x: the "complies" column is left of the "does not comply" column.

NUMBER_COLUMN_RIGHT = 100  # pt: page margin (25 mm) + the № column (9 mm) is about 96 pt
ROW_NUMBER = re.compile(r"(\d{1,2})(?:\s|$)")


@dataclass(frozen=True)
class Placed:
    text: str
    x: float
    y: float  # PDF y grows upwards


def sheet_job(catalogue, lang: str = "ru", answers: dict[int, StoredAnswer] | None = None, **changes) -> dict:
    """The arguments of ``render_check_sheet`` / ``check_sheet_html`` for the test's sheet: its answers
    (``answers_of`` by default) and their result, no evidence or images, finished at 25.11.2026 10:15;
    ``changes`` replace any of them."""
    answers = answers_of(catalogue) if answers is None else answers
    job = dict(
        catalogue=catalogue,
        lang=lang,
        inspection=inspection(catalogue),
        answers=answers,
        evidence=[],
        images=[],
        result=result_of(catalogue, answers),
        generated_at="25.11.2026 10:15",
    )
    return {**job, **changes}


def read_page(page) -> tuple[str, list[Placed]]:
    """A page's text (``page.extract_text()``) and, from the same pass, where each piece was drawn."""
    found: list[Placed] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append(Placed(text.strip(), x, y))

    text = page.extract_text(visitor_text=visit)
    return text, found


def table_cells(rendered: Rendered, lang: str) -> dict[int, list[Placed]]:
    """Marks and not-applicable notes of the table, keyed by the number of the row they sit in."""
    cells: dict[int, list[Placed]] = {}
    for placed in rendered.placed:
        rows = sorted(
            (
                (int(match[1]), p.y)
                for p in placed
                if p.x < NUMBER_COLUMN_RIGHT and (match := ROW_NUMBER.match(p.text)) and 1 <= int(match[1]) <= 19
            ),
            key=lambda row: -row[1],
        )
        for p in placed:
            if p.text != MARK and not p.text.startswith(NOT_APPLICABLE[lang]):
                continue
            # The row a mark belongs to: the lowest row top that is still at or above the mark.
            above = [number for number, top in rows if top >= p.y - 1]
            assert above, f"{p.text!r} at y={p.y:.0f} is above every row of its page"
            cells.setdefault(above[-1], []).append(p)
    return cells


def image_xobjects(pdf: bytes) -> int:
    """How many image XObjects the pages draw (looking inside form XObjects too)."""

    def count(resources) -> int:
        total = 0
        xobjects = resources.get("/XObject") if resources else None
        for ref in (xobjects or {}).values():
            xobject = ref.get_object()
            if xobject.get("/Subtype") == "/Image":
                total += 1
            elif isinstance(xobject, DictionaryObject) and "/Resources" in xobject:
                total += count(xobject["/Resources"].get_object())
        return total

    return sum(count(page.get("/Resources", {}).get_object()) for page in PdfReader(io.BytesIO(pdf)).pages)


def font_names(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            names.add(str(ref.get_object()["/BaseFont"]).split("+")[-1])
    return names


# --- rendering ------------------------------------------------------------------------------------------


@dataclass
class Rendered:
    pdf: bytes
    pages: list[str]  # extracted text of each page
    placed: list[list[Placed]]  # each page's texts with where they were drawn
    text: str  # all pages, whitespace collapsed to single spaces
    seconds: float

    @property
    def squashed(self) -> str:
        """The text without any whitespace: long texts wrap anywhere, even after a hyphen ("веб-" / "портал")."""
        return squash(self.text)


def squash(text: str) -> str:
    return "".join(text.split())


def words(lang: str):
    """Our own words of the PDF (templates/pdf/words.j2 in the language's environment), so the test does not
    retype them."""
    return environment(lang).get_template("pdf/words.j2").module


def render(catalogue, lang: str, answers: dict[int, StoredAnswer], images: list[EvidenceImage]) -> Rendered:
    started = time.perf_counter()
    evidence = [ev for ev in EVIDENCE if answers[ev.item].answer == "violated"]
    pdf = render_check_sheet(**sheet_job(catalogue, lang, answers, evidence=evidence, images=images))
    seconds = time.perf_counter() - started
    pages, placed = [], []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        text, positions = read_page(page)
        pages.append(text)
        placed.append(positions)
    return Rendered(pdf, pages, placed, " ".join(" ".join(pages).split()), seconds)


@pytest.fixture(scope="module", params=["kk", "ru"])
def sheet(request, catalogue) -> tuple[str, Rendered]:
    """The realistic inspection rendered once per language (``catalogue`` is the shipped one, conftest.py)."""
    lang = request.param
    rendered = render(catalogue, lang, answers_of(catalogue), [EvidenceImage(1, png(64, 48), "image/png", "фото 1")])
    print(
        f"\nrender_check_sheet({lang}): {rendered.seconds:.2f} s, {len(rendered.pdf)} bytes, "
        f"{len(rendered.pages)} pages"
    )
    return lang, rendered


# --- the sheet as printed --------------------------------------------------------------------------------


def test_it_is_a_pdf(sheet):
    _, rendered = sheet
    assert rendered.pdf.startswith(b"%PDF")
    assert len(rendered.pages) >= 3  # the form, then the appendix on a page of its own


def test_header_shows_the_subject_and_the_act_verbatim(sheet):
    _, rendered = sheet
    # Escaped, not interpreted: the literal "<b>" is printed, next to the Kazakh letters and the "&".
    assert SUBJECT_NAME in rendered.text
    assert SUBJECT_BIN in rendered.text
    assert f"{ACT_NUMBER}, {ACT_DATE}" in rendered.text
    assert "Астана қ., Мәңгілік Ел даңғылы, 8" in rendered.text
    assert "Мемлекеттік қызмет істері агенттігінің Астана қаласы бойынша департаменті" in rendered.text


def test_user_values_are_escaped_in_the_html(catalogue):
    html = check_sheet_html(**sheet_job(catalogue, "kk", evidence=EVIDENCE, generated_at="<script>"))
    assert "ТОО «Әділет &amp; Құқық» &lt;b&gt;" in html
    assert "<b>" not in html and "<i>" not in html and "<script>" not in html
    assert "акт &lt;2&gt;.pdf" in html


def test_labels_are_the_orders_own(sheet, catalogue):
    lang, rendered = sheet
    for name in (
        "title",
        "state_body",
        "appointing_body",
        "act",
        "subject_name",
        "subject_id",
        "address",
        "col_requirements",
        "col_complies",
        "col_not_complies",
        "officials",
        "full_name",
        "position",
        "signature",
        "subject_head",
        "act_number_date",
    ):
        assert squash(catalogue.check_sheet[name](lang)) in rendered.squashed, name


def test_every_requirement_is_a_row_with_its_mark_in_the_right_column(sheet, catalogue):
    lang, rendered = sheet
    cells = table_cells(rendered, lang)
    assert set(cells) == {r.number for r in catalogue.checklist}  # every row has exactly what it should
    complies_x, violated_x = set(), set()
    for requirement in catalogue.checklist:
        number = requirement.number
        [cell] = cells[number]  # one mark (or one note) per row, never two
        if number in NOT_APPLICABLE_ITEMS:
            assert cell.text.startswith(NOT_APPLICABLE[lang])
        else:
            assert cell.text == MARK
            (violated_x if number in VIOLATED_ITEMS else complies_x).add(round(cell.x))
        assert squash(requirement.text(lang)) in rendered.squashed
    # One x per column: every "complies" mark is in one column, every violation in another, to its right.
    assert len(complies_x) == 1 and len(violated_x) == 1
    assert complies_x.pop() < violated_x.pop()
    # And nothing else on the sheet is drawn with the mark glyph.
    assert rendered.text.count(MARK) == len(catalogue.checklist) - len(NOT_APPLICABLE_ITEMS)


def test_not_applicable_is_noted_once_with_a_footnote(sheet):
    lang, rendered = sheet
    assert rendered.text.count(NOT_APPLICABLE[lang]) == 1
    assert squash(str(words(lang).not_applicable_footnote())) in rendered.squashed


def test_signature_lines_carry_the_inspector(sheet):
    _, rendered = sheet
    assert INSPECTOR in rendered.text
    assert POSITION in rendered.text


def test_results_block_shows_the_indicator_and_the_class(sheet):
    lang, rendered = sheet
    # 1 of 8 evaluated significant items (8.75) + 1 of 1 evaluated minor item (30.00): 38.75, not high.
    assert "SP = 38.75" in rendered.text
    assert "SPз = 8.75" in rendered.text and "SPн = 30.00" in rendered.text
    assert {"kk": "жоғары тәуекел дәрежесіне жатқызылмайды", "ru": "не отнесён к высокой степени риска"}[
        lang
    ] in rendered.text
    assert "42" in rendered.text and "2023-05-04+" in rendered.text and "25.11.2026 10:15" in rendered.text


def test_kazakh_letters_survive_in_one_embedded_font(sheet, catalogue):
    lang, rendered = sheet
    if lang == "kk":
        assert "Бақылау және қадағалау субъектісінің" in rendered.text
    # Every Kazakh letter the sheet's HTML holds comes back out of the PDF (none lost to a missing glyph).
    html = check_sheet_html(**sheet_job(catalogue, lang, evidence=EVIDENCE))
    letters = set(html) & set(KAZAKH_LETTERS)
    assert len(letters) >= 10
    assert letters <= set(rendered.text)
    assert "\ufffd" not in rendered.text
    # One family is embedded, the one with the Kazakh letters: no silent fallback font.
    assert all(name.replace("-", "").startswith("DejaVuSans") for name in font_names(rendered.pdf))


def test_pages_are_numbered_n_of_total(sheet):
    _, rendered = sheet
    total = len(rendered.pages)
    assert f"1 / {total}" in rendered.pages[0]
    assert f"{total} / {total}" in rendered.pages[-1]


def test_translation_note_only_in_russian(sheet):
    lang, rendered = sheet
    assert ("рабочий перевод" in rendered.text) is (lang == "ru")


def test_appendix_lists_each_violation_with_comment_evidence_and_photo(sheet, catalogue):
    lang, rendered = sheet
    appendix = [page for page in rendered.pages if APPENDIX_TITLE[lang] in page]
    assert len(appendix) == 1
    assert rendered.pages.index(appendix[0]) > 0 and "SP = 38.75" not in appendix[0]  # a page of its own
    text = "\n".join(page for page in rendered.pages[rendered.pages.index(appendix[0]) :])
    lines = [line.strip() for line in text.splitlines()]
    # The two-line comment keeps its line break; its "<i>" is text.
    first = lines.index(COMMENT_LINES[0])
    assert lines[first + 1] == COMMENT_LINES[1]
    flat = " ".join(text.split())
    assert "акт <2>.pdf" in flat and "2,4 МБ" in flat and "47,1 КБ" in flat
    assert "25.11.2026 04:31 UTC" in flat and "фото 1" in flat
    for number in VIOLATED_ITEMS:
        assert squash(catalogue.requirement(number).text(lang)) in squash(flat)
    assert image_xobjects(rendered.pdf) >= 1


def test_a_sheet_without_violations_has_no_appendix_and_no_image(catalogue):
    answers = answers_of(catalogue, violated=(), not_applicable=())
    rendered = render(catalogue, "ru", answers, images=[])
    assert rendered.pdf.startswith(b"%PDF")
    assert APPENDIX_TITLE["ru"] not in rendered.text
    assert NOT_APPLICABLE["ru"] not in rendered.text
    assert rendered.text.count(MARK) == len(catalogue.checklist)
    assert "SP = 0.00" in rendered.text
    assert image_xobjects(rendered.pdf) == 0


def test_a_gross_violation_explains_the_indicator_of_100(catalogue):
    def html_with(violated: tuple[int, ...]) -> str:
        return check_sheet_html(**sheet_job(catalogue, "kk", answers_of(catalogue, violated, not_applicable=())))

    # Item 9 is gross: one gross violation makes the indicator 100 (chapter 3 item 9), and the sheet says so.
    sentence = str(words("kk").gross_rule(100))
    gross, significant = html_with((9,)), html_with((1,))
    assert "SP = 100.00" in gross and sentence in gross
    assert "SP = 8.75" in significant and sentence not in significant


def test_images_that_are_not_png_or_jpeg_are_left_out(catalogue):
    gif = EvidenceImage(1, b"GIF89a\x01\x00\x01\x00", "image/gif", "анимация")
    html = check_sheet_html(**sheet_job(catalogue, images=[gif]))
    assert "data:" not in html and "анимация" not in html


def test_an_unknown_language_is_refused(catalogue):
    with pytest.raises(ValueError, match="en"):
        check_sheet_html(**sheet_job(catalogue, "en"))


def test_evidence_times_are_printed_in_the_configured_time_zone(catalogue):
    from zoneinfo import ZoneInfo

    html = check_sheet_html(**sheet_job(catalogue, evidence=EVIDENCE, timezone=ZoneInfo("Asia/Almaty")))
    assert "25.11.2026 09:31" in html and "04:31 UTC" not in html  # UTC+5
