"""Container health: the database file opens and answers. Exit 0 when healthy, 1 otherwise."""

import sqlite3
import sys

from bot.config import ConfigError, load_settings
from bot.db.database import check_readable


def main() -> int:
    try:
        check_readable(load_settings().database_path)
    except (ConfigError, sqlite3.Error) as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
