"""The offline sandbox: ``python -m sandbox``.

python -m sandbox                 the real bot against the local Bot API emulator, chatting in this terminal
python -m sandbox --unless-token  what ``make run`` does: the real bot when BOT_TOKEN is configured
                                  (environment or .env), the sandbox otherwise
"""

from __future__ import annotations

import os
import sys

from bot.__main__ import main as bot_main
from bot.__main__ import run_until_stopped
from bot.config import ConfigError, load_settings
from bot.logs import setup_logging


def main(argv: list[str]) -> int:
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if "--unless-token" in argv and settings.bot_token is not None:
        return bot_main([])
    from sandbox.terminal import run_sandbox

    # The terminal is the chat: only warnings go to it unless LOG_LEVEL asks for more.
    setup_logging(
        settings.log_level if "LOG_LEVEL" in os.environ else "WARNING",
        [s.get() for s in (settings.bot_token, settings.webhook_secret) if s],
    )
    return run_until_stopped(run_sandbox(settings))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
