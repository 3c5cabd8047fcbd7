"""Filters checked on the event loop, not in a thread.

aiogram 3 runs any filter that is not a coroutine function or a ``Filter`` in a worker thread
(``CallableObject.call`` awaits ``asyncio.to_thread``). That includes every magic filter (``F.text``,
``F.document``: aiogram calls ``MagicFilter.resolve``, a plain method) and every plain ``def`` filter.
A text message passes five such checks on its way to the check sheet's handler, and each is a thread
switch there and back: about half of an update's cost in ``python -m bench dispatcher --profile``.

:func:`keep_filters_on_the_loop` walks a dispatcher after its routers are included and marks those filters
to run right here instead. A filter is a short check of the update and the handler data (a field, a
regular expression, a step of the draft); none of ours waits on anything, so none can block the loop. A
filter that has to wait (a database read, a request) must be written ``async`` like any other coroutine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.handler import FilterObject, HandlerObject


def keep_filters_on_the_loop(root: Router) -> int:
    """Make every synchronous filter under ``root`` (its handlers' and its observers' own) run on the event
    loop. Returns how many were changed. Call it after every router is included."""
    changed = 0
    for handler in _handlers(root):
        for filter_ in handler.filters or ():
            if not filter_.awaitable:
                filter_.callback = _on_loop(filter_.callback)
                filter_.awaitable = True
                changed += 1
    return changed


def synchronous_filters(root: Router) -> list[FilterObject]:
    """The filters aiogram would still run in a thread (for the test that keeps this list empty)."""
    return [f for handler in _handlers(root) for f in handler.filters or () if not f.awaitable]


def _handlers(root: Router) -> Iterator[HandlerObject]:
    for router in root.chain_tail:
        for observer in router.observers.values():
            # ``_handler`` holds the filters set with ``observer.filter(...)`` for all of its handlers.
            own = getattr(observer, "_handler", None)
            if isinstance(own, HandlerObject):
                yield own
            yield from observer.handlers


def _on_loop(check: Callable[..., Any]) -> Callable[..., Any]:
    # aiogram passes only the keyword arguments ``check`` asked for (FilterObject.params, read from the
    # original signature when the object was made), so the wrapper hands them on unchanged.
    async def on_loop(*args: Any, **kwargs: Any) -> Any:
        return check(*args, **kwargs)

    on_loop.__wrapped_filter__ = check  # type: ignore[attr-defined]
    return on_loop
