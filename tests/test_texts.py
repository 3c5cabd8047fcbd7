"""The texts: each screen written once, its phrases in a gettext catalogue per language with plural forms,
facts from the catalogue of the order and the code, dates through one pair of filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po
from jinja2.ext import babel_extract

from bot import texts as texts_module
from bot.catalogue import default_catalogue
from bot.limits import BOT_DOWNLOAD_LIMIT_BYTES as MAX_EVIDENCE_BYTES
from bot.limits import EVIDENCE_PER_ITEM
from bot.texts import (
    GETTEXT_KEYWORDS,
    LANGUAGES,
    LOCALES,
    Texts,
    environment,
    environment_options,
    kk_case,
    local_date,
    local_datetime,
    texts,
)

TEMPLATES = Path(texts_module.__file__).parent / "templates"
ALMATY = ZoneInfo("Asia/Almaty")


def template_msgids() -> dict[tuple[str | None, str | tuple[str, ...]], str]:
    """Every phrase the templates mark, found by Jinja's own Babel extractor: (context, msgid) -> where."""
    options = {key: str(value).lower() for key, value in environment_options().items()}
    options.update(newstyle_gettext="true", silent="false")
    found = {}
    for path in sorted(TEMPLATES.rglob("*.j2")):
        if "i18n" in path.relative_to(TEMPLATES).parts:  # the legacy macro pairs hold no msgids
            continue
        with path.open("rb") as source:
            for lineno, message, _comments, context in extract(
                babel_extract, source, keywords=GETTEXT_KEYWORDS, options=options
            ):
                found.setdefault((context, message), f"{path.name}:{lineno}")
    return found


def po_catalog(lang: str):
    with (LOCALES / lang / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_phrase_of_the_templates_is_translated_in_both_languages(lang):
    catalog = po_catalog(lang)
    used = template_msgids()
    assert len(used) > 150
    nplurals = {"kk": 2, "ru": 3}[lang]
    for (context, msgid), where in used.items():
        message = catalog.get(msgid, context=context)
        assert message is not None, f"{lang}: no translation of {msgid!r} ({where})"
        assert not message.fuzzy, f"{lang}: fuzzy translation of {msgid!r}"
        if isinstance(msgid, tuple):
            assert isinstance(message.string, tuple) and len(message.string) == nplurals, msgid
            assert all(form.strip() for form in message.string), f"{lang}: an empty plural form of {msgid!r}"
        else:
            assert message.string.strip(), f"{lang}: empty translation of {msgid!r} ({where})"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_catalogues_hold_exactly_the_phrases_the_templates_use(lang):
    """`make messages` keeps them in sync; a phrase left behind or missing fails here."""
    in_po = {(m.context, m.id) for m in po_catalog(lang) if m.id}
    assert in_po == set(template_msgids())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plural_forms_are_babels_for_the_language(lang):
    catalog = po_catalog(lang)
    rule = get_plural(lang)
    assert catalog.num_plurals == rule.num_plurals == {"kk": 2, "ru": 3}[lang]
    assert catalog.plural_expr == rule.plural_expr


@pytest.mark.parametrize(
    ("count", "ru", "kk"),
    [
        (1, "остался 1 день", "1 күн қалды"),
        (2, "осталось 2 дня", "2 күн қалды"),
        (5, "осталось 5 дней", "5 күн қалды"),
        (21, "остался 21 день", "21 күн қалды"),
    ],
)
def test_a_reminder_counts_the_days_left_with_the_right_plural(count, ru, kk):
    for lang, expected in (("ru", ru), ("kk", kk)):
        state = SimpleNamespace(
            period=SimpleNamespace(half=1, year=2027),
            days_left=count,
            status="draft",
            subjects=count,
            high_unassessed=0,
        )
        text = texts(lang).plain("list_reminder", s=state, deadline=date(2026, 12, 10))
        assert "10.12.2026" in text and f": {expected}." in text


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (1, "1 запись"),
        (2, "2 записи"),
        (5, "5 записей"),
        (11, "11 записей"),
        (21, "21 запись"),
        (22, "22 записи"),
    ],
)
def test_the_audit_log_caption_counts_entries_in_russian(count, expected):
    assert texts("ru").plain("audit_caption", count=count) == f"Журнал аудита: {expected}."


