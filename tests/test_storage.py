"""Storage on a real SQLite file: pragmas, migrations, constraints, transactions, the BIN look-up."""

import asyncio
import sqlite3
from datetime import UTC, datetime

import pytest

from bot.db import Database
from bot.db import inspections as inspections_module
from bot.db.clock import utc_now
from bot.db.database import ReadWrote, migrations
from bot.roles import Role
from tests.conftest import BIN_A, add_user


async def test_wal_foreign_keys_busy_timeout_and_schema_version(db):
    assert (await db.fetch_one("PRAGMA journal_mode"))[0] == "wal"
    assert (await db.fetch_one("PRAGMA foreign_keys"))[0] == 1
    assert (await db.fetch_one("PRAGMA busy_timeout"))[0] == 5000
    assert await db.schema_version() == migrations()[-1][0]


async def test_reopening_applies_nothing_twice_and_keeps_data(tmp_path):
    path = tmp_path / "bot.sqlite3"
    first = await Database.open(path)
    await add_user(first, 1)
    await first.close()
    second = await Database.open(path)
    assert (await second.read(lambda r: r.users.get(1))).role is Role.INSPECTOR
    await second.close()


async def test_a_failed_transaction_leaves_nothing(db):
    def failing(r):
        r.subjects.upsert(BIN_A, "ТОО Ақ жол", "BIN", None)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await db.run(failing)  # a unit of work on the event loop
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:  # one on aiosqlite's thread
            await tx.call(failing)
    assert await db.read(lambda r: r.subjects.by_bin(BIN_A)) is None


async def test_foreign_keys_are_enforced(db):
    with pytest.raises(sqlite3.IntegrityError):
        await db.run(lambda r: r.inspections.create_draft(999, "v1", "ru", "subject_bin"))  # no such user


async def test_one_draft_per_inspector(db):
    await add_user(db, 1)
    await db.run(lambda r: r.inspections.create_draft(1, "v1", "ru", "subject_bin"))
    with pytest.raises(sqlite3.IntegrityError):
        await db.run(lambda r: r.inspections.create_draft(1, "v1", "ru", "subject_bin"))


async def _finalized(db, inspector, bin_, indicator="8.75"):
    def finalized(r):
        inspection_id = r.inspections.create_draft(inspector, "v1", "ru", "subject_bin")
        subject_id = r.subjects.upsert(bin_, "ТОО Ақ жол", "BIN", "Астана")
        r.inspections.put_answer(inspection_id, 1, 1, "significant", "violated", inspector, None)
        r.inspections.finalize(inspection_id, subject_id, indicator, "not_high", False, {"indicator": indicator})
        return inspection_id

    return await db.run(finalized)


async def test_a_finalized_inspection_never_changes(db):
    await add_user(db, 1)
    inspection_id = await _finalized(db, 1, BIN_A)
    with pytest.raises(sqlite3.IntegrityError, match="finalized"):
        async with db.transaction() as tx:
            await tx.execute("UPDATE inspections SET indicator = '0' WHERE id = ?", (inspection_id,))
    with pytest.raises(sqlite3.IntegrityError, match="finalized"):
        async with db.transaction() as tx:
            await tx.execute("UPDATE answers SET answer = 'complies' WHERE inspection_id = ?", (inspection_id,))
    assert (await db.read(lambda r: r.inspections.get(inspection_id))).indicator == "8.75"


async def test_answer_changes_record_who_when_from_to(db):
    await add_user(db, 1)

    def answered(r):
        inspection_id = r.inspections.create_draft(1, "v1", "ru", "item")
        r.inspections.put_answer(inspection_id, 5, 5, "significant", "complies", 1, None)
        r.inspections.put_answer(inspection_id, 5, 5, "significant", "violated", 1, "complies")
        r.inspections.put_answer(inspection_id, 5, 5, "significant", "violated", 1, "violated")  # no change
        return inspection_id

    inspection_id = await db.run(answered)
    changes = await db.read(lambda r: r.inspections.changes(inspection_id))
    assert [(c.item, c.from_answer, c.to_answer, c.changed_by) for c in changes] == [
        (5, None, "complies", 1),
        (5, "complies", "violated", 1),
    ]
    assert (await db.read(lambda r: r.inspections.answers(inspection_id)))[5].answer == "violated"


