"""One bot process per database and per token.

Two processes on one SQLite file would interleave their drafts; two processes polling one token would steal
each other's updates (Telegram answers 409 Conflict to one of them, at random). So start-up takes two
exclusive ``fcntl`` locks and refuses to start when either is held:

- ``<database>.lock`` beside the database file;
- ``bot-<sha256 of the token, 16 hex>.lock`` in the runtime directory (``RUNTIME_DIR``, else
  ``$XDG_RUNTIME_DIR/risk-bot``, else ``<tmp>/risk-bot-<uid>``). The token itself never appears in a file
  name or in the file.

The kernel drops a ``flock`` when its process dies (even by kill -9), so a stale lock file never blocks a
restart. Each file holds the owner's pid, for the refusal message.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO


class AlreadyRunning(RuntimeError):
    """Another process holds the lock; the message says which resource and which pid."""


@dataclass
class InstanceLock:
    """The held locks; :meth:`release` (or process exit) frees them."""

    paths: list[Path] = field(default_factory=list)
    _files: list[IO[str]] = field(default_factory=list, repr=False)

    def release(self) -> None:
        for handle in self._files:
            try:
                fcntl.flock(handle, fcntl.LOCK_UN)
            finally:
                handle.close()
        self._files.clear()


def runtime_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("RUNTIME_DIR", "").strip():
        return Path(env["RUNTIME_DIR"].strip())
    if env.get("XDG_RUNTIME_DIR", "").strip():
        return Path(env["XDG_RUNTIME_DIR"].strip()) / "risk-bot"
    return Path(tempfile.gettempdir()) / f"risk-bot-{os.getuid()}"


def database_lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


def token_lock_path(token: str, folder: Path) -> Path:
    digest = hashlib.sha256(token.encode()).hexdigest()[:16]
    return folder / f"bot-{digest}.lock"


def _take(path: Path, what: str) -> IO[str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="ascii")  # noqa: SIM115 -- held open as long as the lock
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        owner = handle.read().strip() or "?"
        handle.close()
        raise AlreadyRunning(
            f"another bot process (pid {owner}) already uses {what}; stop it first (lock file {path})"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def acquire(database: Path, token: str | None, folder: Path | None = None) -> InstanceLock:
    """Take the database lock, then the token lock; on refusal release what was taken and raise."""
    lock = InstanceLock()
    targets = [(database_lock_path(database.resolve()), f"the database {database}")]
    if token:
        targets.append((token_lock_path(token, folder or runtime_dir()), "this bot token"))
    try:
        for path, what in targets:
            lock._files.append(_take(path, what))
            lock.paths.append(path)
    except BaseException:
        lock.release()
        raise
    return lock