def test_a_too_long_value_names_its_limit_with_the_right_plural():
    assert "не больше 1 символа." in texts("ru").plain("invalid", reason="too_long", limit=1)
    assert "не больше 21 символа." in texts("ru").plain("invalid", reason="too_long", limit=21)
    assert "не больше 500 символов." in texts("ru").plain("invalid", reason="too_long", limit=500)
    assert "500 таңбадан аспауы керек" in texts("kk").plain("invalid", reason="too_long", limit=500)


def test_the_stated_limits_are_those_the_bot_enforces():
    catalogue = default_catalogue()
    mb = MAX_EVIDENCE_BYTES // (1024 * 1024)
    ru, kk = texts("ru"), texts("kk")
    assert f"все {catalogue.checklist_size} пунктов" in ru.plain("refusal", reason="incomplete")
    assert f"{catalogue.checklist_size} тармақтың бәріне" in kk.plain("refusal", reason="incomplete")
    assert f"больше {EVIDENCE_PER_ITEM} файлов" in ru.plain("refusal", reason="too_many")
    assert f"Файл больше {mb} МБ" in ru.plain("refusal", reason="too_big")
    assert f"каждый файл до {mb} МБ" in ru.plain("evidence_prompt")
    assert f"{mb} МБ-қа дейін" in kk.plain("evidence_prompt")


@dataclass
class AmendedFacts:
    """What an amended catalogue and other limits would state."""

    checklist_size: int = 21
    high_risk_above: int = 60
    gross_indicator: int = 90
    order_date: date = date(2024, 1, 2)
    evidence_per_item: int = 22
    max_file_mb: int = 50
    earliest_act_date: date = date(2010, 1, 1)
    criteria_count: int = 40
    objective_conditions: int = 7
    counted_conditions: tuple[int, ...] = (1, 5, 7)
    stats_top_criteria: int = 21


def test_an_amended_catalogue_changes_every_text_that_states_its_facts():
    env = environment.__wrapped__("ru")  # a fresh environment, not the cached one
    env.globals["facts"] = AmendedFacts()
    t = Texts("ru", env)
    assert "все 21 пункт," in t.plain("refusal", reason="incomplete")
    assert "не больше 22 файлов" in t.plain("refusal", reason="too_many")
    assert "до 50 МБ" in t.plain("evidence_prompt")
    forms = "<code>02.01.2024</code>, <code>2.1.2024</code>, <code>2.1.24</code> или <code>02/01/2024</code>"
    assert forms in t.plain("invalid", reason="bad_date_format")
    assert "раньше 01.01.2010" in t.plain("invalid", reason="date_too_old")

    class VisitList:
        half, year, deadline, approved, entries = 1, 2027, date(2026, 12, 10), False, []

    assert "показатель выше 60" in t.plain("visit_list", l=VisitList, days_left=3, shown=[], approved_at=None)
    assert "показатель выше 60" in t.plain("lacking_objective", items=[])

    kk_env = environment.__wrapped__("kk")
    kk_env.globals["facts"] = AmendedFacts()
    kk = Texts("kk", kk_env)
    # The Kazakh case ending follows the amended number: 60 is "алпыс", so "60-тан" (70 was "70-тен").
    assert "көрсеткіш 60-тан жоғары" in kk.plain("visit_list", l=VisitList, days_left=3, shown=[], approved_at=None)
    assert "(01.01.2010-ға дейін)" in kk.plain("invalid", reason="date_too_old")
    assert "21 тармақтың бәріне" in kk.plain("refusal", reason="incomplete")

    # Objective conditions, the criteria of other sources and the chart of /stats follow the catalogue too.
    assert t.plain("objective_problem", reason="not_a_condition") == "Условий всего 7: номер от 1 до 7."
    assert "нөмірі 1-ден 7-ге дейін" in kk.plain("objective_problem", reason="not_a_condition")
    assert "от 22 до 40" in t.plain("import_reason", reason="not_a_criterion")
    assert "22-ден 40-қа дейін" in kk.plain("import_reason", reason="not_a_criterion")
    assert "для условий 1, 5 и 7 значение" in t.plain("import_reason", reason="not_a_count")
    assert "1, 5 және 7 шарттар" in kk.plain("import_reason", reason="not_a_count")
    assert t.plain("kind_name", kind="findings") == "выводы по критериям 22–40"
    assert t.plain("stats_label", name="criteria") == "21 критерий, нарушаемый чаще всего"
    assert "Критерии 22–40 из других источников" in t.plain("command_description", name="findings")


