"""Every text the bot shows comes from a Jinja template; every phrase from a gettext catalogue.

A screen is written once: its structure (lines, loops, conditions, HTML) is a macro in
``templates/texts/<concern>.j2`` (messages and buttons) or a template of its own (``messages/``, ``pdf/``);
its phrases are English msgids that ``locales/<lang>/LC_MESSAGES/messages.po`` translates, with plural
forms (``ngettext``). The ``.po`` files are compiled in memory when a language's environment is first
built (Babel's ``read_po`` and ``write_mo``), so a fresh clone needs no build step.

One Jinja environment per language, cached: autoescape on, undefined values an error. Values are escaped
by Jinja, so a subject called ``<b>ТОО</b>`` reaches Telegram's HTML parse mode as text, never as markup;
a translation is trusted markup (it may hold ``<b>``), the values put into it are escaped.

Facts stated by a text (19 items, 30 files, 20 MB, 70) are never typed into a phrase: templates read them
from ``facts`` (the catalogue of the order and the limits of the code). Dates are formatted by two
filters only, ``local_date`` and ``local_datetime``, in the configured time zone.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, date, datetime, tzinfo
from functools import cache, cached_property
from gettext import GNUTranslations
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from bot.limits import BOT_DOWNLOAD_LIMIT_BYTES, EVIDENCE_PER_ITEM

LANGUAGES = ("kk", "ru")
DEFAULT_LANGUAGE = "ru"
# The language of the order itself: its texts are the original, the others our working translation.
ORDER_LANGUAGE = "kk"
# Texts for people whose language we do not know yet are shown in both, in this order.
BILINGUAL = ("ru", "kk")
DEFAULT_TIMEZONE = ZoneInfo("Asia/Almaty")
LOCALES = Path(__file__).parent / "locales"
DOMAIN = "messages"
# The macros of short texts: every template in this folder, one per concern, written once for all languages.
TEXTS_FOLDER = "texts/"
# Before a macro pair of the old scheme is converted, it may still sit in i18n/<lang>.j2: looked up last.
LEGACY_TEMPLATE = "i18n/{lang}.j2"

# The functions that mark a phrase in templates, for the message extractor (Babel keyword specs).
GETTEXT_KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "gettext_in": (2,),
}

DATE_FORMAT = "%d.%m.%Y"
DATETIME_FORMAT = "%d.%m.%Y %H:%M"

_timezone: tzinfo = DEFAULT_TIMEZONE


def use_timezone(timezone: tzinfo) -> None:
    """Set the time zone of ``local_date``/``local_datetime`` (settings.timezone, once at start-up)."""
    global _timezone
    _timezone = timezone


def _moment(value: date | datetime | str) -> date | datetime | None:
    if isinstance(value, date):  # datetime is a date too
        return value
    try:
        return datetime.fromisoformat(value) if "T" in value or " " in value else date.fromisoformat(value)
    except ValueError:
        return None


def _local(moment: datetime, timezone: tzinfo) -> datetime:
    # Stored times are ISO UTC; a naive one is read as UTC.
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(timezone)


def local_date(value: date | datetime | str | None, timezone: tzinfo | None = None) -> str:
    """A date as shown: '04.05.2023'. A datetime or ISO time is first moved to the local time zone.

    None shows as ''; a string that is not ISO is shown as it is (it was formatted before)."""
    if value is None:
        return ""
    moment = _moment(value)
    if moment is None:
        return str(value)
    if isinstance(moment, datetime):
        moment = _local(moment, timezone or _timezone).date()
    return moment.strftime(DATE_FORMAT)


def local_datetime(value: datetime | str | None, timezone: tzinfo | None = None) -> str:
    """An ISO UTC time (or datetime) as shown in the local time zone: '25.11.2026 15:15'; in UTC with a
    ' UTC' suffix, so nobody reads it as local. None shows as ''; a string that is not ISO as it is."""
    if value is None:
        return ""
    moment = _moment(value)
    if moment is None:
        return str(value)
    if not isinstance(moment, datetime):
        return moment.strftime(DATE_FORMAT)
    timezone = timezone or _timezone
    shown = _local(moment, timezone).strftime(DATETIME_FORMAT)
    return f"{shown} UTC" if timezone is UTC else shown


# Kazakh case endings of a number written in digits follow the last word said: 70 is "жетпіс", so "70-тен"
# (from 70) and "70-ке" (to 70); 2000 is "екі мың", so "2000-ға". Only what the texts need: dative, ablative.
_KK_ONES = ("нөл", "бір", "екі", "үш", "төрт", "бес", "алты", "жеті", "сегіз", "тоғыз")
_KK_TENS = ("", "он", "жиырма", "отыз", "қырық", "елу", "алпыс", "жетпіс", "сексен", "тоқсан")
_KK_BACK_VOWELS, _KK_FRONT_VOWELS = "аоұы", "әеөүі"
_KK_VOICELESS = "кқпстшфхцчщбвгд"  # after these: -қа/-ке, -тан/-тен
_KK_NASALS = "мнң"  # after these the ablative is -нан/-нен


def _kk_last_word(number: int) -> str:
    if number % 10:
        return _KK_ONES[number % 10]
    if number % 100:
        return _KK_TENS[number % 100 // 10]
    if number % 1000:
        return "жүз"
    if number % 1_000_000:
        return "мың"
    if number % 1_000_000_000:
        return "миллион"
    return "нөл" if number == 0 else "миллиард"


def kk_case(value: object, case: str) -> str:
    """A number (or a text ending in one, such as a date) with its Kazakh case ending: '70-тен', '2000-ға'."""
    text = str(value)
    digits = len(text) - len(text.rstrip("0123456789"))
    if not digits:
        return text
    word = _kk_last_word(int(text[-digits:]))
    back = next(ch for ch in reversed(word) if ch in _KK_BACK_VOWELS + _KK_FRONT_VOWELS) in _KK_BACK_VOWELS
    last = word[-1]
    if case == "dative":
        ending = ("қа" if back else "ке") if last in _KK_VOICELESS else ("ға" if back else "ге")
    elif case == "ablative":
        first = "т" if last in _KK_VOICELESS else "н" if last in _KK_NASALS else "д"
        ending = first + ("ан" if back else "ен")
    else:
        raise ValueError(f"no Kazakh case {case!r}")
    return f"{text}-{ending}"


def _uninflected(value: object, case: str) -> str:
    """Russian numbers written in digits take no ending."""
    return str(value)


NUMBER_CASE = {"kk": kk_case, "ru": _uninflected}


class Facts:
    """Numbers and dates that texts state, read from where they are decided, never typed into a phrase.

    Imported lazily: the texts are below the services and the catalogue in the layers."""

    @cached_property
    def _catalogue(self) -> Any:
        from bot.catalogue import default_catalogue

        return default_catalogue()

    @cached_property
    def checklist_size(self) -> int:
        """The items of the check sheet (Annex 2): 19."""
        return self._catalogue.checklist_size

    @cached_property
    def criteria_count(self) -> int:
        """The subjective criteria (Annex 1): 35; those after the check sheet's items come from other sources."""
        return len(self._catalogue.criteria)

    @cached_property
    def objective_conditions(self) -> int:
        """The objective criteria (chapter 2, item 4): 6 conditions."""
        return len(self._catalogue.objective)

    @cached_property
    def counted_conditions(self) -> tuple[int, ...]:
        """The objective conditions recorded as a number (services provided, checks made): 1 and 5."""
        return tuple(c.number for c in self._catalogue.objective if c.counts)

    @cached_property
    def high_risk_above(self) -> int:
        """Item 9: an indicator above this (70) is high."""
        return self._catalogue.constants.not_high_to

    @cached_property
    def gross_indicator(self) -> int:
        """Item 9: one gross violation sets the indicator to this (100)."""
        return self._catalogue.constants.gross_indicator

    @cached_property
    def stats_top_criteria(self) -> int:
        """/stats: the chart of the criteria violated most often shows this many (10)."""
        from bot.stats.figures import TOP_CRITERIA

        return TOP_CRITERIA

    @cached_property
    def order_date(self) -> date:
        """The date of the order (4 May 2023), also the example of a date to type."""
        return date.fromisoformat(self._catalogue.order["date"])

    @property
    def evidence_per_item(self) -> int:
        return EVIDENCE_PER_ITEM

    @property
    def max_file_mb(self) -> int:
        return BOT_DOWNLOAD_LIMIT_BYTES // (1024 * 1024)

    @cached_property
    def earliest_act_date(self) -> date:
        from bot.validation import EARLIEST_DATE

        return EARLIEST_DATE


