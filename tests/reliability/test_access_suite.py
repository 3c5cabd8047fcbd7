"""Access, as a suite generated from the dispatcher: every command, every kind of button and every free input,
tried by a stranger, by a revoked user and by each role outside its rights. Nothing about the subject or the
sheets reaches them, and nothing of someone else's changes.

The list of what to try is read from the assembled dispatcher (its routers' handlers and filters), and the
buttons from what the bot itself put on screens while the history was seeded; so a new command or button is
tried without being remembered here. A command or button kind that this file cannot classify (it is not in
RIGHTS) fails the suite: decide who may use it, add it to RIGHTS, and it is covered.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterator
from enum import Enum
from typing import get_args

import pytest_asyncio
from aiogram.filters import Command, CommandStart
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.methods import AnswerCallbackQuery, SendDocument, SendMediaGroup, SendMessage, SendPhoto

from bot.commands import BY_NAME, COMMANDS
from bot.roles import ADMINS, APPROVERS, PLANNERS, STAFF, TABLES, Role
from bot.texts import texts
from bot.ui.callbacks import PlanAct
from tests.reliability import harness as h
from tests.reliability.figures import FIGURES

EVERYONE = "everyone"  # no data of anyone (help, language)
OWN = "own data"  # acts on the person's own sheets only: someone else's must stay out of reach
MEMBERS = "members"  # subjects' cards and records: any active user, never a stranger or a revoked one
OWNER = "the sheet's inspector"
OWNER_OR_NOT_INSPECTOR = "the sheet's inspector, supervisors, heads and admins"  # the PDF of a finished sheet
ALL_ROLES = frozenset(Role)

OWN_DATA = {"new", "resume", "cancel", "mine"}  # commands about the person's own sheets


def command_rights(name: str) -> object:
    """From the one table of commands (bot/commands.py): who may use it; own-data commands are tried by all."""
    spec = BY_NAME[name]
    if name in OWN_DATA:
        return OWN
    if spec.strangers:
        return EVERYONE
    if spec.roles == STAFF:
        return MEMBERS
    return spec.roles


# Who may use what. A command missing from bot/commands.py, or a CallbackData prefix or an update kind missing
# here, fails test_every_command_and_button_is_classified. A button kind's rights hold for every action of its
# Enum, or are given per action: then every member must be named (a new action is a decision to make here).
COMMAND_RIGHTS: dict[str, object] = {name: command_rights(name) for name in BY_NAME}
CALLBACK_RIGHTS: dict[str, object] = {
    "l": EVERYONE,
    "i": OWNER,
    "d": OWNER,
    "p": OWNER_OR_NOT_INSPECTOR,
    "o": MEMBERS,
    "f": MEMBERS,
    "v": {
        PlanAct.SHOW: PLANNERS,
        PlanAct.XLSX: PLANNERS,
        PlanAct.CSV: PLANNERS,
        PlanAct.APPROVE: APPROVERS,
    },  # item 11: the head approves
    "im": TABLES,  # a pending import's apply / cancel, the empty templates (bot/handlers/tables.py)
    "r": OWNER_OR_NOT_INSPECTOR,  # "remedied" on a remedy-deadline reminder (bot/handlers/follow_up.py)
}
OTHER_RIGHTS: dict[str, object] = {"inline_query": MEMBERS}  # the inline look-up: staff only
ACTORS = {  # who tries: (user id, role or None for a stranger / a revoked user)
    "stranger": (h.STRANGER, None),
    "revoked inspector": (h.REVOKED, None),
    "admin": (h.ADMIN, Role.ADMIN),
    "head": (h.HEAD, Role.HEAD),
    "supervisor": (h.SUPERVISOR, Role.SUPERVISOR),
    "another inspector": (h.INSPECTOR_B, Role.INSPECTOR),
}


def surface(dp) -> dict[str, list]:
    """What the dispatcher answers to: commands, CallbackData classes, free messages, any button, other events."""
    found: dict[str, list] = {"commands": [], "callbacks": [], "free messages": [], "any button": [], "other": []}
    routers = list(dp.sub_routers)
    while routers:
        router = routers.pop()
        routers.extend(router.sub_routers)
        for kind, observer in router.observers.items():
            for handler in observer.handlers:
                filters = [f.callback for f in handler.filters or []]
                name = f"{router.name}.{handler.callback.__name__}"
                commands = [c for f in filters if isinstance(f, Command) for c in f.commands]
                if any(isinstance(f, CommandStart) for f in filters):
                    commands.append("start")
                data = [f.callback_data for f in filters if isinstance(f, CallbackQueryFilter)]
                if kind == "error":
                    continue
                if kind == "message" and commands:
                    found["commands"].extend(str(c) for c in commands)
                elif kind == "message":
                    found["free messages"].append(name)
                elif kind == "callback_query" and data:
                    found["callbacks"].extend(data)
                elif kind == "callback_query":
                    found["any button"].append(name)
                else:
                    found["other"].append(f"{kind}: {name}")
    return found


def enum_fields(cls) -> dict[str, type[Enum]]:
    """A button kind's fields whose value is one of a closed set (an Enum, possibly optional)."""
    found = {}
    for name, info in cls.model_fields.items():
        for candidate in (info.annotation, *get_args(info.annotation)):
            if isinstance(candidate, type) and issubclass(candidate, Enum):
                found[name] = candidate
    return found


