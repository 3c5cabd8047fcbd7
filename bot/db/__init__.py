"""Storage on one SQLite file (WAL) through aiosqlite. SQL lives only in this package."""

from bot.db.database import Database

__all__ = ["Database"]
