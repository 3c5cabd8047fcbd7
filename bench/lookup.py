"""Look-up by IIN/BIN: ``SubjectRepository.card(bin)`` on a real SQLite file of realistic size.

Fill: ``Database.open`` applies the real migrations (tables, indexes, triggers), then the stdlib ``sqlite3``
module bulk-loads users, subjects, finalized inspections and their answers with ``executemany`` in one
transaction, foreign keys, CHECK constraints and triggers all in force (inspections go in already finalized:
the freeze trigger only guards UPDATE).

Measure: N random look-ups (90 % known BINs, 10 % unknown valid ones), each timed with ``perf_counter_ns``,
one at a time on one event loop: the repository's own method (bot/db/subjects.py, imported, not copied) run
through aiosqlite's worker thread (``Database.call``), and then on a plain synchronous ``sqlite3`` connection
(what ``Database.read`` does on the event loop), so the cost of aiosqlite's worker-thread hops is visible. Every
answer is checked against what was loaded, so the benchmark cannot silently measure nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import math
import os
import random
import resource
import sqlite3
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bot.catalogue import default_catalogue
from bot.db.database import BUSY_TIMEOUT_MS, Database
from bot.db.repos import Repos
from bot.db.subjects import SUBJECT_BY_BIN, SUBJECT_HISTORY, SubjectCard, SubjectRepository
from bot.scoring import Answer, Evaluation, assess
from bot.services.inspections import result_to_dict
from bot.validation import control_digit

DEFAULTS = {"subjects": 100_000, "answers": 1_000_000, "lookups": 5_000}
QUICK = {"subjects": 10_000, "answers": 100_000, "lookups": 1_000}
ITEMS = 19  # answers per finalized inspection (the check sheet)
KNOWN_SHARE = 0.9
HISTORY_LIMIT: int = inspect.signature(SubjectRepository.card).parameters["history_limit"].default
FIRST_DAY = date(2023, 11, 1)  # finalized_at spread over three years from here; fixed for reproducible runs
DAYS = 3 * 365
CHUNK = 2_000  # inspections per executemany batch: bounds memory, not the transaction
PATTERNS = 1_024  # distinct answer sets drawn from the distribution below, scored once each
HOT_SHARE_OF_SUBJECTS = 0.03  # subjects visited again and again ...
HOT_SHARE_OF_INSPECTIONS = 0.25  # ... receive this share of all inspections
# Chance per item, by severity, of a violation; a few items do not apply.
VIOLATION_CHANCE = {"gross": 0.02, "significant": 0.08, "minor": 0.12}
NOT_APPLICABLE_CHANCE = 0.04

USERS = (
    (1001, "admin", "ru", "Администратор"),
    (1002, "supervisor", "kk", "Руководитель отдела"),
    (2001, "inspector", "ru", "Ахметова А. Б."),
    (2002, "inspector", "kk", "Сейітқали Н. Е."),
    (2003, "inspector", "ru", "Иванов П. С."),
    (2004, "inspector", "ru", "Жумабаев Т. К."),
    (2005, "inspector", "kk", "Омарова Г. М."),
    (2006, "inspector", "ru", "Ким В. А."),
)
INSPECTORS = tuple(user[0] for user in USERS if user[1] == "inspector")
NAMES = {user[0]: user[3] for user in USERS}
REGIONS = (
    "Астана",
    "Алматы",
    "Шымкент",
    "Абайская",
    "Акмолинская",
    "Актюбинская",
    "Алматинская",
    "Атырауская",
    "Восточно-Казахстанская",
    "Жамбылская",
    "Жетісуская",
    "Западно-Казахстанская",
    "Карагандинская",
    "Костанайская",
    "Кызылординская",
    "Мангистауская",
    "Павлодарская",
    "Северо-Казахстанская",
    "Туркестанская",
    "Улытауская",
)

SUBJECT_SQL, HISTORY_SQL = SUBJECT_BY_BIN, SUBJECT_HISTORY  # the repository's own two queries of a card

INSERT_USER = (
    "INSERT INTO users (telegram_id, role, language, display_name, full_name, created_at) VALUES (?,?,?,?,?,?)"
)
INSERT_SUBJECT = (
    "INSERT INTO subjects (id, bin, name, kind, region, address, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?)"
)
INSERT_INSPECTION = (
    "INSERT INTO inspections (id, inspector_id, subject_id, status, catalogue_version, language, step,"
    " message_id, last_input_id, subject_bin, subject_name, subject_address, state_body, appointing_body,"
    " act_number, act_date, inspector_name, inspector_position, created_at, updated_at, finalized_at,"
    " indicator, risk_class, gross_rule_fired, result_json)"
    " VALUES (?, ?, ?, 'finalized', ?, ?, 'done', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_ANSWER = (
    "INSERT INTO answers (inspection_id, item, criterion, severity, answer, comment, answered_by, answered_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True, slots=True)
class Options:
    subjects: int
    answers: int
    lookups: int
    seed: int
    directory: Path | None
    pin: bool

    @property
    def inspections(self) -> int:
        return math.ceil(self.answers / ITEMS)


@dataclass(frozen=True, slots=True)
class Loaded:
    """What the fill put in the file: the look-up's ground truth."""

    path: Path
    bins: list[str]  # subject id - 1 -> BIN
    history_counts: list[int]  # subject id - 1 -> finalized inspections
    inspections: int
    answers: int
    users: int
    seconds: float
    file_bytes: int


