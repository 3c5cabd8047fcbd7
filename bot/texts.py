"""Every text the bot shows comes from a Jinja template: one environment, autoescape on.

Short texts (messages, buttons, reasons) are macros in ``templates/i18n/<lang>.j2``; longer ones
(the result summary, the check sheet's HTML) are templates of their own. Values are escaped by Jinja,
so a subject called ``<b>ТОО</b>`` reaches Telegram's HTML parse mode as text, never as markup.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

LANGUAGES = ("kk", "ru")
DEFAULT_LANGUAGE = "ru"


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("bot", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["isodate"] = isodate
    return env


def isodate(value: date | str | None) -> str:
    """A date (or an ISO date string) as people read it: dd.mm.yyyy."""
    if value is None or value == "":
        return ""
    day = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    return day.strftime("%d.%m.%Y")


def normalise_language(code: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """Telegram's language code to ours: 'kk*' and 'ru*' as they are, anything else the default."""
    code = (code or "").lower()
    return next((lang for lang in LANGUAGES if code.startswith(lang)), default)


class Texts:
    """The texts of one language."""

    def __init__(self, lang: str, env: Environment | None = None) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        self._env = env or environment()
        self._macros = self._env.get_template(f"i18n/{self.lang}.j2").module

    def __call__(self, name: str, /, **values: Any) -> Markup:
        """A message text (HTML, values escaped); Markup, so templates do not escape it twice."""
        macro = getattr(self._macros, name, None)
        if macro is None:
            raise KeyError(f"no text '{name}' in i18n/{self.lang}.j2")
        return Markup(macro(**values)).strip()

    def plain(self, name: str, /, **values: Any) -> str:
        """A text for a place without HTML parsing: buttons, callback answers, file names."""
        return Markup(self(name, **values)).unescape()

    def render(self, template: str, /, **values: Any) -> Markup:
        """A whole template (e.g. ``messages/result.html.j2``) with ``t`` and ``lang`` in its context."""
        return Markup(self._env.get_template(template).render(t=self, lang=self.lang, **values)).strip()


@cache
def texts(lang: str) -> Texts:
    return Texts(lang)
