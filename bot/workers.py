"""Work that would hold the event loop (and its GIL) runs in worker processes: PDFs and charts.

One kind of pool for both (:data:`bot.app.Services` holds one for the check sheets' PDFs, one for the
/stats charts). Each is a small :class:`~concurrent.futures.ProcessPoolExecutor` started with ``forkserver``
(``spawn`` where that is missing): never a fork of the running bot with its event loop, threads and open
database. The fork server preloads the modules a pool names (WeasyPrint once for every PDF worker); a
worker may warm up as it starts (fonts and layout), and it runs below the bot in the CPU's queue.

A worker that dies (killed, out of memory) breaks its pool: the pool is replaced by a fresh one and the job
is tried once more; a second failure is raised to the caller, which tells the person (never dropped
silently). A worker leaves by itself when the bot is gone: after a kill -9 nobody else would end it.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
ATTEMPTS = 2  # the job, and once more on a fresh pool when a worker died under it
PARENT_CHECK_S = 1.0
WORKER_NICENESS = 10  # added to the workers' nice value: the bot's own process keeps its priority


def _context(preload: Sequence[str]) -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        if preload:
            # One fork server serves every pool of the process: what one pool preloads, all workers share.
            context.set_forkserver_preload(list(preload))
        return context
    return multiprocessing.get_context("spawn")


def _worker_pid() -> int:
    return os.getpid()


def _start_worker(bot_pid: int, warm_up: Callable[[], None] | None) -> None:
    """In each worker: leave when the bot is gone, step back in the CPU's queue, warm up."""

    def watch() -> None:
        while True:
            time.sleep(PARENT_CHECK_S)
            try:
                os.kill(bot_pid, 0)
            except ProcessLookupError:
                os._exit(0)

    threading.Thread(target=watch, name="bot-watch", daemon=True).start()
    # On a small machine a render must not take the core a tap needs.
    os.nice(WORKER_NICENESS)
    if warm_up is not None:
        warm_up()


class WorkerPool:
    """``await pool.run(fn, *args, **kwargs)`` = ``fn(*args, **kwargs)`` in a worker process.

    ``fn`` and its arguments travel by pickle: a module-level function, plain data. Processes start with the
    first job, or earlier with :meth:`start` / :meth:`warm`.
    """

    def __init__(
        self, name: str, workers: int, *, preload: Sequence[str] = (), warm_up: Callable[[], None] | None = None
    ) -> None:
        if workers < 1:
            raise ValueError(f"the {name} pool needs at least one worker")
        self.name = name
        self.workers = workers
        self._preload = tuple(preload)
        self._warm_up = warm_up
        self._executor: ProcessPoolExecutor | None = None
        self.replaced = 0  # pools replaced after a worker died (for logs and tests)

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=_context(self._preload),
                initializer=_start_worker,
                initargs=(os.getpid(), self._warm_up),
            )
        return self._executor

    def start(self) -> list[Future[int]]:
        """Start every worker now (each warms up as it starts), without waiting for them."""
        pool = self._pool()
        return [pool.submit(_worker_pid) for _ in range(self.workers)]

    async def warm(self) -> None:
        """Start every worker and wait until they are ready."""
        await asyncio.gather(*(asyncio.wrap_future(f) for f in self.start()))

    async def worker_pids(self) -> set[int]:
        return set(await asyncio.gather(*(asyncio.wrap_future(f) for f in self.start())))

    async def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        for attempt in range(1, ATTEMPTS + 1):
            pool = self._pool()
            try:
                return await loop.run_in_executor(pool, partial(fn, *args, **kwargs))
            except BrokenProcessPool:
                log.warning("a %s worker died (attempt %s of %s); replacing the pool", self.name, attempt, ATTEMPTS)
                self._replace(pool)
                if attempt == ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        if self._executor is broken:  # not yet replaced by another job that saw the same death
            self._executor = None
            self.replaced += 1
            broken.shutdown(wait=False, cancel_futures=True)
            self.start()  # the fresh workers warm up now, not under the next person's job

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


def pdf_pool(workers: int) -> WorkerPool:
    """The check sheets' PDFs: WeasyPrint preloaded by the fork server, fonts and layout warmed per worker."""
    from bot.pdf.check_sheet import warm_up

    return WorkerPool("PDF", workers, preload=["bot.pdf.check_sheet"], warm_up=warm_up)


def chart_pool() -> WorkerPool:
    """The /stats charts: one worker, started on the first /stats (most days nobody asks); matplotlib is
    imported in the worker only (bot/charts/draw.py), never in the bot."""
    return WorkerPool("chart", 1)
