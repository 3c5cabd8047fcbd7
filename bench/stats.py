"""/stats over 10,000 subjects: the real bot against the Bot API emulator, from the command to the XLSX.

The database is filled like ``bench.lookup``'s (subjects in 20 regions, finalized check sheets with their 19
answers spread over three years), plus findings of criteria 20-35 for a third of the subjects in the last
year and an approved list for each half-year of 2026. An admin sends ``/stats`` (the last 12 months) and
``/stats 2026-H1``; the first request starts the drawing process (cold), the next ones reuse it (warm).
Also timed apart: the figures (queries and the services' indicators), the drawing, the XLSX.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from bench.lookup import Options, fill
from bot.app import prepare
from bot.catalogue import default_catalogue
from bot.charts.draw import draw_all
from bot.config import load_settings
from bot.tables.writer import workbook_bytes
from bot.texts import texts
from sandbox.emulator import BotAPIEmulator
from sandbox.running import start_bot

ADMIN = 1001  # bench.lookup's admin
FINDING_SHARE = 1 / 3
LIST_SIZE = 500
WARM_RUNS = 5


def add_findings_and_lists(path: Path, subjects: int, today: date, rng: random.Random) -> tuple[int, int]:
    catalogue = default_catalogue()
    rows = []
    for subject in rng.sample(range(1, subjects + 1), int(subjects * FINDING_SHARE)):
        for criterion in rng.sample(range(20, 36), rng.randint(1, 3)):
            day = today - timedelta(days=rng.randrange(365))
            answer = "violated" if rng.random() < 0.4 else "complies"
            rows.append(
                (
                    subject,
                    criterion,
                    catalogue.criteria[criterion].severity.value,
                    answer,
                    day.isoformat(),
                    ADMIN,
                    f"{day.isoformat()}T10:00:00+00:00",
                )
            )
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO findings (subject_id, criterion, severity, answer, found_on, recorded_by,"
            " recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        for half in (1, 2):
            cursor = conn.execute(
                "INSERT INTO visit_lists (year, half, deadline, status, created_at, approved_by, approved_at)"
                " VALUES (2026, ?, ?, 'approved', '2026-01-01T00:00:00+00:00', ?, '2026-01-01T00:00:00+00:00')",
                (half, "2025-12-10" if half == 1 else "2026-05-10", ADMIN),
            )
            conn.executemany(
                "INSERT INTO visit_list_entries (list_id, subject_id, position, indicator) VALUES (?, ?, ?, '80.00')",
                [(cursor.lastrowid, s, n) for n, s in enumerate(rng.sample(range(1, subjects + 1), LIST_SIZE), 1)],
            )
        conn.execute("COMMIT")
    finally:
        conn.close()
    return len(rows), 2 * LIST_SIZE


async def measure(path: Path, workdir: Path) -> dict[str, object]:
    emu = BotAPIEmulator(files_dir=None)
    await emu.start()
    env = {
        "BOT_TOKEN": emu.token,
        "TELEGRAM_API_URL": emu.base_url,
        "DATABASE_PATH": str(path),
        "BACKUP_DIR": str(workdir / "backups"),
        "LOG_LEVEL": "WARNING",
        "ADMIN_IDS": str(ADMIN),
    }
    settings = load_settings(env, env_file=None)
    services = await prepare(settings)
    app = await start_bot(settings, services=services, emulator=emu)  # the shipped polling, through the inbox
    result: dict[str, object] = {}
    inside: dict[str, list[float]] = {"figures": [], "drawing": []}  # the same parts, timed inside the handler

    def timed(name, call):
        async def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return await call(*args, **kwargs)
            finally:
                inside[name].append(time.perf_counter() - started)

        return wrapper

    try:
        services.stats.figures = timed("figures", services.stats.figures)
        services.charts.run = timed("drawing", services.charts.run)  # the chart worker draws (bot/workers.py)

        async def command(text: str) -> float:
            documents = sum(1 for m in emu.messages(ADMIN) if m.get("document"))
            started = time.perf_counter()
            emu.send_text(ADMIN, text)
            await emu.wait_for(
                lambda: sum(1 for m in emu.messages(ADMIN) if m.get("document")) > documents, timeout=300
            )
            return time.perf_counter() - started

        result["cold"] = await command("/stats")
        result["warm"] = [await command("/stats") for _ in range(WARM_RUNS)]
        result["half"] = [await command("/stats 2026-H1") for _ in range(3)]
        result["inside"] = {k: list(v) for k, v in inside.items()}
        photos = [m for m in emu.messages(ADMIN) if m.get("photo")][-4:]
        result["png_kb"] = [len(m["photo_bytes"]) // 1024 for m in photos]
        result["caption"] = photos[1]["caption"]

        stats, t = services.stats, texts("ru")
        period = stats.period(None)
        figures, drawing, workbook, indicators = [], [], [], []
        for _ in range(WARM_RUNS):
            started = time.perf_counter()
            await services.planning.candidates()  # the services' indicators, a part of the figures
            indicators.append(time.perf_counter() - started)
            started = time.perf_counter()
            f = await stats.figures(period)
            figures.append(time.perf_counter() - started)
            specs, _ = stats._charts_of(t, f)
            started = time.perf_counter()
            await services.charts.run(draw_all, specs)
            drawing.append(time.perf_counter() - started)
            started = time.perf_counter()
            await asyncio.to_thread(workbook_bytes, stats._sheets(t, f))
            workbook.append(time.perf_counter() - started)
        result.update(
            figures=figures,
            indicators=indicators,
            drawing=drawing,
            workbook=workbook,
            subjects_with_indicator=f.indicators.total,
            violations=f.violations,
            visits=f.visits,
            plan=f.plan,
            done=f.done,
        )
    finally:
        await app.stop()
        await emu.stop()
    return result


def main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench stats")
    parser.add_argument("--subjects", type=int, default=10_000)
    parser.add_argument("--answers", type=int, default=400_000, help="answers of finalized check sheets (19 each)")
    parser.add_argument("--quick", action="store_true", help="2,000 subjects, 40,000 answers")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args(argv)
    subjects, answers = (2_000, 40_000) if args.quick else (args.subjects, args.answers)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="bench-stats-") as tmp:
        workdir = Path(tmp)
        path = workdir / "bot.sqlite3"
        loaded = fill(path, Options(subjects, answers, 0, args.seed, workdir, False), rng)
        findings, listed = add_findings_and_lists(path, subjects, date.today(), rng)
        r = asyncio.run(measure(path, workdir))
    median = statistics.median
    print(
        f"/stats over {subjects:,} subjects: {loaded.inspections:,} finalized check sheets ({loaded.answers:,}"
        f" answers), {findings:,} findings, 2 approved lists of {listed // 2} (seed in {loaded.seconds:.1f} s)"
    )
    print(
        f"  the last 12 months: {r['subjects_with_indicator']:,} subjects with an indicator, {r['violations']:,}"
        f" violations, {r['visits']:,} visits, plan {r['plan']:,}, done {r['done']:,}"
    )
    print("  command -> album of 4 PNG + XLSX received (s):")
    print(f"    /stats cold (starts the drawing process)  {r['cold']:.2f}")
    print(
        f"    /stats warm, median of {len(r['warm'])}              {median(r['warm']):.2f}"
        f"   (min {min(r['warm']):.2f}, max {max(r['warm']):.2f})"
    )
    print(f"    /stats 2026-H1 warm, median of {len(r['half'])}       {median(r['half']):.2f}")
    print(
        f"  parts, median of {len(r['figures'])} (s): figures {median(r['figures']):.2f} (of which the services'"
        f" indicators, PlanningService.candidates, {median(r['indicators']):.2f}), drawing (worker)"
        f" {median(r['drawing']):.2f}, XLSX {median(r['workbook']):.3f}"
    )
    inside = r["inside"]
    print(
        f"  inside the handler, median of {len(inside['figures'])} (s): figures {median(inside['figures']):.2f},"
        f" drawing {median(inside['drawing']):.2f}"
    )
    print(f"  PNG sizes (KiB): {r['png_kb']}; criteria caption: {r['caption'][:90]}…")
