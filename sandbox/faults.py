"""Network faults for the Bot API emulator: what a bad day between the bot and Telegram looks like.

A :class:`Faults` object given to :class:`~sandbox.emulator.BotAPIEmulator` (``faults=``) answers a chosen
share of API calls, before the emulator handles them, with one of:

- ``429`` Too Many Requests with ``parameters.retry_after`` (Telegram's flood answer);
- ``500`` Internal Server Error (JSON, as the Bot API answers);
- ``502`` Bad Gateway with an HTML body (what Telegram's front end answers: not JSON at all);
- a dropped connection (the socket closes without an answer).

A faulted call is not handled: no message is sent, no update confirmed (so a retry is safe and the
emulator's ``calls`` never show it). ``go_dark(seconds)`` makes every call fail with a dropped connection for
that long, and drops the long poll in flight; users can still write meanwhile (their updates queue up, as at
Telegram). ``injected`` counts what was done, by kind.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Final

from aiohttp import web

KINDS: Final = ("429", "500", "502", "drop")
BAD_GATEWAY_HTML: Final = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1>"
    "</center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"
)


@dataclass
class Faults:
    """``rate``: the share of API calls that fail (0..1), spread evenly over ``kinds``; ``methods``: only these
    Bot API methods (e.g. ``{"editMessageText"}``), default all."""

    rate: float = 0.0
    kinds: tuple[str, ...] = KINDS
    methods: frozenset[str] | None = None
    retry_after: int = 1
    seed: int = 15
    injected: Counter[str] = field(default_factory=Counter)
    dark_until: float = 0.0
    dark_ended_at: float | None = None
    _rng: random.Random = field(init=False, repr=False)
    _on_dark: Callable[[], None] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(KINDS)
        if unknown or not 0 <= self.rate <= 1:
            raise ValueError(f"faults: kinds within {KINDS}, rate within 0..1 (got {self.kinds}, {self.rate})")
        self._rng = random.Random(self.seed)

    @property
    def dark(self) -> bool:
        return time.monotonic() < self.dark_until

    def go_dark(self, seconds: float) -> None:
        """Every call fails (dropped connection) for ``seconds`` from now."""
        self.dark_until = time.monotonic() + seconds
        self.dark_ended_at = self.dark_until
        if self._on_dark is not None:
            self._on_dark()

    def _choose(self, method: str) -> str | None:
        if self.dark:
            return "dark"
        if self.methods is not None and method.lower() not in {m.lower() for m in self.methods}:
            return None
        if self.rate and self._rng.random() < self.rate:
            return self._rng.choice(self.kinds)
        return None

    @web.middleware
    async def middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if not request.path.startswith("/bot"):
            return await handler(request)  # file downloads are not faulted
        kind = self._choose(request.path.rsplit("/", 1)[-1])
        if kind is None:
            response = await handler(request)
            if self.dark:  # it went dark while this call (a long poll) waited: the answer never arrives
                return await self._drop(request, "dark")
            return response
        if request.can_read_body:
            await request.read()
        if kind in ("drop", "dark"):
            return await self._drop(request, kind)
        self.injected[kind] += 1
        if kind == "429":
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {self.retry_after}",
                    "parameters": {"retry_after": self.retry_after},
                },
                status=429,
            )
        if kind == "500":
            return web.json_response(
                {"ok": False, "error_code": 500, "description": "Internal Server Error"}, status=500
            )
        return web.Response(status=502, text=BAD_GATEWAY_HTML, content_type="text/html")

    async def _drop(self, request: web.Request, kind: str) -> web.StreamResponse:
        self.injected[kind] += 1
        if request.transport is not None:
            request.transport.abort()
        await asyncio.sleep(0)
        raise asyncio.CancelledError  # aiohttp's way out of a handler whose connection is gone