@dataclass(frozen=True, slots=True)
class Outcome:
    """One look-up's answer, reduced: the card's BIN (None: no card) and its history, newest first."""

    bin: str | None
    history: tuple[tuple[str, int], ...]  # (finalized_at, inspection id)


def outcome(card: SubjectCard | None) -> Outcome:
    if card is None:
        return Outcome(None, ())
    return Outcome(card.subject.bin, tuple((past.finalized_at, past.id) for past in card.history))


@dataclass(frozen=True, slots=True)
class Check:
    bin: str
    expected_history: int | None  # None: the BIN is not in the file
    aiosqlite: Outcome
    sqlite3: Outcome


@dataclass(frozen=True, slots=True)
class Timing:
    name: str
    nanoseconds: list[int]  # per look-up
    wall_ns: int  # the whole timed loop

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile in milliseconds."""
        ordered = sorted(self.nanoseconds)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)] / 1e6

    @property
    def per_second(self) -> float:
        return len(self.nanoseconds) / (self.wall_ns / 1e9)


@dataclass(frozen=True, slots=True)
class Report:
    options: Options
    loaded: Loaded
    warmup: int
    cpu: int | None
    timings: tuple[Timing, Timing]
    checks: list[Check]
    history_limit: int
    plans: list[str]


# --- data ----------------------------------------------------------------------------------------------


def valid_numbers(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    """``count`` new 12-digit numbers with a valid control digit: 80 % BINs, 20 % IINs of entrepreneurs."""
    found: list[str] = []
    while len(found) < count:
        if rng.random() < 0.8:  # BIN: registration year, month, type 4-6, attribute, serial
            first = f"{rng.randrange(100):02d}{rng.randrange(1, 13):02d}{rng.randrange(4, 7)}{rng.randrange(4)}"
            first += f"{rng.randrange(100_000):05d}"
        else:  # IIN: birth date, century and sex, serial
            first = f"{rng.randrange(100):02d}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}"
            first += f"{rng.randrange(1, 7)}{rng.randrange(10_000):04d}"
        digit = control_digit(first)
        if digit is None:
            continue
        number = f"{first}{digit}"
        if number not in taken:
            taken.add(number)
            found.append(number)
    return found


@dataclass(frozen=True, slots=True)
class Pattern:
    """One set of 19 answers with its result, scored by the bot's own engine."""

    answers: tuple[tuple[int, int, str, str, str | None], ...]  # (item, criterion, severity, answer, comment)
    indicator: str
    risk_class: str
    gross_rule_fired: int
    result_json: str


def answer_patterns(rng: random.Random, count: int) -> list[Pattern]:
    catalogue = default_catalogue()
    patterns = []
    for _ in range(count):
        rows, evaluations = [], []
        for requirement in catalogue.checklist:
            roll = rng.random()
            if roll < VIOLATION_CHANCE[requirement.severity.value]:
                answer = Answer.VIOLATED
            elif roll > 1 - NOT_APPLICABLE_CHANCE:
                answer = Answer.NOT_APPLICABLE
            else:
                answer = Answer.COMPLIES
            comment = None
            if answer is Answer.VIOLATED:
                comment = f"Нарушение требования п. {requirement.number}: см. фотоматериалы"
            rows.append((requirement.number, requirement.criterion, requirement.severity.value, answer.value, comment))
            evaluations.append(Evaluation(requirement.criterion, requirement.severity, answer))
        result = assess(evaluations, catalogue.constants)
        as_dict = result_to_dict(result)
        patterns.append(
            Pattern(
                tuple(rows),
                as_dict["indicator"],
                result.risk_class.value,
                int(result.gross_rule_fired),
                json.dumps(as_dict, ensure_ascii=False),
            )
        )
    return patterns


