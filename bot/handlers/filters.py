"""Rights as router filters: a router of handlers for some roles is filtered once, and a refusal router after it
tells everyone else why not, in their language. No handler checks a role itself.

The sets of roles are bot/roles.py's; ``user`` is the one AccessMiddleware hands over (only active users get
this far).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Router
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot.db.users import User
from bot.roles import Role
from bot.texts import Texts


class HasRole(Filter):
    """Passes when the sender's role is one of ``roles`` (a set of bot/roles.py)."""

    def __init__(self, roles: frozenset[Role]) -> None:
        self.roles = roles

    async def __call__(self, event: TelegramObject, user: User | None = None) -> bool:
        return user is not None and user.role in self.roles

    def __str__(self) -> str:
        return self._signature_to_string(sorted(self.roles))


def restricted(name: str, roles: frozenset[Role]) -> Router:
    """A router whose messages and button presses reach its handlers only from these roles; others go on to
    the next router (a refusal router, see :func:`refuse_message`)."""
    router = Router(name=name)
    router.message.filter(HasRole(roles))
    router.callback_query.filter(HasRole(roles))
    return router


def refuse_message(key: str, **params: Any) -> Callable[..., Awaitable[None]]:
    """A handler that answers a message with the text ``key`` (e.g. ``refusal`` with a ``reason``)."""

    async def refuse(message: Message, t: Texts) -> None:
        await message.answer(t(key, **params))

    return refuse


def refuse_button(key: str, **params: Any) -> Callable[..., Awaitable[None]]:
    """A handler that answers a button press with the text ``key`` as an alert."""

    async def refuse(callback: CallbackQuery, t: Texts) -> None:
        await callback.answer(t.plain(key, **params), show_alert=True)

    return refuse