async def test_subject_card_latest_result_and_history(db):
    await add_user(db, 1)
    first = await _finalized(db, 1, BIN_A, "8.75")
    second = await _finalized(db, 1, BIN_A, "100.00")
    card = await db.read(lambda r: r.subjects.card(BIN_A))
    assert card.subject.name == "ТОО Ақ жол"
    assert [p.id for p in card.history] == [second, first]
    assert card.latest.indicator == "100.00"
    assert await db.read(lambda r: r.subjects.card("850101300451")) is None


async def test_lookup_uses_indexes(db):
    plan = await db.fetch_all("EXPLAIN QUERY PLAN SELECT * FROM subjects WHERE bin = ?", (BIN_A,))
    assert any("USING INDEX" in row["detail"] for row in plan)
    plan = await db.fetch_all(
        "EXPLAIN QUERY PLAN SELECT id FROM inspections WHERE subject_id = ? AND status = 'finalized'"
        " ORDER BY finalized_at DESC LIMIT 10",
        (1,),
    )
    assert any("inspections_subject_history" in row["detail"] for row in plan)


async def test_concurrent_transactions_are_serialised(db):
    await add_user(db, 1)

    async def add(n):
        async with db.transaction() as tx:
            await tx.call(lambda r: r.subjects.upsert(f"{n:012d}", f"S{n}", "BIN", None))
            await asyncio.sleep(0)
        await db.run(lambda r: r.subjects.upsert(f"{n + 100:012d}", f"S{n + 100}", "BIN", None))

    await asyncio.gather(*(add(n) for n in range(50)))
    assert await db.read(lambda r: r.subjects.count()) == 100


async def test_backup_is_consistent(db, tmp_path):
    await add_user(db, 1)
    await _finalized(db, 1, BIN_A)
    target = tmp_path / "backup.sqlite3"
    await db.backup_to(target)
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT count(*) FROM inspections").fetchone()[0] == 1
    copy.close()


def _database_at_version_3(path) -> None:
    """A file as release 3 left it, with a user, an invitation, a draft and an objective record."""
    connection = sqlite3.connect(path, isolation_level=None)
    for version, sql in migrations():
        if version > 3:
            break
        connection.executescript(sql)
    connection.executescript("""
        PRAGMA user_version=3;
        INSERT INTO users (telegram_id, role, language, created_at) VALUES (7, 'supervisor', 'kk', 'x');
        INSERT INTO invitations (token, role, created_by, created_at, expires_at)
            VALUES ('t', 'inspector', 7, 'x', 'y');
        INSERT INTO subjects (id, bin, name, kind, created_at, updated_at)
            VALUES (1, '990340001230', 'A', 'BIN', 'x', 'x');
        INSERT INTO inspections (inspector_id, subject_id, status, catalogue_version, language, step, created_at,
                                 updated_at) VALUES (7, 1, 'draft', 'v', 'kk', 'subject_bin', 'x', 'x');
        INSERT INTO objective_records (subject_id, condition, met, assessed_on, recorded_at)
            VALUES (1, 2, 1, '2026-03-01', 'x');
    """)
    connection.close()