def subject_row(subject_id: int, number: str, rng: random.Random, created: str) -> tuple:
    legal = number[4] in "456"
    name = f"ТОО «Сервис-{subject_id}»" if legal else f"ИП Предприниматель {subject_id}"
    region = REGIONS[subject_id % len(REGIONS)]
    address = f"{region}, ул. Абая, д. {rng.randrange(1, 300)}, оф. {rng.randrange(1, 60)}"
    return (subject_id, number, name, "BIN" if legal else "IIN", region, address, created, created)


async def migrate(path: Path) -> None:
    db = await Database.open(path)
    await db.close()


def fill(path: Path, options: Options, rng: random.Random) -> Loaded:
    """Create the schema through ``Database.open``, then bulk-load with sqlite3 in one transaction."""
    started = time.perf_counter()
    asyncio.run(migrate(path))
    catalogue_version = default_catalogue().version
    patterns = answer_patterns(rng, PATTERNS)
    bins = valid_numbers(rng, options.subjects, set())
    # Who gets inspected: most inspections fall anywhere, a quarter on a few subjects visited repeatedly.
    hot = rng.sample(range(options.subjects), max(1, int(options.subjects * HOT_SHARE_OF_SUBJECTS)))
    # When: working hours over three years; ids follow time like in real life. Minutes 0..20 for the start,
    # two minutes per item, finalized at start + 38 minutes: one inspection stays within its hour.
    slots = sorted((rng.randrange(DAYS), rng.randrange(9, 18)) for _ in range(options.inspections))
    suffixes = [[f"{start + 2 * i:02d}" for i in range(ITEMS + 1)] for start in range(21)]
    history_counts = [0] * options.subjects
    created = f"{FIRST_DAY.isoformat()}T08:00:00+00:00"

    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys=ON")
        # Loading only: no WAL, no fsync. New pages past the end of the file are not journalled, so the
        # rollback journal stays tiny; the file goes back to WAL (the bot's mode) below.
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-65536")  # 64 MiB
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(INSERT_USER, ((uid, role, lang, name, name, created) for uid, role, lang, name in USERS))
        conn.executemany(INSERT_SUBJECT, (subject_row(i + 1, number, rng, created) for i, number in enumerate(bins)))
        answers = 0
        for chunk_start in range(0, options.inspections, CHUNK):
            inspection_rows, answer_rows = [], []
            for offset, (day, hour) in enumerate(slots[chunk_start : chunk_start + CHUNK]):
                inspection_id = chunk_start + offset + 1
                index = rng.choice(hot) if rng.random() < HOT_SHARE_OF_INSPECTIONS else rng.randrange(options.subjects)
                history_counts[index] += 1
                number = bins[index]
                when = FIRST_DAY + timedelta(days=day)
                start, second = rng.randrange(21), rng.randrange(60)
                prefix, tail = f"{when.isoformat()}T{hour:02d}:", f":{second:02d}+00:00"
                minutes = suffixes[start]
                inspector = INSPECTORS[inspection_id % len(INSPECTORS)]
                pattern = patterns[rng.randrange(PATTERNS)]
                finalized = prefix + minutes[ITEMS] + tail
                inspection_rows.append(
                    (
                        inspection_id,
                        inspector,
                        index + 1,
                        catalogue_version,
                        "ru" if inspection_id % 3 else "kk",
                        rng.randrange(1, 10**6),
                        rng.randrange(1, 10**6),
                        number,
                        f"Субъект {index + 1}",
                        f"ул. Абая, д. {index % 300 + 1}",
                        "Департамент контроля качества госуслуг",
                        "Министерство цифрового развития",
                        f"{inspection_id}/{when.year}",
                        when.strftime("%d.%m.%Y"),
                        NAMES[inspector],
                        "Главный специалист",
                        prefix + minutes[0] + tail,
                        finalized,
                        finalized,
                        pattern.indicator,
                        pattern.risk_class,
                        pattern.gross_rule_fired,
                        pattern.result_json,
                    )
                )
                for i, (item, criterion, severity, answer, comment) in enumerate(pattern.answers):
                    answer_rows.append(
                        (
                            inspection_id,
                            item,
                            criterion,
                            severity,
                            answer,
                            comment,
                            inspector,
                            prefix + minutes[i] + tail,
                        )
                    )
            conn.executemany(INSERT_INSPECTION, inspection_rows)
            conn.executemany(INSERT_ANSWER, answer_rows)
            answers += len(answer_rows)
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()
    seconds = time.perf_counter() - started
    return Loaded(path, bins, history_counts, options.inspections, answers, len(USERS), seconds, path.stat().st_size)