@cache
def facts() -> Facts:
    return Facts()


@cache
def translations(lang: str) -> GNUTranslations:
    """The catalogue of ``lang``: its .po file compiled in memory (no .mo file to build or keep in sync)."""
    with (LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as po:
        catalog = read_po(po, locale=lang, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return GNUTranslations(compiled)


def gettext_in(lang: str, message: str, /, **values: Any) -> Markup:
    """``_()`` in another language than the environment's: for texts shown in both languages at once."""
    return Markup(translations(lang).gettext(message)) % values


def environment_options() -> dict[str, Any]:
    """What the environments and the message extractor (tests, ``make messages``) must agree on."""
    return {"trim_blocks": True, "lstrip_blocks": True, "keep_trailing_newline": False}


@cache
def environment(lang: str = DEFAULT_LANGUAGE) -> Environment:
    """The environment of one language: its gettext catalogue installed (newstyle: ``_("… %(x)s", x=…)``)."""
    if lang not in LANGUAGES:
        raise ValueError(f"no language {lang!r}")
    env = Environment(
        loader=PackageLoader("bot", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        **environment_options(),
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(local_date=local_date, local_datetime=local_datetime, number_case=NUMBER_CASE[lang])
    env.globals.update(
        lang=lang, order_language=ORDER_LANGUAGE, bilingual=BILINGUAL, gettext_in=gettext_in, facts=facts()
    )
    # Legacy macro pairs (i18n/<lang>.j2) written on main before their conversion call |isodate.
    env.filters["isodate"] = local_date
    return env


def normalise_language(code: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """Telegram's language code to ours: 'kk*' and 'ru*' as they are, anything else the default."""
    code = (code or "").lower()
    return next((lang for lang in LANGUAGES if code.startswith(lang)), default)


def text_templates(env: Environment) -> list[str]:
    return env.list_templates(filter_func=lambda name: name.startswith(TEXTS_FOLDER) and name.endswith(".j2"))


FIXED_RENDERS = 512  # texts kept by Texts.render_fixed and Texts.fixed, per language


class Texts:
    """The texts of one language."""

    def __init__(self, lang: str, env: Environment | None = None) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        self._env = env or environment(self.lang)
        self._macros: dict[str, Any] = {}
        self._fixed: dict[str, Markup] = {}  # the texts without values, rendered once (see __call__)
        self._plain: dict[str, str] = {}  # the same, unescaped (see plain)
        self._fixed_renders: dict[tuple[Any, ...], Markup] = {}  # see render_fixed
        for name in text_templates(self._env):
            module = self._env.get_template(name).module
            for macro, value in vars(module).items():
                if callable(value) and not macro.startswith("_"):
                    if macro in self._macros:
                        raise KeyError(f"text '{macro}' is defined twice in {TEXTS_FOLDER}")
                    self._macros[macro] = value
        legacy = LEGACY_TEMPLATE.format(lang=self.lang)
        if legacy in self._env.list_templates():
            for macro, value in vars(self._env.get_template(legacy).module).items():
                if callable(value) and not macro.startswith("_"):
                    # A pair of the same name as a text written once is a change made to the old copy (a
                    # branch merged after the conversion): refused, so the change is not silently lost.
                    if macro in self._macros:
                        raise KeyError(
                            f"text '{macro}' is in {legacy} and in {TEXTS_FOLDER}: apply the change "
                            f"of the pair to {TEXTS_FOLDER} and delete the pair (README: Adding or "
                            "converting a text)"
                        )
                    self._macros[macro] = value

    def __call__(self, name: str, /, **values: Any) -> Markup:
        """A message text (HTML, values escaped); Markup, so templates do not escape it twice.

        A text without values is the same every time (its phrases, the catalogue's and the configuration's
        facts are fixed while the process runs): rendered once. Most buttons are such texts.
        """
        if not values:
            fixed = self._fixed.get(name)
            if fixed is None:
                fixed = self._fixed[name] = self._render_macro(name, values)
            return fixed
        return self._render_macro(name, values)

    def _render_macro(self, name: str, values: dict[str, Any]) -> Markup:
        macro = self._macros.get(name)
        if macro is None:
            raise KeyError(f"no text '{name}' in {TEXTS_FOLDER}")
        return Markup(macro(**values)).strip()

    def plain(self, name: str, /, **values: Any) -> str:
        """A text for a place without HTML parsing: buttons, callback answers, file names. Without values
        (most buttons' labels) it is the same every time, unescaped once."""
        if not values:
            plain = self._plain.get(name)
            if plain is None:
                plain = self._plain[name] = Markup(self(name)).unescape()
            return plain
        return Markup(self(name, **values)).unescape()

    def render(self, template: str, /, **values: Any) -> Markup:
        """A whole template (e.g. ``messages/result.html.j2``) with ``t`` and ``lang`` in its context."""
        return Markup(self._env.get_template(template).render(t=self, lang=self.lang, **values)).strip()

    def render_fixed(self, template: str, /, **values: Any) -> Markup:
        """:meth:`render` for a text that few values decide (an item of the check sheet and its answer: 19
        items by four states): rendered once per such values and kept, at most ``FIXED_RENDERS``. The values
        must be hashable and decide the text alone (frozen dataclasses, numbers, strings)."""
        return self._kept((template, tuple(sorted(values.items()))), lambda: self.render(template, **values))

    def fixed(self, name: str, /, **values: Any) -> Markup:
        """:meth:`__call__` for a text that few values decide (a header step's question: the step, its
        suggestion, the act's year): rendered once per such values and kept, like :meth:`render_fixed`."""
        return self._kept((name, tuple(sorted(values.items()))), lambda: self._render_macro(name, values))

    def _kept(self, key: tuple[Any, ...], render: Callable[[], Markup]) -> Markup:
        kept = self._fixed_renders.get(key)
        if kept is None:
            if len(self._fixed_renders) >= FIXED_RENDERS:
                self._fixed_renders.clear()  # a bound (header suggestions vary by subject): each renders again
            kept = self._fixed_renders[key] = render()
        return kept

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self._macros)


@cache
def texts(lang: str) -> Texts:
    return Texts(lang)
