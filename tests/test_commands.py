"""The one table of commands (bot/commands.py) and the README's table say the same thing."""

from __future__ import annotations

import re
from pathlib import Path

from bot.commands import COMMANDS, command_names
from bot.roles import STAFF, Role
from bot.texts import texts

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_commands() -> dict[str, set[str]]:
    """Command -> the roles the README's table gives it ('everyone' adds 'stranger')."""
    text = README.read_text(encoding="utf-8")
    table = text[text.index("| command | who | what |") :]
    table = table[: table.index("\n\n")]
    found: dict[str, set[str]] = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        first, who = cells[0], cells[1]
        if first.startswith("`@bot"):
            continue  # the inline look-up is not a command
        roles = {"staff": {r.value for r in STAFF}, "everyone": {r.value for r in STAFF} | {"stranger"}}.get(
            who, {part.strip() for part in who.split(",")}
        )
        for name in re.findall(r"`/([a-z_]+)", first):
            found[name] = roles
    return found


def table_commands() -> dict[str, set[str]]:
    return {c.name: {r.value for r in c.roles} | ({"stranger"} if c.strangers else set()) for c in COMMANDS}


def test_the_readme_documents_exactly_the_commands_of_the_table_for_the_same_roles():
    assert readme_commands() == table_commands()


def test_every_command_a_role_may_use_appears_in_its_help_in_both_languages():
    for role in Role:
        names = command_names(role)
        for lang in ("kk", "ru"):
            help_text = texts(lang)("help", role=role.value, commands=names)
            for name in names:
                assert f"/{name} — " in help_text, (role, lang, name)
            for other in {c.name for c in COMMANDS} - set(names):
                assert f"/{other} — " not in help_text, (role, lang, other)
    assert {"subject", "objective", "findings", "help"} <= set(command_names(Role.INSPECTOR))
    assert "restore" in command_names(Role.ADMIN)


def test_strangers_menu_is_start_help_and_lang():
    assert command_names(None) == ["start", "lang", "help"]