def button_rights(cls, data: str) -> object:
    """The rights of a press: the kind's, or its action's when the kind decides per action."""
    rights = CALLBACK_RIGHTS[cls.__prefix__]
    return rights[cls.unpack(data).action] if isinstance(rights, dict) else rights


def outside_rights(rights: object, role: Role | None, user_id: int) -> bool:
    """True when this person may not use it (so trying it must reveal nothing); strangers and revoked: always."""
    if role is None:
        return True
    if rights in (EVERYONE, MEMBERS):
        return False
    if rights == OWN:
        return True  # they may use it, but on their own data; the seeded sheets are someone else's
    if rights == OWNER:
        return user_id != h.INSPECTOR_A
    if rights == OWNER_OR_NOT_INSPECTOR:
        return role == Role.INSPECTOR and user_id != h.INSPECTOR_A
    assert isinstance(rights, frozenset)
    return role not in rights


@pytest_asyncio.fixture
async def seeded(tmp_path):
    s = await h.seed(tmp_path)
    yield s
    await s.services.db.close()


async def test_every_command_and_button_is_classified(seeded):
    found = surface(seeded.dp)
    unknown_commands = sorted(set(found["commands"]) - set(COMMAND_RIGHTS))
    prefixes = {cls.__prefix__ for cls in found["callbacks"]}
    unknown_buttons = sorted(prefixes - set(CALLBACK_RIGHTS))
    assert not unknown_commands, f"commands nobody decided the rights of: {unknown_commands} (add to COMMAND_RIGHTS)"
    assert not unknown_buttons, f"button kinds nobody decided the rights of: {unknown_buttons} (CALLBACK_RIGHTS)"
    for cls in found["callbacks"]:
        rights = CALLBACK_RIGHTS[cls.__prefix__]
        if isinstance(rights, dict):  # decided per action: each member of the action's Enum, and nothing else
            assert set(rights) == set(enum_fields(cls)["action"]), f"{cls.__name__}: rights per action"
    unknown_kinds = sorted({kind.split(":")[0] for kind in found["other"]} - set(OTHER_RIGHTS))
    assert not unknown_kinds, f"updates of kinds this suite cannot try yet: {unknown_kinds} (OTHER_RIGHTS)"
    assert not sorted(set(COMMAND_RIGHTS) - set(found["commands"])), "RIGHTS names commands that no longer exist"


def command_texts(command: str, s: h.Seeded) -> Iterator[str]:
    yield f"/{command}"
    for argument in (
        h.SUBJECT_BIN,
        str(s.finalized_id),
        str(s.draft_id),
        str(h.INSPECTOR_A),
        f"{h.INSPECTOR_A} admin",
        "admin",
        "2026",
        f"{h.SUBJECT_BIN} ТОО Жаңа",
    ):
        yield f"/{command} {argument}"


def forged_callbacks(cls, s: h.Seeded) -> set[str]:
    """What the bot put on buttons for this kind, plus the same pointing at the other sheet; else built from
    the fields' types (a button kind never shown while seeding is still pressed). Every member of each Enum
    field is pressed at least once, shown while seeding or not."""
    samples = set(s.callbacks.get(cls.__prefix__, set()))
    for data in list(samples):
        fields = data.split(":")
        for sheet in (s.finalized_id, s.draft_id):
            if len(fields) > 1 and fields[1].isdigit():
                samples.add(":".join([fields[0], str(sheet), *fields[2:]]))
    if not samples:
        values = {}
        for name, info in cls.model_fields.items():
            enum = enum_fields(cls).get(name)
            values[name] = (
                next(iter(enum))
                if enum
                else 1
                if info.annotation is int
                else h.SUBJECT_BIN
                if name == "bin"
                else "ru"
                if name == "lang"
                else "x"
            )
        samples.add(cls(**values).pack())
    parsed = [cls.unpack(data) for data in sorted(samples)]
    for name, enum in enum_fields(cls).items():
        for member in set(enum) - {getattr(p, name) for p in parsed}:
            samples.add(parsed[0].model_copy(update={name: member}).pack())
    return samples


