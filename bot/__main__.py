"""Start-up only: settings, logging, then the bot (polling, or webhook with WEBHOOK_URL) until a signal.

    python -m bot            needs BOT_TOKEN; without it, a configuration error (exit 2); a second process on
                             the same database or token refuses to start (exit 3, bot/instance_lock.py)

The offline sandbox is not part of the product: ``python -m sandbox`` (or ``make run`` with no token).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from typing import Any

from bot.app import run
from bot.catalogue import CatalogueError
from bot.config import ConfigError, load_settings
from bot.instance_lock import AlreadyRunning, acquire
from bot.logs import setup_logging


def main(argv: list[str]) -> int:
    try:
        settings = load_settings()
        if settings.bot_token is None:
            raise ConfigError("BOT_TOKEN is not set (for the offline sandbox: `make run` or `python -m sandbox`)")
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level, [s.get() for s in (settings.bot_token, settings.webhook_secret) if s])
    try:
        lock = acquire(settings.database_path, settings.bot_token.get())
    except AlreadyRunning as exc:
        print(f"refusing to start: {exc}", file=sys.stderr)
        return 3
    try:
        return run_until_stopped(run(settings))
    finally:
        lock.release()


def run_until_stopped(bot: Coroutine[Any, Any, None]) -> int:
    """Run the bot until it stops or Ctrl-C: exit 0, or 2 with the reason when the catalogue is broken.
    The sandbox (``python -m sandbox``) starts the same way."""
    try:
        asyncio.run(bot)
    except CatalogueError as exc:
        print(f"catalogue error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