def test_texts_for_unknown_people_are_in_russian_then_kazakh():
    lines = texts("kk").plain("access_denied", user_id=42).splitlines()
    assert lines[0].startswith("Бот доступен только по приглашению") and lines[0].endswith("<code>42</code>")
    assert lines[1].startswith("Бот тек шақыру бойынша қолжетімді") and lines[1].endswith("<code>42</code>")
    assert texts("ru").plain("access_denied", user_id=42) == texts("kk").plain("access_denied", user_id=42)


def test_values_are_escaped_and_phrases_keep_their_markup():
    text = texts("ru")("welcome", name="<b>Аня</b>", role="inspector", commands=["help"])
    assert "&lt;b&gt;Аня&lt;/b&gt;" in text and "<b>инспектор</b>" in text


def test_the_same_texts_exist_in_both_languages_and_no_text_is_defined_twice():
    assert texts("kk").names == texts("ru").names
    assert {"visit_list", "subject_card", "result_summary", "status", "users_list"} <= texts("ru").names


@pytest.mark.parametrize(
    ("number", "dative", "ablative"),
    [
        (70, "70-ке", "70-тен"),
        (60, "60-қа", "60-тан"),
        (100, "100-ге", "100-ден"),
        (80, "80-ге", "80-нен"),
        (90, "90-ға", "90-нан"),
        (6, "6-ға", "6-дан"),
        (2000, "2000-ға", "2000-нан"),
        (2023, "2023-ке", "2023-тен"),
        (1, "1-ге", "1-ден"),
        (40, "40-қа", "40-тан"),
        ("01.01.2000", "01.01.2000-ға", "01.01.2000-нан"),
    ],
)
def test_a_number_from_the_catalogue_gets_its_kazakh_case_ending(number, dative, ablative):
    assert (kk_case(number, "dative"), kk_case(number, "ablative")) == (dative, ablative)


def test_the_current_facts_read_as_the_kazakh_texts_always_said():
    assert "көрсеткіш 70-тен жоғары" in texts("kk").plain("lacking_objective", items=[])
    assert "(01.01.2000-ға дейін)" in texts("kk").plain("invalid", reason="date_too_old")
    assert "(раньше 01.01.2000)" in texts("ru").plain("invalid", reason="date_too_old")


def test_local_date_shows_dates_and_moves_times_to_the_time_zone():
    assert local_date(date(2023, 5, 4)) == "04.05.2023"
    assert local_date("2023-05-04") == "04.05.2023"
    # 20:00 UTC is already the next day in Almaty (UTC+5).
    assert local_date("2026-11-25T20:00:00+00:00", ALMATY) == "26.11.2026"
    assert local_date(datetime(2026, 11, 25, 20, 0, tzinfo=UTC), ALMATY) == "26.11.2026"
    assert local_date(None) == ""
    assert local_date("25.11.2026") == "25.11.2026"  # formatted before: shown as it is


def test_local_datetime_shows_stored_utc_times_in_the_time_zone():
    assert local_datetime("2026-11-25T04:31:00+00:00", ALMATY) == "25.11.2026 09:31"
    assert local_datetime("2026-11-25T04:31:00", ALMATY) == "25.11.2026 09:31"  # naive: stored UTC
    assert local_datetime(datetime(2026, 11, 25, 4, 31, tzinfo=UTC), UTC) == "25.11.2026 04:31 UTC"
    assert local_datetime(None) == "" and local_datetime("now") == "now"


def test_templates_use_the_configured_time_zone():
    users = [
        {
            "telegram_id": 1,
            "display_name": "A",
            "role": "admin",
            "active": True,
            "last_seen": "2026-11-25T04:31:00+00:00",
        }
    ]
    try:
        texts_module.use_timezone(ZoneInfo("Europe/Moscow"))
        assert "25.11.2026 07:31" in texts("ru").plain("users_list", users=users)
    finally:
        texts_module.use_timezone(texts_module.DEFAULT_TIMEZONE)
    assert "25.11.2026 09:31" in texts("ru").plain("users_list", users=users)


