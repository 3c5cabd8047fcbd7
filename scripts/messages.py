"""Bring bot/locales/<lang>/LC_MESSAGES/messages.po in line with the templates: ``make messages``.

Extracts every phrase the templates mark (``_()``, ``ngettext()``, ``pgettext()``, ``gettext_in()``) with
Jinja's Babel extractor, adds the new msgids to each language's catalogue with an empty msgstr (to
translate), drops the msgids no template uses any more, and keeps every translation. Prints what is
left to translate. The bot needs no build step: it compiles the .po files in memory at start-up.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from babel.messages.pofile import read_po, write_po
from jinja2.ext import babel_extract

from bot.texts import DOMAIN, GETTEXT_KEYWORDS, LANGUAGES, LOCALES, environment_options

TEMPLATES = Path(__file__).resolve().parent.parent / "bot" / "templates"
LEGACY = "i18n"  # macro pairs of the old scheme, not yet converted: no msgids in them


def extractor_options() -> dict[str, str]:
    options = {key: str(value).lower() for key, value in environment_options().items()}
    return {**options, "newstyle_gettext": "true", "silent": "false"}


def template_messages() -> Catalog:
    """Every marked phrase of the templates, with where it is used."""
    template = Catalog(domain=DOMAIN)
    for path in sorted(TEMPLATES.rglob("*.j2")):
        if LEGACY in path.relative_to(TEMPLATES).parts:
            continue
        with path.open("rb") as source:
            for lineno, message, comments, context in extract(
                babel_extract, source, keywords=GETTEXT_KEYWORDS, options=extractor_options()
            ):
                template.add(
                    message, None, [(str(path.relative_to(TEMPLATES)), lineno)], auto_comments=comments, context=context
                )
    return template


def po_path(lang: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def update(lang: str, template: Catalog) -> list[str]:
    path = po_path(lang)
    if path.exists():
        with path.open("rb") as po:
            catalog = read_po(po, locale=lang, domain=DOMAIN)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog = Catalog(
            locale=lang,
            domain=DOMAIN,
            project="risk-bot",
            fuzzy=False,
            header_comment=f"# The phrases of the bot's interface in {lang}: see README.md, Texts.",
        )
    template.creation_date = catalog.creation_date  # no date-only change to merge
    catalog.update(template, no_fuzzy_matching=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=120, ignore_obsolete=True, sort_output=False, include_lineno=False)
    path.write_bytes(buffer.getvalue())
    strings = (
        message.string if isinstance(message.string, (list, tuple)) else [message.string]
        for message in catalog
        if message.id
    )
    missing = [
        message.id for message, string in zip([m for m in catalog if m.id], strings, strict=True) if not all(string)
    ]
    return [str(m) for m in missing]


def main() -> int:
    template = template_messages()
    untranslated = 0
    for lang in LANGUAGES:
        missing = update(lang, template)
        untranslated += len(missing)
        for msgid in missing:
            print(f"{po_path(lang)}: to translate: {msgid}")
    print(f"{len(template)} messages; {untranslated} translations missing")
    return 1 if untranslated else 0


if __name__ == "__main__":
    sys.exit(main())