async def snapshot(s: h.Seeded, member: bool) -> list[tuple]:
    """Data that is not the actor's to change: the seeded sheets, everyone's role and access, invitations, plans;
    for a stranger or a revoked user also the subjects and their records."""
    db = s.services.db
    queries = [
        ("SELECT * FROM inspections WHERE inspector_id = ?", (h.INSPECTOR_A,)),
        (
            "SELECT a.* FROM answers a JOIN inspections i ON i.id = a.inspection_id WHERE i.inspector_id = ?",
            (h.INSPECTOR_A,),
        ),
        ("SELECT telegram_id, role, active FROM users", ()),
        ("SELECT COUNT(*) FROM invitations", ()),
        ("SELECT * FROM visit_lists", ()),
        ("SELECT * FROM visit_list_entries", ()),
    ]
    if not member:
        queries += [(f"SELECT * FROM {table}", ()) for table in ("subjects", "objective_records", "findings")]
    rows = []
    for query, args in queries:
        rows.append(tuple(tuple(r) for r in await db.fetch_all(query, args)))
    return rows


async def test_nobody_outside_their_rights_learns_or_changes_anything_about_a_subject_or_a_sheet(seeded):
    s = seeded
    found = surface(s.dp)
    # The probes see a leak when there is one: the owner and an admin are shown the subject by the same inputs.
    for user_id, probe in ((h.ADMIN, ("inline", h.SUBJECT_BIN)), (h.INSPECTOR_A, ("text", f"/bin {h.SUBJECT_BIN}"))):
        start = len(s.bot.session.requests)
        if probe[0] == "inline":
            await h.inline_query(s, user_id, probe[1])
        else:
            await s.chat(user_id).says(probe[1])
        assert any(h.SUBJECT_NAME in h.everything_in(m) for m in h.sent_to(s.bot.session.requests[start:], user_id))
    leaks: list[str] = []
    tried = 0
    for who, (user_id, role) in ACTORS.items():
        chat = s.chat(user_id)
        member = role is not None
        inputs: list[tuple[str, object]] = []
        for command in sorted(set(found["commands"])):
            if outside_rights(COMMAND_RIGHTS[command], role, user_id):
                inputs += [("text", text) for text in command_texts(command, s)]
        for cls in found["callbacks"]:
            inputs += [
                ("press", data)
                for data in sorted(forged_callbacks(cls, s))
                if outside_rights(button_rights(cls, data), role, user_id)
            ]
        # free messages and unknown buttons: whatever a person might send or press
        inputs += [
            ("text", "Сәлем"),
            ("text", "Акимат г. Астаны"),
            ("photo", None),
            ("press", "zz:1:2"),
            ("press", f"i:{s.draft_id}:1"),
            ("press", f"i:{s.draft_id}:1:zz"),
            ("press", f"d:{s.draft_id}:zz:"),
        ]
        if not member:
            inputs += [("text", h.SUBJECT_BIN), ("text", h.SUBJECT_BIN[:6] + " " + h.SUBJECT_BIN[6:])]
        for kind in {entry.split(":")[0] for entry in found["other"]}:
            if kind == "inline_query" and outside_rights(OTHER_RIGHTS[kind], role, user_id):
                inputs += [("inline", q) for q in ("", h.SUBJECT_BIN, h.SUBJECT_BIN[:6], "Маркер", "ТОО")]
        for kind, value in inputs:
            before = await snapshot(s, member)
            start = len(s.bot.session.requests)
            if kind == "text":
                await chat.says(value)
            elif kind == "photo":
                await chat.sends_photo(f"PHOTO-{user_id}-{tried}")
            elif kind == "inline":
                await h.inline_query(s, user_id, value)
            else:
                # a forged press under an old message of theirs (or a made-up one): Telegram lets any data through
                await chat.presses(value, message_id=chat.screen.message_id if chat.screen else 1)
            tried += 1
            reached = h.sent_to(s.bot.session.requests[start:], user_id)
            for method in reached:
                if isinstance(method, (SendDocument, SendPhoto, SendMediaGroup)):
                    leaks.append(f"{who} {kind} {value!r}: got a {type(method).__name__}")
                text = h.everything_in(method)
                for marker in s.markers if not member else (h.INSPECTOR_A_NAME,):
                    if marker in text:
                        leaks.append(f"{who} {kind} {value!r}: saw {marker!r} in {text[:160]!r}")
            if await snapshot(s, member) != before:
                leaks.append(f"{who} {kind} {value!r}: changed data that is not theirs")
    FIGURES.add("access: inputs tried by outsiders", tried)
    FIGURES.add("access: leaks", len(leaks))
    assert tried > 100
    assert not leaks, "\n".join(leaks[:30])