async def test_migrating_a_release_3_file_keeps_people_drafts_and_records_and_admits_the_head(tmp_path):
    path = tmp_path / "old.sqlite3"
    _database_at_version_3(path)
    db = await Database.open(path)
    try:
        assert await db.schema_version() == migrations()[-1][0]
        assert (await db.fetch_one("PRAGMA foreign_keys"))[0] == 1
        assert (await db.read(lambda r: r.users.get(7))).role is Role.SUPERVISOR
        assert (await db.fetch_one("SELECT created_by FROM invitations WHERE token = 't'"))[0] == 7
        assert (await db.fetch_one("SELECT inspector_id FROM inspections"))[0] == 7
        assert tuple(await db.fetch_one("SELECT condition, occurred_on, value FROM objective_records")) == (
            2,
            "2026-03-01",
            None,
        )
        async with db.transaction() as tx:
            await tx.execute("UPDATE users SET role = 'head' WHERE telegram_id = 7")
        assert (await db.read(lambda r: r.users.get(7))).role is Role.HEAD
        with pytest.raises(sqlite3.IntegrityError):  # the foreign keys survived the rebuild
            async with db.transaction() as tx:
                await tx.execute("DELETE FROM users WHERE telegram_id = 7")
    finally:
        await db.close()


async def test_upgrading_keeps_reminders_already_sent_as_sent_and_finds_old_subjects_by_name(tmp_path):
    path = tmp_path / "old.sqlite3"
    _database_at_version_3(path)
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute(
        "INSERT INTO reminder_log (kind, deadline, sent_to, sent_at) VALUES"
        " ('visit_list:2027-H1:d7', '2026-12-10', 7, '2026-12-03T04:00:00+00:00')"
    )
    connection.close()
    db = await Database.open(path)
    try:
        assert await db.read(lambda r: r.outbox.status_of("visit_list:2027-H1:d7:7")) == "sent"
        # the reminder job's key for it: not sent again
        assert not await db.run(lambda r: r.outbox.enqueue("visit_list:2027-H1:d7:7", 7, "reminder", "again"))
        assert [s.bin for s in await db.read(lambda r: r.subjects.search("a"))] == []  # too short for a name
        await db.run(lambda r: r.subjects.upsert("990340001230", "ТОО Ақ жол", "BIN", None))
        assert [s.bin for s in await db.read(lambda r: r.subjects.search("ақ ж"))] == ["990340001230"]
        assert [s.bin for s in await db.read(lambda r: r.subjects.search("9903"))] == ["990340001230"]
    finally:
        await db.close()


def test_migration_versions_run_one_to_n_without_gaps_or_twins():
    """A branch that lands a migration numbered after a gap, or twice the same number, fails here: the runner
    applies only versions above the file's user_version, so a gap filled later would never run."""
    versions = [version for version, _sql in migrations()]
    assert versions == list(range(1, len(versions) + 1))


async def test_a_read_that_writes_is_refused_and_rolled_back(db):
    """Reads run on the units' own connection (its page cache is never stale), which can write: a read
    that does is a bug, and it must not commit quietly."""
    await add_user(db, 9001)

    def sneaky(r):
        user = r.users.get(9001)
        r.users.set_language(9001, "kk")
        return user

    with pytest.raises(ReadWrote):
        await db.read(sneaky)
    assert (await db.read(lambda r: r.users.get(9001))).language == "ru"
    with pytest.raises(ReadWrote):
        await db.read_one(lambda r: r.users.set_language(9001, "kk"))
    assert await db.read_one(lambda r: r.users.get(9001)) is not None


def test_the_stored_time_is_now_to_the_second_in_utc():
    before = datetime.now(UTC).replace(microsecond=0)
    stamp = utc_now()
    after = datetime.now(UTC)
    assert stamp.endswith("+00:00") and len(stamp) == len("2026-12-02T10:58:39+00:00")
    assert before <= datetime.fromisoformat(stamp) <= after


async def test_a_sheet_is_read_from_every_column_it_carries(db):
    """Sheets are read by an explicit column list as plain tuples (bot/db/inspections.py): a column added to
    the table later is either read into the sheet or named here as one it does not carry."""
    not_carried = {"updated_at", "gross_rule_fired"}  # bookkeeping, and a detail of result_json
    table = {row[1] for row in await db.fetch_all("PRAGMA table_info(inspections)")}
    assert set(inspections_module._INSPECTION_COLUMNS.split(", ")) == table - not_carried