# --- measuring -----------------------------------------------------------------------------------------


def _card(r: Repos, bin_: str) -> SubjectCard | None:
    return r.subjects.card(bin_)


async def time_aiosqlite(path: Path, warmup: Sequence[str], bins: Sequence[str]) -> tuple[Timing, list[Outcome]]:
    db = await Database.open(path)  # a fresh connection: the bot's own pragmas, migrations already applied
    try:
        for number in warmup:
            await db.call(_card, number)
        clock = time.perf_counter_ns
        times, outcomes = [], []
        loop_start = clock()
        for number in bins:
            start = clock()
            card = await db.call(_card, number)
            times.append(clock() - start)
            outcomes.append(outcome(card))
        wall = clock() - loop_start
    finally:
        await db.close()
    return Timing("aiosqlite", times, wall), outcomes


def time_sqlite3(path: Path, warmup: Sequence[str], bins: Sequence[str]) -> tuple[Timing, list[Outcome]]:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        repo = SubjectRepository(conn)
        for number in warmup:
            repo.card(number)
        clock = time.perf_counter_ns
        times, outcomes = [], []
        loop_start = clock()
        for number in bins:
            start = clock()
            card = repo.card(number)
            times.append(clock() - start)
            outcomes.append(outcome(card))
        wall = clock() - loop_start
    finally:
        conn.close()
    return Timing("sqlite3", times, wall), outcomes


def query_plans(path: Path) -> list[str]:
    """EXPLAIN QUERY PLAN of the two queries, one line each: they must stay indexed searches."""
    conn = sqlite3.connect(path)
    try:
        return [
            "; ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))
            for sql, params in ((SUBJECT_SQL, ("000000000000",)), (HISTORY_SQL, (1, HISTORY_LIMIT)))
        ]
    finally:
        conn.close()


@contextmanager
def one_cpu(enabled: bool) -> Iterator[int | None]:
    """Pin this thread (and the threads it starts, e.g. aiosqlite's worker) to one CPU; restore afterwards."""
    if not enabled or not hasattr(os, "sched_setaffinity"):
        yield None
        return
    before = os.sched_getaffinity(0)
    cpu = min(before)
    os.sched_setaffinity(0, {cpu})
    try:
        yield cpu
    finally:
        os.sched_setaffinity(0, before)


def problems(checks: Sequence[Check], history_limit: int) -> list[str]:
    found = []
    for check in checks:
        for path_name, got in (("aiosqlite", check.aiosqlite), ("sqlite3", check.sqlite3)):
            if check.expected_history is None:
                if got.bin is not None:
                    found.append(f"{path_name}: unknown {check.bin} returned {got.bin}")
                continue
            want = min(check.expected_history, history_limit)
            if got.bin != check.bin or len(got.history) != want:
                found.append(f"{path_name}: {check.bin} returned {got.bin} with {len(got.history)} past, want {want}")
            elif list(got.history) != sorted(got.history, reverse=True):
                found.append(f"{path_name}: {check.bin} history is not newest first")
        if check.aiosqlite != check.sqlite3:
            found.append(f"{check.bin}: aiosqlite and sqlite3 disagree")
    return found


