"""The PDF worker pool (bot/workers.py): real processes render real check sheets; a worker killed mid-job is
replaced."""

from __future__ import annotations

import asyncio
import io
import os
import signal
from concurrent.futures.process import BrokenProcessPool

import pytest
from pypdf import PdfReader

from bot.pdf.check_sheet import render_check_sheet
from bot.workers import pdf_pool
from tests.test_pdf import sheet_job

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def job(catalogue) -> dict:
    return sheet_job(catalogue)


async def until(condition, seconds: float = 60) -> None:
    for _ in range(int(seconds * 100)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise TimeoutError("the condition never came true")


def pages(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


async def test_a_check_sheet_renders_in_a_worker_process_not_in_the_bot(catalogue):
    pool = pdf_pool(1)
    try:
        workers = await pool.worker_pids()
        assert os.getpid() not in workers
        pdf = await pool.run(render_check_sheet, **job(catalogue))
        assert pdf.startswith(b"%PDF") and "17-05/123" in pages(pdf)
    finally:
        pool.shutdown()


async def test_a_worker_killed_while_rendering_is_replaced_and_the_sheet_still_arrives(catalogue):
    pool = pdf_pool(1)
    try:
        (worker,) = await pool.worker_pids()
        rendering = asyncio.create_task(pool.run(render_check_sheet, **job(catalogue)))
        await asyncio.sleep(0.05)  # the job has reached the worker
        os.kill(worker, signal.SIGKILL)
        pdf = await asyncio.wait_for(rendering, 60)
        assert pdf.startswith(b"%PDF") and "17-05/123" in pages(pdf)
        assert pool.replaced == 1
        assert worker not in await pool.worker_pids()  # a fresh worker took its place
    finally:
        pool.shutdown()


async def test_a_job_that_kills_its_worker_twice_fails_loudly_instead_of_vanishing(catalogue):
    pool = pdf_pool(1)

    def live_workers() -> list[int]:
        executor = pool._executor  # the pool in use now (a fresh one after a death)
        return list(executor._processes) if executor is not None and executor._processes else []

    try:
        await pool.worker_pids()
        rendering = asyncio.create_task(pool.run(render_check_sheet, **job(catalogue)))
        for death in (1, 2):
            await asyncio.sleep(0.05)
            await until(live_workers)
            for pid in live_workers():
                os.kill(pid, signal.SIGKILL)
            await until(lambda death=death: pool.replaced >= death or rendering.done())
        with pytest.raises(BrokenProcessPool):
            await asyncio.wait_for(rendering, 60)
        assert pool.replaced == 2
    finally:
        pool.shutdown()
