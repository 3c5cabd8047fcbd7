"""The charts are drawn in a worker process, so the event loop keeps answering everyone else meanwhile.

One worker, started on the first /stats (not at start-up: most days nobody asks), with the ``forkserver``
context where the platform has it (``spawn`` elsewhere): never a fork of the running bot with its event
loop, threads and open database. The worker imports matplotlib once and then stays for the next request.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from bot.charts.spec import ChartSpec


def _context() -> multiprocessing.context.BaseContext:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


class ChartPool:
    def __init__(self, workers: int = 1) -> None:
        self._workers = workers
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(max_workers=self._workers, mp_context=_context())
        return self._executor

    async def draw(self, specs: Sequence[ChartSpec]) -> list[bytes]:
        """PNG bytes of each chart, drawn in the worker."""
        from bot.charts.draw import draw_all  # the function is sent by name; matplotlib loads in the worker only

        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool(), draw_all, list(specs))
        except BrokenProcessPool:  # the worker died (killed, out of memory): a new one draws it once more
            self.close()
            return await loop.run_in_executor(self._pool(), draw_all, list(specs))

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)  # a broken pool shuts down at once
            self._executor = None