def run(options: Options) -> Report:
    rng = random.Random(options.seed)
    with tempfile.TemporaryDirectory(prefix="bench-lookup-") as scratch:
        directory = options.directory or Path(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / "lookup.sqlite3"
        for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
        loaded = fill(path, options, rng)

        # The mix: 90 % known BINs (uniform over subjects), 10 % valid numbers that are not in the file.
        warmup_size = max(10, min(500, options.lookups // 10))
        known = round(options.lookups * KNOWN_SHARE)
        warm_known = round(warmup_size * KNOWN_SHARE)
        unknown = valid_numbers(rng, options.lookups - known + warmup_size - warm_known, set(loaded.bins))
        indices = [rng.randrange(options.subjects) for _ in range(known)]
        mix = [(loaded.bins[i], loaded.history_counts[i]) for i in indices]
        mix += [(number, None) for number in unknown[warmup_size - warm_known :]]
        rng.shuffle(mix)
        warmup = [loaded.bins[rng.randrange(options.subjects)] for _ in range(warm_known)]
        warmup += unknown[: warmup_size - warm_known]
        rng.shuffle(warmup)
        numbers = [number for number, _ in mix]

        with one_cpu(options.pin) as cpu:
            async_timing, async_outcomes = asyncio.run(time_aiosqlite(path, warmup, numbers))
            sync_timing, sync_outcomes = time_sqlite3(path, warmup, numbers)
        checks = [
            Check(number, expected, got_async, got_sync)
            for (number, expected), got_async, got_sync in zip(mix, async_outcomes, sync_outcomes, strict=True)
        ]
        report = Report(
            options, loaded, warmup_size, cpu, (async_timing, sync_timing), checks, HISTORY_LIMIT, query_plans(path)
        )
        print_report(report)
        wrong = problems(checks, HISTORY_LIMIT)
        if wrong:
            raise RuntimeError(f"{len(wrong)} look-ups returned the wrong card, e.g. {wrong[:3]}")
    return report


# --- output --------------------------------------------------------------------------------------------


def print_report(report: Report) -> None:
    loaded, checks = report.loaded, report.checks
    known = [c for c in checks if c.expected_history is not None]
    with_history = [c for c in known if c.expected_history]
    rows_returned = sum(len(c.aiosqlite.history) for c in known)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print("lookup: SubjectRepository.card(bin) on a real SQLite file (real migrations and indexes)")
    print(
        f"  data      {len(loaded.bins):,} subjects, {loaded.inspections:,} finalized inspections, "
        f"{loaded.answers:,} answers, {loaded.users} users"
    )
    print(f"  fill      {loaded.seconds:.2f} s (Database.open + sqlite3 executemany, one transaction)")
    print(f"  file      {loaded.file_bytes / 2**20:.1f} MiB  {loaded.path}")
    where = f"pinned to CPU {report.cpu}" if report.cpu is not None else "not pinned"
    print(
        f"  look-ups  {len(checks):,} timed ({len(known):,} known BINs, {len(checks) - len(known):,} unknown) "
        f"after {report.warmup:,} warm-up, one at a time, {where}"
    )
    print(f"            {len(with_history):,} known had history: {rows_returned:,} past inspections returned")
    for label, plan in zip(("plans", ""), report.plans, strict=True):
        print(f"  {label:<10}{plan}")
    print()
    print(f"  {'path':<11}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}{'look-ups/s':>12}")
    quantiles = (0.5, 0.9, 0.99, 1.0)
    for timing in report.timings:
        figures = "".join(f"{timing.percentile(q):>9.3f}" for q in quantiles)
        print(f"  {timing.name:<11}{figures}{timing.per_second:>12,.0f}")
    slow, fast = report.timings
    hop = "".join(f"{slow.percentile(q) - fast.percentile(q):>+9.3f}" for q in quantiles[:-1])
    print(f"  {'difference':<11}{hop}{'':>9}{'':>12}  (aiosqlite's thread hops)")
    print()
    print(
        f"  checked   every look-up: known BINs gave their subject and min(history, {report.history_limit}) "
        "past inspections newest first, unknown gave None; both paths agree"
    )
    print(f"  peak RSS  {peak_mib:.0f} MiB")


def parse_args(argv: Sequence[str]) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench lookup", description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, help=f"subjects (default {DEFAULTS['subjects']:,})")
    parser.add_argument(
        "--answers", type=int, help=f"answers, {ITEMS} per finalized inspection (default {DEFAULTS['answers']:,})"
    )
    parser.add_argument("--lookups", type=int, help=f"timed look-ups (default {DEFAULTS['lookups']:,})")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK['subjects']:,} subjects, {QUICK['answers']:,} answers, {QUICK['lookups']:,} look-ups",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, help="keep the database file here (default: a temp dir, removed)")
    parser.add_argument("--no-pin", action="store_true", help="do not pin the measurement to one CPU")
    args = parser.parse_args(list(argv))
    base = QUICK if args.quick else DEFAULTS
    sizes = {key: getattr(args, key) if getattr(args, key) is not None else base[key] for key in base}
    if sizes["subjects"] < 1 or sizes["answers"] < 1 or sizes["lookups"] < 1:
        parser.error("sizes must be positive")
    return Options(sizes["subjects"], sizes["answers"], sizes["lookups"], args.seed, args.dir, not args.no_pin)


def main(argv: Sequence[str]) -> None:
    run(parse_args(argv))
