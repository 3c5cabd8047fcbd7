"""Logging set-up: the bot token never reaches a log line."""

from __future__ import annotations

import logging
import sys
from urllib.parse import quote


class RedactingFilter(logging.Filter):
    """Replaces secrets (the bot token, the webhook secret) in every record's final text."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        # Also as they appear inside URLs (aiohttp's errors quote the URL: the token's ':' becomes %3A).
        variants = {v for s in secrets if s for v in (s, quote(s, safe=""), quote(s))}
        self._secrets = sorted(variants, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[REDACTED]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()  # the message with its args (an exception's str, a URL) filled in
        text = self.redact(message)
        if record.exc_info and record.exc_info[1] is not None:
            # Format the traceback now (the exception's text, its chain, aiohttp's URL), redacted, so the
            # handler does not format the raw one.
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        if text != message or record.args:
            record.msg, record.args = text, None
        return True


def setup_logging(level: str, secrets: list[str]) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)  # one line per update is noise
