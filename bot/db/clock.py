"""Time as stored: ISO 8601 UTC strings, to the second."""

import time
from datetime import UTC, datetime

_formatted: tuple[int, str] = (-1, "")  # the last second formatted, and its text


def utc_now() -> str:
    """Now, as stored. A tap writes it two or three times and a second holds many taps: the text of the
    current second is made once (``datetime.isoformat`` was a percent of a tap's time)."""
    global _formatted
    second, formatted = int(time.time()), _formatted  # one read: other threads write it too (whole tuples)
    if second != formatted[0]:
        formatted = _formatted = (second, datetime.fromtimestamp(second, UTC).isoformat())
    return formatted[1]