def test_a_legacy_macro_pair_not_yet_converted_still_works():
    """While a pair in i18n/<lang>.j2 waits for conversion (README: Adding or converting a text), it is used."""
    from jinja2 import ChoiceLoader, DictLoader

    env = environment.__wrapped__("ru")
    header = (TEMPLATES / "i18n" / "ru.j2").read_text(encoding="utf-8")  # as shipped, with its imports
    legacy = {
        "i18n/ru.j2": header + "{% macro legacy_text(n, role) %}Старый текст {{ n }}, {{ role_name(role) }}"
        "{% endmacro %}"
    }
    env.loader = ChoiceLoader([DictLoader(legacy), env.loader])
    t = Texts("ru", env)
    assert t("legacy_text", n="<1>", role="admin") == "Старый текст &lt;1&gt;, администратор"
    assert t("recorded") == "Записано."


def test_a_legacy_pair_that_changes_a_text_written_once_is_refused_not_silently_ignored():
    """A branch that changed the old copy of a text already written once (say, a new command in
    command_description) must bring its change to texts/: loading the texts says so."""
    from jinja2 import ChoiceLoader, DictLoader

    env = environment.__wrapped__("ru")
    header = (TEMPLATES / "i18n" / "ru.j2").read_text(encoding="utf-8")
    legacy = {"i18n/ru.j2": header + "{% macro recorded() %}Записано, по-новому.{% endmacro %}"}
    env.loader = ChoiceLoader([DictLoader(legacy), env.loader])
    with pytest.raises(KeyError, match=r"'recorded' is in i18n/ru\.j2 and in texts/"):
        Texts("ru", env)


def test_the_status_counts_days_up_and_sizes_in_the_users_language():
    from datetime import timedelta

    def status(lang: str, days: int, size: int) -> str:
        return texts(lang).plain(
            "status",
            version="1",
            uptime=timedelta(days=days, seconds=3725),
            db_size=size,
            users={"inspector": 2, "admin": 1},
            subjects=3,
            inspections={"finalized": 1, "draft": 0, "cancelled": 0},
            next_backup=None,
        )

    assert "Работает: 21 день, 1:02:05" in status("ru", 21, 2_500_000)
    assert "Работает: 2 дня, 1:02:05" in status("ru", 2, 2_500_000)
    assert "База данных: 2,4 МБ" in status("ru", 2, 2_500_000)
    assert "Работает: 1:02:05" in status("ru", 0, 48_230) and "47,1 КБ" in status("ru", 0, 48_230)
    assert "Жұмыс уақыты: 5 күн, 1:02:05" in status("kk", 5, 1) and "Пайдаланушылар: әкімші 1, инспектор 2" in status(
        "kk", 5, 1
    )


@pytest.mark.parametrize(
    ("days", "ru", "kk"),
    [
        (-1, "срок прошёл 1 день назад", "мерзімі 1 күн бұрын өтті"),
        (-3, "срок прошёл 3 дня назад", "мерзімі 3 күн бұрын өтті"),
        (-11, "срок прошёл 11 дней назад", "мерзімі 11 күн бұрын өтті"),
        (0, "сегодня последний день", "бүгін соңғы күн"),
    ],
)
def test_a_passed_or_last_deadline_is_said_with_the_right_plural(days, ru, kk):
    assert texts("ru").plain("days_left", n=days) == ru
    assert texts("kk").plain("days_left", n=days) == kk


@pytest.mark.parametrize(("days", "expected"), [(1, "1 день"), (3, "3 дня"), (5, "5 дней"), (21, "21 день")])
def test_a_stale_draft_nudge_counts_its_days_in_russian(days, expected):
    text = texts("ru").plain("stale_draft_nudge", name="ТОО", bin="990340001230", days=days)
    assert text == (
        f"📝 Незавершённый проверочный лист (ТОО, 990340001230) не менялся {expected}. Продолжить или удалить?"
    )


def test_the_list_shows_the_days_left_with_their_plural_and_a_late_approval():
    class VisitList:
        half, year, deadline, approved, entries, late = 1, 2027, date(2026, 12, 10), True, [], True
        approved_on = date(2026, 12, 12)

    ru = texts("ru").plain("visit_list", l=VisitList, days_left=-2, shown=[], approved_at="2026-12-12T04:15:00+00:00")
    assert "<b>с опозданием</b>: утверждён 12.12.2026, срок 10.12.2026" in ru
    VisitList.approved, VisitList.late = False, False
    assert "(п. 11): остался 1 день" in texts("ru").plain(
        "visit_list", l=VisitList, days_left=1, shown=[], approved_at=None
    )
    assert "(11-тармақ): 1 күн қалды" in texts("kk").plain(
        "visit_list", l=VisitList, days_left=1, shown=[], approved_at=None
    )
