"""Ranking every subject: drawing a half-year list (/plan) and the registry export, on 10,000 and 100,000 subjects.

Fill: the look-up benchmark's database (bench/lookup.py: subjects, finalized check sheets over three years with
their 19 answers), plus findings of criteria 20-35 and dated objective facts spread over the same three years,
loaded with sqlite3 in one transaction through the real schema.

Measure, through the bot's own services on a fresh connection: ``AssessmentService.all_risks`` (the set-based
computation of every subject's indicator and objective group), ``PlanningService.current_with_gaps`` (what /plan
does: rank, save the draft, read it back) twice, ``PlanningService.deadlines`` (what /deadlines and the reminders
count), and ``ExportService.registry`` (the XLSX of every subject). Each size runs in a process of its own, so
its peak resident memory is its own. A sample of subjects is checked against the per-subject path
(``subject_risk``), so the benchmark cannot silently measure something else.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import resource
import sqlite3
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench import lookup
from bot.catalogue import default_catalogue
from bot.db.database import Database
from bot.services.assessment import AssessmentService
from bot.services.exports import ExportService
from bot.services.planning import PlanningService
from bot.texts import texts

TODAY = date(2026, 11, 20)  # the fill's three years end on 31 October 2026: the next list is due 10 December
SIZES = (10_000, 100_000)
QUICK_SIZES = (1_000,)
ANSWERS_PER_SUBJECT = 10  # the look-up bench's ratio: about one check sheet per subject every six years
FINDINGS_PER_SUBJECT = 0.5  # findings of criteria 20-35 over the three years
FACTS_PER_SUBJECT = 0.3  # objective facts over the three years
VIOLATED_SHARE = 0.4  # of the findings; the rest comply
CHECKED_SUBJECTS = 300  # compared with the per-subject path
SOURCES = ("жалоба", "отчётность", "СМИ", "мониторинг")

INSERT_FINDING = (
    "INSERT INTO findings (subject_id, criterion, severity, answer, found_on, source_note, recorded_by, recorded_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_FACT = (
    "INSERT INTO objective_records (subject_id, condition, met, occurred_on, value, source_note, recorded_by,"
    " recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True, slots=True)
class Figures:
    subjects: int
    inspections: int
    findings: int
    facts: int
    fill_s: float
    all_risks_s: float
    ranked: int  # subjects all_risks returned
    plan_first_s: float
    plan_again_s: float
    on_list: int
    left_out: int
    deadlines_s: float
    high_unassessed: int
    registry_s: float
    registry_rows: int
    registry_bytes: int
    checked: int
    peak_rss_mb: float
    rss_before_mb: float


def add_other_sources(path: Path, subjects: int, rng: random.Random) -> tuple[int, int]:
    """Findings of criteria 20-35 and objective facts, dated over the fill's three years."""
    catalogue = default_catalogue()
    severity = {n: c.severity.value for n, c in catalogue.criteria.items()}
    days = lookup.DAYS
    recorded = f"{lookup.FIRST_DAY.isoformat()}T08:00:00+00:00"
    findings, facts = [], []
    for _ in range(int(subjects * FINDINGS_PER_SUBJECT)):
        criterion = rng.randrange(20, 36)
        on = lookup.FIRST_DAY + timedelta(days=rng.randrange(days))
        answer = "violated" if rng.random() < VIOLATED_SHARE else "complies"
        findings.append(
            (
                rng.randrange(1, subjects + 1),
                criterion,
                severity[criterion],
                answer,
                on.isoformat(),
                f"{rng.choice(SOURCES)} №{rng.randrange(1, 10_000)}",
                1002,
                recorded,
            )
        )
    for _ in range(int(subjects * FACTS_PER_SUBJECT)):
        condition = rng.randrange(1, 7)
        on = lookup.FIRST_DAY + timedelta(days=rng.randrange(days))
        value = None
        if condition == 1:
            value = rng.randrange(0, 3_000)
        elif condition == 5:
            value = rng.randrange(0, 6)
        minimum = catalogue.objective[condition - 1].value_min
        met = value >= minimum if minimum is not None else rng.random() < 0.7
        facts.append(
            (
                rng.randrange(1, subjects + 1),
                condition,
                int(met),
                on.isoformat(),
                value,
                f"{rng.choice(SOURCES)} №{rng.randrange(1, 10_000)}",
                1002,
                recorded,
            )
        )
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(INSERT_FINDING, findings)
        conn.executemany(INSERT_FACT, facts)
        conn.execute("COMMIT")
    finally:
        conn.close()
    return len(findings), len(facts)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def measure(path: Path, subjects: int, inspections: int, findings: int, facts: int, fill_s: float) -> Figures:
    catalogue = default_catalogue()
    db = await Database.open(path)
    try:

        def today() -> date:
            return TODAY

        assessment = AssessmentService(db, catalogue, today=today)
        planning = PlanningService(db, catalogue, today=today, assessment=assessment)
        exports = ExportService(db, catalogue, assessment, ZoneInfo("Asia/Almaty"))
        user = await db.read(lambda r: r.users.get(1002))
        period = planning.periods()[0]
        on = planning.reference_date(period)
        rss_before = _rss_mb()

        started = time.perf_counter()
        risks = await assessment.all_risks(on=on)
        all_risks_s = time.perf_counter() - started

        # Every subject with something recorded is compared with the per-subject path on a sample.
        sample = random.Random(subjects).sample(sorted(risks), min(CHECKED_SUBJECTS, len(risks)))
        for subject_id in sample:
            alone = await assessment.subject_risk(subject_id, on=on)
            if alone != risks[subject_id]:
                raise RuntimeError(f"subject {subject_id}: all_risks and subject_risk disagree")
        del risks

        started = time.perf_counter()
        visit_list, _ = await planning.current_with_gaps(period, user)
        plan_first_s = time.perf_counter() - started
        started = time.perf_counter()
        visit_list, _ = await planning.current_with_gaps(period, user)
        plan_again_s = time.perf_counter() - started

        started = time.perf_counter()
        states = await planning.deadlines()
        deadlines_s = time.perf_counter() - started

        started = time.perf_counter()
        data, rows = await exports.registry(texts("ru"))
        registry_s = time.perf_counter() - started
        if rows != subjects or not data.startswith(b"PK"):
            raise RuntimeError(f"the registry has {rows} rows for {subjects} subjects")
        ranked = len(await assessment.all_risks(on=on))
    finally:
        await db.close()
    return Figures(
        subjects,
        inspections,
        findings,
        facts,
        fill_s,
        all_risks_s,
        ranked,
        plan_first_s,
        plan_again_s,
        len(visit_list.entries),
        len(visit_list.left_out),
        deadlines_s,
        states[0].high_unassessed,
        registry_s,
        rows,
        len(data),
        len(sample),
        _rss_mb(),
        rss_before,
    )


