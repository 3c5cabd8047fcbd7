"""Storage on one SQLite file (WAL). SQL lives only in this package.

Each repository is a class over one plain ``sqlite3`` connection with synchronous methods
(bot/db/repository.py); ``Repos`` holds every repository of one connection (bot/db/repos.py). A service
writes a unit of work as one function of ``Repos`` and runs it with :meth:`Database.run` (writes, one
transaction), :meth:`Database.read` (short reads by key), :meth:`Database.call` (reads that scan, on
aiosqlite's thread) or inside :meth:`Database.snapshot` / :meth:`Database.transaction` (``.call``).
"""

from bot.db.database import Database
from bot.db.repos import Repos

__all__ = ["Database", "Repos"]
