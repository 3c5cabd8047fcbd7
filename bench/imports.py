"""Bulk import: 10,000 findings rows and 100,000 subjects, each read, checked, previewed and applied.

Wall time from the file's bytes to the committed transaction (the service's preview + apply, as /import
runs them). Each case runs in a process of its own, so its peak resident memory (ru_maxrss, Python and
calamine's Rust side together) is its own; the baseline before the file is read is shown beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import tempfile
import time
from datetime import date
from pathlib import Path

from bot.catalogue import default_catalogue
from bot.db import Database
from bot.db.repos import Repos
from bot.db.users import User
from bot.roles import Role
from bot.services.importing import ImportService
from bot.tables.writer import Sheet, workbook_bytes
from bot.validation import control_digit

TODAY = date(2026, 11, 25)


def bins(count: int) -> list[str]:
    found, n = [], 0
    while len(found) < count:
        first = f"99034{n:06d}"
        digit = control_digit(first)
        if digit is not None:
            found.append(first + str(digit))
        n += 1
    return found


def subjects_csv(numbers: list[str]) -> bytes:
    lines = ["bin;name;kind;region;address"]
    lines += [f"{b};ТОО «Субъект {i}»;provider;Астана;ул. {i}" for i, b in enumerate(numbers)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def findings_xlsx(numbers: list[str], rows: int) -> bytes:
    data = [
        (
            numbers[i % len(numbers)],
            20 + i % 16,
            "violated" if i % 3 else "complies",
            date(2026, 1 + i % 11, 1 + i % 20),
            f"жалоба {i // len(numbers)}",
        )
        for i in range(rows)
    ]
    return workbook_bytes([Sheet("findings", ["bin", "criterion", "result", "date", "source"], data)])


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _admin(r: Repos) -> User:
    r.users.add_or_restore(1, Role.ADMIN, "ru", None)
    return r.users.get(1)


async def _case(case: str, subjects: int, findings: int) -> tuple[float, float, float, int, dict]:
    with tempfile.TemporaryDirectory() as folder:
        db = await Database.open(Path(folder) / "bench.sqlite3")
        user = await db.run(_admin)
        service = ImportService(db, default_catalogue(), today=lambda: TODAY)
        numbers = bins(subjects if case == "subjects" else 2000)
        if case == "subjects":
            data = subjects_csv(numbers)
        else:  # the registry first (not timed), then the findings file, once or twice
            preview = await service.preview(user, "registry.csv", subjects_csv(numbers))
            await service.apply(user, preview.import_id)
            data = findings_xlsx(numbers, findings)
            if case == "findings-again":
                preview = await service.preview(user, "findings.xlsx", data)
                await service.apply(user, preview.import_id)
        baseline = _rss_mb()
        started = time.perf_counter()
        preview = await service.preview(user, "file", data)
        outcome = await service.apply(user, preview.import_id)
        wall = time.perf_counter() - started
        await db.close()
        return wall, baseline, _rss_mb(), len(data), outcome.counts


def _run_case(args: tuple[str, int, int]) -> tuple[float, float, float, int, dict]:
    return asyncio.run(_case(*args))


def run(subjects: int, findings: int) -> None:
    context = multiprocessing.get_context("spawn")
    for case, rows in (("subjects", subjects), ("findings", findings), ("findings-again", findings)):
        with context.Pool(1) as pool:
            wall, baseline, peak, size, counts = pool.apply(_run_case, ((case, subjects, findings),))
        shown = {k: v for k, v in counts.items() if v}
        print(
            f"{case:<15} {rows:>7,} rows  {size / 1e6:5.1f} MB file  {wall:6.2f} s  "
            f"peak RSS {peak:6.1f} MB (before reading {baseline:5.1f})  {shown}"
        )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench imports")
    parser.add_argument("--quick", action="store_true", help="1,000 subjects and 1,000 findings")
    args = parser.parse_args(argv)
    subjects, findings = (1_000, 1_000) if args.quick else (100_000, 10_000)
    print(
        "import: preview + apply, wall time and peak resident memory (targets: 10,000 findings < 10 s,"
        " 100,000 subjects < 60 s)"
    )
    run(subjects, findings)