def run_size(subjects: int, seed: int, directory: Path | None) -> Figures:
    with tempfile.TemporaryDirectory(prefix="bench-plan-") as scratch:
        folder = directory or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"plan-{subjects}.sqlite3"
        for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
        rng = random.Random(seed)
        options = lookup.Options(subjects, subjects * ANSWERS_PER_SUBJECT, 1, seed, folder, False)
        started = time.perf_counter()
        loaded = lookup.fill(path, options, rng)
        findings, facts = add_other_sources(path, subjects, rng)
        fill_s = time.perf_counter() - started
        return asyncio.run(measure(path, subjects, loaded.inspections, findings, facts, fill_s))


def print_figures(f: Figures) -> None:
    print(
        f"  {f.subjects:,} subjects, {f.inspections:,} check sheets, {f.findings:,} findings, {f.facts:,} objective"
        f" facts (fill {f.fill_s:.1f} s); {f.ranked:,} with a record"
    )
    print(f"    all_risks            {f.all_risks_s:6.2f} s")
    print(
        f"    /plan draw           {f.plan_first_s:6.2f} s  (again {f.plan_again_s:.2f} s)"
        f"  {f.on_list:,} on the list, {f.left_out:,} left out"
    )
    print(f"    /deadlines           {f.deadlines_s:6.2f} s  ({f.high_unassessed:,} high group, not assessed)")
    print(
        f"    registry XLSX        {f.registry_s:6.2f} s  {f.registry_rows:,} rows, {f.registry_bytes / 2**20:.1f} MiB"
    )
    print(f"    checked              {f.checked} subjects: all_risks equals subject_risk")
    print(f"    peak RSS             {f.peak_rss_mb:6.0f} MiB  (before the measures {f.rss_before_mb:.0f} MiB)")


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench plan", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", help=f"subjects (default {' '.join(map(str, SIZES))})")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SIZES[0]:,} subjects")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, help="keep the database files here (default: a temp dir, removed)")
    parser.add_argument("--in-process", action="store_true", help="run in this process (peak RSS is shared)")
    return parser.parse_args(list(argv))


def main(argv: Sequence[str]) -> list[Figures]:
    args = parse_args(argv)
    sizes = args.sizes or (QUICK_SIZES if args.quick else SIZES)
    print(
        "plan: every subject ranked - /plan (target < 2 s at 100,000 subjects), the registry export (< 20 s)",
        flush=True,
    )
    results = []
    for subjects in sizes:
        if args.in_process:
            figures = run_size(subjects, args.seed, args.dir)
        else:
            with multiprocessing.get_context("spawn").Pool(1) as pool:
                figures = pool.apply(run_size, (subjects, args.seed, args.dir))
        print_figures(figures)
        results.append(figures)
    return results
