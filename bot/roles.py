"""Who may do what: the roles and the sets of roles each right belongs to, defined once.

Pure (no aiogram, no database): the repositories store a :class:`Role`, the services keep their defensive
checks against these very sets, the handlers' routers are filtered by them (``HasRole`` in
bot/handlers/filters.py) and the one table of commands (bot/commands.py) lists them for the menus and /help.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A user's role; the value is what the ``users`` and ``invitations`` tables store."""

    ADMIN = "admin"
    HEAD = "head"  # the head of the authorised body or the person acting for them (item 11): approves lists
    SUPERVISOR = "supervisor"  # a head of department
    INSPECTOR = "inspector"


STAFF = frozenset(Role)  # every active user: their own check sheets, subjects' cards, /verify
ADMINS = frozenset({Role.ADMIN})  # invitations, roles, revocation, status, backups, the audit log
# Chapter 4, item 11: the half-year visit lists are "уәкілетті органның басшысының немесе оның міндетін
# атқарушы адамның бекіткен", approved by the head or the person acting for them (the role 'head' is given
# to whoever acts). Heads of department and admins see and prepare the draft and get its reminders.
PLANNERS = frozenset({Role.SUPERVISOR, Role.HEAD, Role.ADMIN})
APPROVERS = frozenset({Role.HEAD})
# Tables in and out (/import, /export) and the statistics (/stats); the audit log's export is for ADMINS.
TABLES = frozenset({Role.SUPERVISOR, Role.HEAD, Role.ADMIN})
# Every inspector's finished sheets (their PDFs) and remedy deadlines, not only their own: an inspector sees
# their own only.
OVERSEERS = frozenset({Role.SUPERVISOR, Role.HEAD, Role.ADMIN})


def may_act_on(role: Role, user_id: int, owner_id: int) -> bool:
    """Someone's finished sheet (its PDF) or remedy deadline: its inspector, or anyone of OVERSEERS. Whose it
    is depends on the data, so this is checked where the sheet is read, not by a router filter."""
    return user_id == owner_id or role in OVERSEERS
