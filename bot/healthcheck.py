"""Container health: the database file opens and answers. Exit 0 when healthy, 1 otherwise."""

import sqlite3
import sys

from bot.config import ConfigError, load_settings


def main() -> int:
    try:
        settings = load_settings()
        connection = sqlite3.connect(f"file:{settings.database_path}?mode=ro", uri=True, timeout=5)
        connection.execute("SELECT count(*) FROM users").fetchone()
        connection.close()
    except (ConfigError, sqlite3.Error) as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
