"""Telegram's flood limits and bad days: a request answered 429 waits the time Telegram asks and is sent again;
one answered 5xx, an HTML error page (Telegram's front end answers 502 that way) or a dropped connection is
sent again after a short backoff. getUpdates is left to aiogram's polling loop, which backs off by itself."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import Iterator

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramEntityTooLarge,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.methods.base import Response, TelegramType

log = logging.getLogger(__name__)
# Set by the outbox's sender, which waits a 429 out itself (pausing only itself, putting the message back).
_NO_RETRY: contextvars.ContextVar[bool] = contextvars.ContextVar("no_retry", default=False)


@contextlib.contextmanager
def no_retry() -> Iterator[None]:
    """Requests made inside raise a 429, a 5xx or a dropped connection at once instead of retrying here."""
    token = _NO_RETRY.set(True)
    try:
        yield
    finally:
        _NO_RETRY.reset(token)


class RetryAfterMiddleware(BaseRequestMiddleware):
    """Retry a flood-limited request after ``retry_after`` seconds, a few times, never waiting too long."""

    def __init__(self, attempts: int = 3, max_wait: float = 30.0) -> None:
        self._attempts = attempts
        self._max_wait = max_wait

    async def __call__(
        self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot, method: TelegramMethod[TelegramType]
    ) -> Response[TelegramType]:
        if _NO_RETRY.get():
            return await make_request(bot, method)
        for attempt in range(1, self._attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt == self._attempts or exc.retry_after > self._max_wait:
                    raise
                log.warning("%s flood-limited: retrying in %s s", type(method).__name__, exc.retry_after)
                await asyncio.sleep(exc.retry_after)
        raise AssertionError("unreachable")  # pragma: no cover


class TransientErrorRetryMiddleware(BaseRequestMiddleware):
    """Send a request again after a server error (5xx), an undecodable answer (an HTML error page) or a dropped
    connection: ``attempts`` in all, waiting ``first_delay`` doubled each time (0.5, 1, 2, 4 s by default).

    Choice: a dropped connection may hide a request Telegram did carry out, so a retried sendMessage can show
    a screen twice; a lost screen is worse (the person would not know their tap counted). The answer itself is
    stored before any screen is sent, so a request that fails for good loses no answer.
    """

    def __init__(self, attempts: int = 5, first_delay: float = 0.5) -> None:
        self._attempts = attempts
        self._first_delay = first_delay

    async def __call__(
        self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot, method: TelegramMethod[TelegramType]
    ) -> Response[TelegramType]:
        if isinstance(method, GetUpdates) or _NO_RETRY.get():  # polling and the outbox's sender retry themselves
            return await make_request(bot, method)
        delay = self._first_delay
        for attempt in range(1, self._attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramEntityTooLarge:
                raise
            except (TelegramServerError, TelegramNetworkError, ClientDecodeError) as exc:
                if attempt == self._attempts:
                    raise
                log.warning("%s failed (%s): retrying in %.1f s", type(method).__name__, type(exc).__name__, delay)
                await asyncio.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover


def keep_response_models() -> tuple[type, ...]:
    """aiogram parses every answer with ``Response[<result type>]``; pydantic keeps such parametrised
    models only weakly and rebuilds one (~3 ms) after each garbage collection. Holding them for the
    result types the bot uses removes those latency spikes (seen in bench/dispatcher.py)."""
    from aiogram.methods import (
        AnswerCallbackQuery,
        DeleteMessage,
        EditMessageReplyMarkup,
        EditMessageText,
        GetFile,
        SendDocument,
        SendMessage,
    )

    from bot.screen_calls import SCREEN_CALLS

    methods = (
        *SCREEN_CALLS,
        SendMessage,
        EditMessageText,
        EditMessageReplyMarkup,
        AnswerCallbackQuery,
        SendDocument,
        GetFile,
        DeleteMessage,
    )
    return tuple(Response[m.__returning__] for m in methods)  # type: ignore[name-defined]
