"""The one table of commands: who may use each, and the key of its description.

The command menus (bot/menus.py), /help and the README's table (tests/test_commands.py) all read it, so a
new command is added here once and shows up everywhere for exactly the roles that may use it. The sets of roles
are bot/roles.py's, the same objects the handlers' routers are filtered by.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.roles import ADMINS, PLANNERS, STAFF, TABLES, Role


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str  # without the slash
    roles: frozenset[Role]  # the roles that may use it
    strangers: bool = False  # also shown to people without access (the default menu)
    menu: bool = True  # in the command menu (rarely typed commands stay in /help only)

    def allowed(self, role: Role | None) -> bool:
        return self.strangers if role is None else role in self.roles


# Description: the text macro ``command_description(name)`` in bot/templates/i18n/<lang>.j2.
COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("start", STAFF, strangers=True),
    CommandSpec("new", STAFF),
    CommandSpec("resume", STAFF),
    CommandSpec("mine", STAFF),
    CommandSpec("verify", STAFF),  # bot/handlers/verify.py
    CommandSpec("cancel", STAFF),
    CommandSpec("bin", STAFF),
    CommandSpec("subject", STAFF),
    CommandSpec("objective", STAFF),
    CommandSpec("findings", STAFF),
    CommandSpec("plan", PLANNERS),
    CommandSpec("deadlines", PLANNERS),
    CommandSpec("mute", PLANNERS),
    CommandSpec("export", TABLES),
    CommandSpec("import", TABLES),
    CommandSpec("stats", TABLES),  # bot/handlers/stats.py
    CommandSpec("invite", ADMINS),
    CommandSpec("users", ADMINS),
    CommandSpec("role", ADMINS, menu=False),
    CommandSpec("revoke", ADMINS, menu=False),
    CommandSpec("restore", ADMINS, menu=False),
    CommandSpec("status", ADMINS),
    CommandSpec("backup", ADMINS),
    CommandSpec("audit", ADMINS),
    CommandSpec("lang", STAFF, strangers=True),
    CommandSpec("help", STAFF, strangers=True),
)
BY_NAME = {spec.name: spec for spec in COMMANDS}


def commands_for(role: Role | None, *, menu: bool = False) -> list[CommandSpec]:
    """The commands a role may use (None: someone without access), in the table's order."""
    return [c for c in COMMANDS if c.allowed(role) and (c.menu or not menu)]


def command_names(role: Role | None) -> list[str]:
    """What /start and /help list for a role."""
    return [c.name for c in commands_for(role)]