# What someone outside a command's roles is told (bot/handlers/filters.py: a refusal router after each filtered
# one). A command with roles of its own and no refusal here fails the test below: decide what they are told.
REFUSALS: dict[str, tuple[str, dict[str, str]]] = {
    **{name: ("refusal", {"reason": "forbidden_planning"}) for name in ("plan", "deadlines", "mute")},
    "import": ("refusal", {"reason": "forbidden_import"}),
    "export": ("refusal", {"reason": "forbidden_export"}),  # was the planning refusal: it named the wrong right
    "stats": ("stats_forbidden", {}),
    **{
        name: ("refusal", {"reason": "forbidden"})
        for name in ("invite", "users", "role", "revoke", "restore", "status", "backup", "audit")
    },
}


def replies(s: h.Seeded, start: int, user_id: int) -> list[tuple[str, bool]]:
    """The texts that reached this person since ``start``: messages, and answers to taps (with show_alert)."""
    return [
        (m.text or "", bool(m.show_alert)) if isinstance(m, AnswerCallbackQuery) else (m.text or "", False)
        for m in h.sent_to(s.bot.session.requests[start:], user_id)
        if isinstance(m, (SendMessage, AnswerCallbackQuery))
    ]


async def test_everyone_outside_a_command_or_button_is_told_why_in_their_language(seeded):
    s = seeded
    await s.services.access.set_language(h.INSPECTOR_B, "kk")
    languages = {h.INSPECTOR_B: "kk", h.SUPERVISOR: "ru", h.HEAD: "ru"}
    head = s.chat(h.HEAD)
    await head.says("/plan")  # the head is shown the approve button; the others press it all the same
    approve = [data for text, data in head.buttons() if text == texts("ru").plain("btn_approve")]
    assert approve, "the head's /plan screen carries the approve button"
    show = sorted(data for data in s.callbacks["v"] if data not in approve)[0]
    pending_import = sorted(s.callbacks["im"])[0]
    tried = []

    async def told(
        user_id: int, act: Awaitable[None], key: str, params: dict[str, str], *, alert: bool = False
    ) -> None:
        start = len(s.bot.session.requests)
        await act
        expected = texts(languages[user_id])
        wanted = (expected.plain(key, **params), True) if alert else (expected(key, **params), False)
        assert wanted in replies(s, start, user_id), (user_id, key, params, replies(s, start, user_id))
        tried.append(key)

    for user_id, role in ((h.INSPECTOR_B, Role.INSPECTOR), (h.SUPERVISOR, Role.SUPERVISOR), (h.HEAD, Role.HEAD)):
        chat = s.chat(user_id)
        for spec in COMMANDS:
            if spec.allowed(role):
                continue
            assert spec.name in REFUSALS, f"/{spec.name} has roles of its own: add what others are told to REFUSALS"
            key, params = REFUSALS[spec.name]
            await told(user_id, chat.says(f"/{spec.name}"), key, params)
        if role not in ADMINS:  # the audit log's export is for admins only, whoever may export the rest
            key, params = ("refusal", {"reason": "forbidden"}) if role in TABLES else REFUSALS["export"]
            await told(user_id, chat.says("/export audit"), key, params)
        if role not in PLANNERS:
            for data in (show, *approve):
                await told(
                    user_id, chat.presses(data, message_id=1), "refusal", {"reason": "forbidden_planning"}, alert=True
                )
        elif role not in APPROVERS:
            await told(
                user_id, chat.presses(approve[0], message_id=1), "refusal", {"reason": "forbidden_approval"}, alert=True
            )
        if role not in TABLES:
            await told(
                user_id,
                chat.presses(pending_import, message_id=1),
                "refusal",
                {"reason": "forbidden_import"},
                alert=True,
            )
            table = h.send_document(chat, "registry.csv", "text/csv", b"a;b\n", caption="/import")
            await told(user_id, table, "refusal", {"reason": "forbidden_import"})
    assert len(tried) > 20
    assert await s.services.db.fetch_one("SELECT 1 FROM visit_lists WHERE status = 'approved'") is None
