"""Is a SQLite file whole? ``PRAGMA integrity_check`` on a file of its own (a backup copy, a restored file)."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def integrity_check(path: Path) -> str:
    """'ok' when the file is a whole SQLite database; otherwise SQLite's first problems (or why it won't open)."""
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return f"cannot open: {exc}"
    try:
        rows = connection.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return f"not a database: {exc}"
    finally:
        connection.close()
    return "; ".join(str(row[0]) for row in rows[:5])
