"""PDFs rendered in worker processes: the bot's event loop (and its GIL) never waits for WeasyPrint.

A small :class:`~concurrent.futures.ProcessPoolExecutor` started with ``forkserver`` (``spawn`` where that
is missing): the fork server imports WeasyPrint once, every worker is forked from it and warms its fonts
and layout at start (:func:`~bot.pdf.check_sheet.warm_up`). A worker that dies (killed, out of memory)
breaks the pool: it is replaced by a fresh one and the job is tried once more; a second failure is raised
to the caller, which tells the person (never dropped silently).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any

from bot.pdf.check_sheet import render_check_sheet, warm_up

log = logging.getLogger(__name__)
ATTEMPTS = 2  # the job, and once more on a fresh pool when a worker died under it
PARENT_CHECK_S = 1.0
WORKER_NICENESS = 10  # added to the workers' nice value: the bot's own process keeps its priority


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["bot.pdf.check_sheet"])
        return context
    return multiprocessing.get_context("spawn")


def _worker_pid() -> int:
    return os.getpid()


def _start_worker(bot_pid: int) -> None:
    """In each worker: warm WeasyPrint up, and leave when the bot is gone (after a kill -9 nobody else
    would end a worker: it waits on a queue whose other end it holds itself)."""

    def watch() -> None:
        while True:
            time.sleep(PARENT_CHECK_S)
            try:
                os.kill(bot_pid, 0)
            except ProcessLookupError:
                os._exit(0)

    threading.Thread(target=watch, name="bot-watch", daemon=True).start()
    # Below the bot in the CPU's queue: on a small machine a render must not take the core a tap needs.
    os.nice(WORKER_NICENESS)
    warm_up()


class PdfPool:
    """``await pool.render(**kwargs)`` = ``render_check_sheet(**kwargs)`` in a worker process."""

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError("a PDF pool needs at least one worker")
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None
        self.replaced = 0  # pools replaced after a worker died (for logs and tests)

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=_context(),
                                                 initializer=_start_worker, initargs=(os.getpid(),))
        return self._executor

    def start(self) -> list[Future[int]]:
        """Start every worker now (each warms WeasyPrint as it starts), without waiting for them."""
        pool = self._pool()
        return [pool.submit(_worker_pid) for _ in range(self.workers)]

    async def warm(self) -> None:
        """Start every worker and wait until they are ready."""
        await asyncio.gather(*(asyncio.wrap_future(f) for f in self.start()))

    async def worker_pids(self) -> set[int]:
        return set(await asyncio.gather(*(asyncio.wrap_future(f) for f in self.start())))

    async def render(self, **kwargs: Any) -> bytes:
        loop = asyncio.get_running_loop()
        for attempt in range(1, ATTEMPTS + 1):
            pool = self._pool()
            try:
                return await loop.run_in_executor(pool, partial(render_check_sheet, **kwargs))
            except BrokenProcessPool:
                log.warning("a PDF worker died (attempt %s of %s); replacing the pool", attempt, ATTEMPTS)
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
